import { signResumeToken } from '@weft/core/secrets';
import {
  claimRun,
  createApiToken,
  createRuns,
  createWorkspace,
  findScenarioVersion,
  newObjectId,
  openRunWait,
  releaseRun,
  requestCancel,
  type RunDoc,
  toObjectId,
} from '@weft/db';
import { describe, expect, it } from 'vitest';
import { rejection } from './fixtures.js';
import { callerFor, jobsFor, request, useApi } from './harness.js';

const h = useApi();
const HOUR = 3_600_000;

const approvalGraph = {
  nodes: [
    { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
    {
      id: 'approve',
      type: 'wait.approval',
      version: 1,
      config: { message: 'Approve order {{ trigger.id }}?', timeoutMs: 24 * HOUR },
      position: { x: 200, y: 0 },
    },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'approve' }],
};

/** A run suspended in its approval step, as a runner leaves it. */
async function waitingRun(message = 'Approve order <b>o-1</b>?') {
  const scenario = await h.caller.scenarios.create({
    name: `Approvals ${newObjectId().toHexString()}`,
    draft: approvalGraph,
  });
  const { scenario: published } = await h.caller.scenarios.publish({ id: scenario.id });
  const version = (await findScenarioVersion(h.db.models, toObjectId(published.publishedVersionId!)))!;
  const runId = newObjectId();
  await createRuns(h.db.models, [
    {
      _id: runId,
      workspaceId: version.workspaceId,
      scenarioId: version.scenarioId,
      scenarioVersionId: version._id,
      version: version.version,
      trigger: { kind: 'manual' },
      correlationId: `corr-${runId.toHexString()}`,
      input: { id: 'o-1' },
      nodes: version.nodes,
    },
  ]);
  const run = (await claimRun(h.db.models, runId, { owner: 'fixture', leaseMs: 60_000 }))!;
  const expiresAt = new Date(Date.now() + HOUR);
  await openRunWait(h.db.models, { run, nodeId: 'approve', kind: 'approval', expiresAt, message });
  await releaseRun(h.db.models, runId, 'fixture', { status: 'waiting', resumeAt: expiresAt });
  return { runId: runId.toHexString(), expiresAt };
}

const runDoc = async (runId: string) => (await h.db.models.Run.findById(runId).lean<RunDoc>())!;

