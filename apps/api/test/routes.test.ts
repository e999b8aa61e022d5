import { NODE_TYPES } from '@weft/core';
import { createApiToken, createWorkspace, toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { jobsFor, request, useApi } from './harness.js';

const h = useApi();

const manualGraph = {
  nodes: [
    { id: 'start', type: 'trigger.manual', version: 1, config: {} },
    { id: 'log', type: 'logger', version: 1, config: { message: 'manual {{ trigger.orderId }}' } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'log' }],
};

function trigger(
  scenarioId: string,
  body: unknown,
  token: string | null = h.token,
  headers: Record<string, string> = {},
) {
  return request(`${h.baseUrl}/trigger/${scenarioId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('POST /trigger/:scenarioId', () => {
  it('starts a manual run of the published version with the JSON body as input', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Manual', draft: manualGraph });
    await h.caller.scenarios.publish({ id: scenario.id });
    const answer = await trigger(scenario.id, { orderId: 'o-1' }, h.token, { 'x-correlation-id': 'corr-9' });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ runId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const run = await h.db.models.Run.findById(answer.json.runId).lean().exec();
    expect(run).toMatchObject({
      status: 'queued',
      scenarioId: toObjectId(scenario.id),
      version: 1,
      trigger: { kind: 'manual', deliveryId: null },
      correlationId: 'corr-9',
      input: { orderId: 'o-1' },
    });
    expect(run!.steps.map((s) => s.nodeId)).toEqual(['start', 'log']);
    expect(await jobsFor(h, [answer.json.runId])).toHaveLength(1);
  });

  it('runs a disabled scenario too; 409 when nothing is published', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Draft only', draft: manualGraph });
    const unpublished = await trigger(scenario.id, {});
    expect(unpublished.status).toBe(409);
    expect(unpublished.json.error).toBe('not_published');
    expect(unpublished.json.message).toMatch(/no published version/);
    await h.caller.scenarios.publish({ id: scenario.id });
    await h.caller.scenarios.setEnabled({ id: scenario.id, enabled: false });
    expect((await trigger(scenario.id, { any: 'thing' })).status).toBe(202);
  });

  it('401 without a token or with a wrong one; 404 for a scenario of another workspace or a bad id', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Guarded', draft: manualGraph });
    await h.caller.scenarios.publish({ id: scenario.id });
    const anonymous = await trigger(scenario.id, {}, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(anonymous.json.error).toBe('unauthorized');
    expect((await trigger(scenario.id, {}, 'weft_wrong_token_000000000000000')).status).toBe(401);

    const stranger = await createWorkspace(h.db.models, 'Stranger');
    const { token } = await createApiToken(h.db.models, stranger._id, 'stranger');
    expect((await trigger(scenario.id, {}, token)).status).toBe(404);
    expect((await trigger('not-an-id', {})).status).toBe(404);
    expect(await h.db.models.Run.countDocuments({ scenarioId: toObjectId(scenario.id) })).toBe(0);
  });

  it('400 for a body that is not JSON', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Bad JSON', draft: manualGraph });
    await h.caller.scenarios.publish({ id: scenario.id });
    const answer = await request(`${h.baseUrl}/trigger/${scenario.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: '{"broken": ',
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('invalid_json');
  });
});

describe('GET /health and /system/info', () => {
  it('health reports the database, the queue and the registry', async () => {
    const answer = await request(`${h.baseUrl}/health`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      status: 'ok',
      checks: { database: { ok: true }, queue: { ok: true } },
      registry: { nodeTypes: NODE_TYPES.length, signatureSchemes: 6 },
    });
  });

  it('system info names the version, the node types and the uptime', async () => {
    const answer = await request(`${h.baseUrl}/system/info`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ name: '@weft/api', version: '0.1.0', uptimeSec: expect.any(Number) });
    expect(answer.json.nodeTypes.map((n: { type: string }) => n.type)).toContain('http.request');
  });

  it('an unknown route is a JSON 404', async () => {
    const answer = await request(`${h.baseUrl}/nope`);
    expect(answer.status).toBe(404);
    expect(answer.json.error).toBe('not_found');
  });
});
