/**
 * OAuth2 connections in a real browser against a real authorization server (oidc-provider, in this
 * process): the connection form names a missing client id; Connect sends the browser through the
 * authorization code grant with PKCE and back to the api's callback, which stores the tokens; a
 * run (the runner as a process) calls a protected API with the token; after the
 * refresh token is revoked, the next run fails, the run view links to the connection, and the
 * connection says to reconnect; reconnecting works.
 */
import { CODE_CLIENT, type OAuth2Server, startOAuth2Server } from '@weft/devdb/oauth2-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  newPage,
  type Stack,
  screenshot,
  signIn,
  startStack,
  apiClient,
  type ApiClient,
} from './harness';

let stack: Stack;
let server: OAuth2Server;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let client: ApiClient;
let appId = '';
let connectionId = '';
let scenarioId = '';

beforeAll(async () => {
  stack = await startStack('oauth2');
  server = await startOAuth2Server({ redirectUris: [`${stack.apiUrl}/oauth2/callback`] });
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  appId = (await client.apps.create.mutate({ key: 'crm', name: 'CRM', signature: { scheme: 'generic' } })).id;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stack?.stop();
});

async function runOnce(): Promise<Awaited<ReturnType<typeof client.runs.get.query>>> {
  const response = await fetch(`${stack.apiUrl}/trigger/${scenarioId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(response.status).toBe(202);
  const { runId } = (await response.json()) as { runId: string };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await client.runs.get.query({ id: runId });
    if (['succeeded', 'failed', 'dead', 'cancelled'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const row = () => page.locator('[data-connection="CRM (Ana)"]');

describe('OAuth2 connections in the browser', () => {
  it('the connection form names a missing client id and creates nothing', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/apps/${appId}`);
    await page.getByRole('button', { name: 'New connection' }).click();
    await page.fill('#connection-name', 'CRM (Ana)');
    await page.selectOption('#oauth2-grant', 'authorization_code');
    await page.fill('#oauth2-tokenUrl', server.tokenUrl);
    await page.fill('#oauth2-authorizeUrl', server.authorizeUrl);
    await page.getByRole('button', { name: 'Create connection' }).click();
    const error = page.locator('.field-invalid:has(#oauth2-clientId) .field-error');
    await expect
      .poll(() => error.textContent())
      .toBe('oauth2.clientId is required: an OAuth2 connection needs a client id');
    expect(await client.connections.list.query({ appId })).toEqual([]);
  });

  it('connects through the authorization code grant and comes back connected', async () => {
    await page.fill('#oauth2-clientId', CODE_CLIENT.id);
    await page.fill('#oauth2-clientSecret', CODE_CLIENT.secret);
    await page.fill('#oauth2-scopes', 'openid offline_access');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await expect
      .poll(() => row().getByTestId('oauth2-status').getAttribute('data-oauth2-status'))
      .toBe('not_connected');
    const [connection] = await client.connections.list.query({ appId });
    connectionId = connection!.id;
    expect(connection?.oauth2?.config).toMatchObject({
      grant: 'authorization_code',
      clientId: CODE_CLIENT.id,
    });

    await row().getByRole('button', { name: 'Connect' }).click();
    // Through the authorization server and the api's callback, back on the app's page.
    await page.getByTestId('oauth2-return').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('oauth2-return').textContent()).toMatch(/“CRM \(Ana\)” is connected/);
    await expect
      .poll(() => row().getByTestId('oauth2-status').getAttribute('data-oauth2-status'))
      .toBe('connected');
    expect(await row().getByRole('button', { name: 'Reconnect' }).count()).toBe(1);
    await screenshot(page, 'oauth2-connected');
  });

  it('a run calls the protected API with the token', async () => {
    const scenario = await client.scenarios.create.mutate({
      name: 'CRM contacts',
      draft: {
        nodes: [
          { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
          {
            id: 'crm',
            type: 'http.request',
            version: 2,
            config: { url: `${server.apiUrl}/contacts`, connectionId, auth: { kind: 'oauth2' } },
            retry: { maxAttempts: 1 },
            position: { x: 250, y: 0 },
          },
        ],
        edges: [{ id: 'e1', source: 'start', target: 'crm' }],
      },
    });
    scenarioId = scenario.id;
    await client.scenarios.publish.mutate({ id: scenarioId });
    const run = await runOnce();
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'crm')?.output).toMatchObject({
      status: 200,
      body: { contacts: [{ id: 1 }] },
    });
    expect(server.apiCalls.at(-1)).toMatch(/^Bearer .+/);
  });

  it('with the refresh token revoked the run fails, links to the connection, and it says to reconnect', async () => {
    // The person's tokens are revoked at the server: the next call is refused, and so is the refresh.
    await server.revokeAll();
    const run = await runOnce();
    expect(run.status).toBe('failed');
    expect(run.steps.find((s) => s.nodeId === 'crm')?.error).toMatchObject({ code: 'oauth2_reconnect' });

    await page.goto(`${stack.webUrl}/#/runs/${run.id}`);
    await page.locator('[data-node-id="crm"]').click();
    const reconnect = page.locator('[data-step-details="crm"]').getByTestId('reconnect');
    await expect
      .poll(() => reconnect.textContent(), { timeout: 30_000 })
      .toMatch(/“CRM \(Ana\)” must be reconnected/);
    await screenshot(page, 'oauth2-run-reconnect');
    await reconnect.getByRole('link', { name: 'reconnect it' }).click();
    await expect
      .poll(() => row().getByTestId('oauth2-status').getAttribute('data-oauth2-status'))
      .toBe('failing');
    expect(await row().textContent()).toMatch(/reconnect the connection/);

    await row().getByRole('button', { name: 'Reconnect' }).click();
    await page.getByTestId('oauth2-return').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => row().getByTestId('oauth2-status').getAttribute('data-oauth2-status'))
      .toBe('connected');
    expect((await runOnce()).status).toBe('succeeded');
    expect(pageErrors).toEqual([]);
  });
});
