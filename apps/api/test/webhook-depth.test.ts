import { MAX_BODY_DEPTH } from '@weft/core';
import { toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { createSignedApp, postSigned, request, useApi, webhookScenario } from './harness.js';

const h = useApi();

const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

describe('a body nested too deeply', () => {
  it(`is 400 body_too_deep past ${MAX_BODY_DEPTH} levels, and nothing is stored`, async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await webhookScenario(h, app.id);
    const answer = await postSigned(h, app, nested(MAX_BODY_DEPTH + 1));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: 'body_too_deep',
      message: `the body nests objects and arrays more than ${MAX_BODY_DEPTH} levels deep; Weft accepts at most ${MAX_BODY_DEPTH}`,
    });
    expect(await h.db.models.WebhookDelivery.countDocuments({ appId: toObjectId(app.id) })).toBe(0);
    const metrics = await request(`${h.baseUrl}/metrics`);
    const counted = metrics.text
      .split('\n')
      .filter((line) => line.startsWith('weft_webhooks_total{') && line.includes(`app="${app.id}"`));
    expect(counted).toEqual([expect.stringMatching(/outcome="bad_request",reason="body_too_deep".*\} 1$/)]);
    expect(await h.db.models.Run.countDocuments({ scenarioId: toObjectId(scenarioId) })).toBe(0);
  });

  it(`at ${MAX_BODY_DEPTH} levels is stored and its run created`, async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await webhookScenario(h, app.id);
    const answer = await postSigned(h, app, nested(MAX_BODY_DEPTH));
    expect(answer.status).toBe(202);
    expect(await h.db.models.Run.countDocuments({ scenarioId: toObjectId(scenarioId) })).toBe(1);
  });
});
