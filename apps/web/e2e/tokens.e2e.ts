/**
 * The Tokens screen in a real browser: the bootstrap token is admin; a read-only token minted
 * there (its secret shown once) reads but cannot change anything or see tokens, also when a
 * person signs in with it; revoking it from the list refuses it at once.
 */
import { TRPCClientError } from '@trpc/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, launchBrowser, newPage, type Stack, screenshot, signIn, startStack } from './harness';

let stack: Stack;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let secret = '';

beforeAll(async () => {
  stack = await startStack('tokens');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  await apiClient(stack).scenarios.create.mutate({ name: 'Visible to readers' });
  await signIn(page, stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const codeOf = (error: unknown) => (error instanceof TRPCClientError ? error.data?.code : String(error));

describe('API tokens', () => {
  it('lists the bootstrap token as admin, in the navigation', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    const bootstrap = page.locator('[data-testid="token-table"] tr', { hasText: 'bootstrap' });
    await expect.poll(() => bootstrap.textContent()).toContain('admin');
    expect(await bootstrap.textContent()).toContain('this browser');
  });

  it('mints a read-only token that expires, shows its secret once and lists it', async () => {
    await page.getByRole('button', { name: 'New token' }).click();
    await page.fill('#token-name', 'dashboard');
    await page.selectOption('#token-scope', 'read-only');
    await page.selectOption('#token-expiry', '7d');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.locator('[data-testid="new-token-secret"]');
    await shown.waitFor();
    secret = (await shown.textContent()) ?? '';
    expect(secret).toMatch(/^weft_/);
    await screenshot(page, 'tokens-created');
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('[data-testid="token-table"] tr', { hasText: 'dashboard' });
    await expect.poll(() => row.textContent()).toContain('read-only');
    expect(await row.textContent()).not.toContain('never');
    // Shown once: the list carries no secret.
    expect(await page.locator('[data-testid="token-table"]').textContent()).not.toContain(secret);
  });

  it('the read-only token reads, cannot change anything, and cannot see tokens', async () => {
    const reader = apiClient({ apiUrl: stack.apiUrl, token: secret });
    expect((await reader.scenarios.list.query({})).items.map((s) => s.name)).toContain('Visible to readers');
    const refused = await reader.scenarios.create
      .mutate({ name: 'Not by a reader' })
      .catch((e: unknown) => e);
    expect(codeOf(refused)).toBe('FORBIDDEN');

    const { page: readerPage, errors } = await newPage(browser);
    await signIn(readerPage, { ...stack, token: secret });
    await readerPage.getByText('Visible to readers').waitFor();
    await readerPage.getByRole('link', { name: 'Tokens' }).click();
    await readerPage.getByText('Tokens cannot be shown').waitFor();
    expect(await readerPage.locator('.state-error').textContent()).toContain('scope "admin"');
    await readerPage.context().close();
    expect(errors).toEqual([]);
  });

  it('revoking it from the list refuses it at once', async () => {
    const row = page.locator('[data-testid="token-table"] tr', { hasText: 'dashboard' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    const refused = await apiClient({ apiUrl: stack.apiUrl, token: secret })
      .scenarios.list.query({})
      .catch((e: unknown) => e);
    expect(codeOf(refused)).toBe('UNAUTHORIZED');
    expect(pageErrors).toEqual([]);
  });
});