describe('runs.resume', () => {
  it('decides the approval, wakes the run now, and refuses a second resume naming the first', async () => {
    const { runId } = await waitingRun();
    const before = await h.caller.runs.get({ id: runId });
    expect(before.waits).toEqual([
      expect.objectContaining({
        nodeId: 'approve',
        itemIndex: null,
        kind: 'approval',
        message: 'Approve order <b>o-1</b>?',
        resolution: null,
        resumePath: expect.stringMatching(/^\/resume\/[\w-]+\.[\w-]+$/),
      }),
    ]);

    const decided = await h.caller.runs.resume({
      runId,
      nodeId: 'approve',
      decision: 'approved',
      data: { note: 'fine' },
    });
    expect(decided).toMatchObject({
      resolution: { decision: 'approved', by: 'test', data: { note: 'fine' }, timedOut: false },
      resumePath: null,
    });
    expect((await runDoc(runId)).resumeAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await jobsFor(h, [runId])).toHaveLength(1);

    const again = await rejection(h.caller.runs.resume({ runId, nodeId: 'approve', decision: 'rejected' }));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toMatch(
      /^the wait at node "approve" cannot be resumed again: it was already approved by test at /,
    );
    expect((await h.caller.runs.get({ id: runId })).waits[0]?.resolution?.decision).toBe('approved');
  });

  it('refuses bad input naming the field, an unknown node, another workspace and a finished run', async () => {
    const { runId } = await waitingRun();
    const bad = await rejection(
      h.caller.runs.resume({ runId, nodeId: 'approve', decision: 'maybe' as 'approved' }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toBe('invalid input: decision: decision must be "approved" or "rejected"');
    const badId = await rejection(
      h.caller.runs.resume({ runId: 'nope', nodeId: 'approve', decision: 'approved' }),
    );
    expect(badId.message).toContain('runId');

    const missing = await rejection(h.caller.runs.resume({ runId, nodeId: 'other', decision: 'approved' }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain(`run ${runId} has no wait at node "other"`);

    const stranger = await createWorkspace(h.db.models, 'Stranger');
    const strangerToken = (await createApiToken(h.db.models, stranger._id, 'stranger')).token;
    const foreign = await rejection(
      callerFor(h.deps, strangerToken).runs.resume({ runId, nodeId: 'approve', decision: 'approved' }),
    );
    expect(foreign.code).toBe('NOT_FOUND');

    await requestCancel(h.db.models, h.workspaceId, toObjectId(runId), new Date());
    const finished = await rejection(
      h.caller.runs.resume({ runId, nodeId: 'approve', decision: 'approved' }),
    );
    expect(finished.code).toBe('CONFLICT');
    expect(finished.message).toBe(
      `run ${runId} has already finished (cancelled); there is nothing to resume`,
    );
    expect((await h.caller.runs.get({ id: runId })).waits[0]?.resolution).toBeNull();
  });
});

describe('resume links', () => {
  it('GET shows the question with Approve / Reject and decides nothing; of two racing POSTs exactly one wins', async () => {
    const { runId } = await waitingRun();
    const path = (await h.caller.runs.get({ id: runId })).waits[0]!.resumePath!;
    const shown = await request(`${h.baseUrl}${path}`);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Approve order &lt;b&gt;o-1&lt;/b&gt;?');
    expect(shown.text).toContain('<button name="decision" value="approved">Approve</button>');
    expect(shown.text).toContain('<button name="decision" value="rejected">Reject</button>');
    expect((await h.caller.runs.get({ id: runId })).waits[0]?.resolution).toBeNull();

    const post = (decision: string) =>
      request(`${h.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision, data: { from: decision } }),
      });
    const answers = await Promise.all([
      post('approved'),
      post('rejected'),
      post('approved'),
      post('rejected'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 200)!.json;
    expect(winner).toMatchObject({ runId, nodeId: 'approve', by: 'resume link', timedOut: false });
    for (const lost of answers.filter((a) => a.status === 409)) {
      expect(lost.json).toMatchObject({ error: 'already_resolved' });
      expect(lost.json.message).toContain(`it was already ${winner.decision} by resume link at`);
    }
    const view = (await h.caller.runs.get({ id: runId })).waits[0]!;
    expect(view.resolution).toEqual({
      decision: winner.decision,
      by: 'resume link',
      data: { from: winner.decision },
      timedOut: false,
    });
    expect(view.resumePath).toBeNull();
    expect((await request(`${h.baseUrl}${path}`)).text).toContain(
      `It was ${winner.decision} by resume link at`,
    );
  });

  it('a browser form decides with its comment and gets a page back', async () => {
    const { runId } = await waitingRun();
    const path = (await h.caller.runs.get({ id: runId })).waits[0]!.resumePath!;
    const answer = await request(`${h.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'comment=over+budget&decision=rejected',
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Recorded: rejected.');
    expect((await h.caller.runs.get({ id: runId })).waits[0]?.resolution).toEqual({
      decision: 'rejected',
      by: 'resume link',
      data: { comment: 'over budget' },
      timedOut: false,
    });
  });

  it('refuses a forged, an expired and a garbled link, and a missing decision, saying which', async () => {
    const { runId, expiresAt } = await waitingRun();
    const path = (await h.caller.runs.get({ id: runId })).waits[0]!.resumePath!;
    const post = (p: string, body: unknown) =>
      request(`${h.baseUrl}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const [payload, signature] = path.slice('/resume/'.length).split('.') as [string, string];
    const forged = `/resume/${payload}.${signature.slice(0, -2)}AA`;
    expect(await post(forged, { decision: 'approved' })).toMatchObject({
      status: 401,
      json: { error: 'bad_signature' },
    });
    const expired = signResumeToken(h.deps.keyring, {
      runId,
      nodeId: 'approve',
      expiresAt: new Date(Date.now() - 1_000),
    });
    const old = await post(`/resume/${expired}`, { decision: 'approved' });
    expect(old).toMatchObject({ status: 410, json: { error: 'expired' } });
    expect(old.json.message).toMatch(/^the resume link expired at /);
    expect((await request(`${h.baseUrl}/resume/garbage`)).status).toBe(401);
    const noDecision = await post(path, { data: 1 });
    expect(noDecision).toMatchObject({
      status: 400,
      json: {
        error: 'invalid_input',
        field: 'decision',
        message: 'decision must be "approved" or "rejected"',
      },
    });
    const otherNode = signResumeToken(h.deps.keyring, { runId, nodeId: 'elsewhere', expiresAt });
    expect(await post(`/resume/${otherNode}`, { decision: 'approved' })).toMatchObject({
      status: 404,
      json: { error: 'not_found' },
    });
    expect((await h.caller.runs.get({ id: runId })).waits[0]?.resolution).toBeNull();
  });
});
