import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/types.js';
import { publishedManualScenario } from './fixtures.js';
import { createSignedApp, postSigned, SECRETS, useApi, webhookScenario } from './harness.js';
import { leakedSecrets, recorder, recordingFetch, rememberSecret } from './recorder.js';

/**
 * Secrets are write-only. Every test file records all its answers and, after its last test,
 * searches them for every secret it stored (harness.ts); this file drives every procedure that
 * reads or acts on connections, in-process and over HTTP, with secrets of every scheme stored.
 */
const h = useApi();

describe('stored secrets never come back', () => {
  it('no answer of any procedure contains a stored secret', async () => {
    const http = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${h.baseUrl}/trpc`,
          transformer: superjson,
          fetch: recordingFetch,
          headers: { authorization: `Bearer ${h.token}` },
        }),
      ],
    });
    const schemes = Object.keys(SECRETS) as (keyof typeof SECRETS)[];
    for (const scheme of schemes) {
      const app = await createSignedApp(h, { scheme });
      await webhookScenario(h, app.id);
      expect((await postSigned(h, app, `{"scheme":"${scheme}"}`)).status).toBe(202);
      const connectionId = (await h.caller.apps.get({ id: app.id })).defaultConnectionId!;
      const apiKey = `sk_live_${scheme.replace(/[^a-z]/g, '')}_0123456789abcdef`;
      const token = `bearer-token-of-${scheme}-0123456789`;
      rememberSecret(apiKey);
      rememberSecret(token);
      await http.connections.setSecrets.mutate({
        id: connectionId,
        secrets: { webhookSecret: SECRETS[scheme], apiKey, token },
      });
      await h.caller.connections.update({ id: connectionId, metadata: { note: 'x' } });
      await http.connections.test.mutate({ id: connectionId });
      await http.connections.get.query({ id: connectionId });
      await http.connections.disable.mutate({ id: connectionId });
      await h.caller.connections.enable({ id: connectionId });
      await http.apps.get.query({ id: app.id });

      // A preview of a request authenticated with the connection: placeholders, never the secret.
      const scenario = await h.caller.scenarios.create({
        name: `Uses ${scheme}`,
        draft: {
          nodes: [
            { id: 'start', type: 'trigger.manual', version: 1, config: {} },
            {
              id: 'call',
              type: 'http.request',
              version: 2,
              config: {
                url: 'https://api.example.com/x',
                auth: { kind: 'bearer', secretKey: 'token' },
                connectionId,
              },
            },
          ],
          edges: [{ id: 'e', source: 'start', target: 'call' }],
        },
      });
      const preview = await http.scenarios.dryRun.mutate({ id: scenario.id, trigger: {} });
      expect(preview.nodes[1]?.requests[0]?.headers).toMatchObject({
        Authorization: 'Bearer <secret:token>',
      });
    }
    await http.connections.list.query();
    await http.apps.list.query();
    const deliveries = await http.deliveries.list.query({});
    for (const delivery of deliveries.items) {
      await http.deliveries.get.query({ id: delivery.id });
      for (const runId of delivery.runIds) await http.runs.get.query({ id: runId });
    }
    await http.runs.list.query({});
    await http.auth.whoami.query();
    await http.tokens.list.query();
    await http.registry.nodes.query();
    await http.system.info.query();
    const { scenario } = await publishedManualScenario(h.caller, 'Manual secrets check');
    await http.scenarios.dryRun.mutate({ id: scenario.id, trigger: { n: 1 } });

    expect(recorder.secrets.size).toBeGreaterThanOrEqual(schemes.length * 3);
    expect(recorder.responses.length).toBeGreaterThan(100);
    expect(leakedSecrets()).toEqual([]);
  });

  it('the search finds a secret when one is there (the check is not vacuous)', () => {
    const [secret] = recorder.secrets;
    recorder.responses.push(`{"oops":"${secret}"}`);
    expect(leakedSecrets().map(([found]) => found)).toContain(secret);
    recorder.responses.pop();
    expect(leakedSecrets()).toEqual([]);
  });
});
