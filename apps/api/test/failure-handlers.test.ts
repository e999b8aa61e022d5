import { createApiToken, createFailureHandlerRun, createWorkspace, newObjectId, toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { finishedRun, manualGraph, publishedManualScenario, rejection } from './fixtures.js';
import { callerFor, createSignedApp, useApi, webhookScenario } from './harness.js';

const h = useApi();

/** Saves `onFailure` on the scenario's draft (the draft itself unchanged). */
async function setOnFailure(id: string, onFailure: string | null) {
  const current = await h.caller.scenarios.get({ id });
  return h.caller.scenarios.updateDraft({ id, revision: current.revision, draft: current.draft, onFailure });
}

describe('scenarios: onFailure', () => {
  it('is saved with the draft, returned, cleared with null, and published into the version', async () => {
    const { scenario: handler } = await publishedManualScenario(h.caller, 'Handler');
    const main = await h.caller.scenarios.create({ name: 'Main', draft: manualGraph });
    expect((await setOnFailure(main.id, handler.id)).onFailure).toBe(handler.id);
    const published = await h.caller.scenarios.publish({ id: main.id });
    expect(published.scenario.onFailure).toBe(handler.id);
    const version = await h.db.models.ScenarioVersion.findById(published.version.id).lean().exec();
    expect(version?.onFailure?.toHexString()).toBe(handler.id);
    expect((await setOnFailure(main.id, null)).onFailure).toBeNull();
  });

  it('refuses an unknown scenario, another workspace’s, itself and a non-manual handler, naming the field and changing nothing', async () => {
    const main = await h.caller.scenarios.create({ name: 'Main', draft: manualGraph });
    const other = await createWorkspace(h.db.models, 'Other');
    const otherCaller = callerFor(h.deps, (await createApiToken(h.db.models, other._id, 'other')).token);
    const { scenario: foreign } = await publishedManualScenario(otherCaller, 'Theirs');
    const app = await createSignedApp(h, { scheme: 'generic' });
    const webhookHandler = await webhookScenario(h, app.id);
    const unknown = newObjectId().toHexString();

    const cases: [string, string][] = [
      [unknown, `onFailure: no scenario with the id "${unknown}" in this workspace`],
      [foreign.id, `onFailure: no scenario with the id "${foreign.id}" in this workspace`],
      [main.id, 'onFailure: a scenario cannot be its own failure handler'],
      [
        webhookHandler,
        `onFailure: failure handler "On ${app.id}" is started by a webhook trigger; a failure handler needs a manual trigger`,
      ],
    ];
    for (const [id, message] of cases) {
      const error = await rejection(setOnFailure(main.id, id));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toBe(message);
    }
    const after = await h.caller.scenarios.get({ id: main.id });
    expect(after).toMatchObject({ revision: main.revision, onFailure: null });
  });

  it('publish refuses a handler that was never published or was deleted since', async () => {
    const handler = await h.caller.scenarios.create({ name: 'Unpublished handler', draft: manualGraph });
    const main = await h.caller.scenarios.create({ name: 'Main', draft: manualGraph });
    await setOnFailure(main.id, handler.id);
    const refused = await rejection(h.caller.scenarios.publish({ id: main.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toBe(
      'onFailure: scenario "Main" cannot be published: failure handler "Unpublished handler" has never been published; publish it first',
    );
    expect((await h.caller.scenarios.get({ id: main.id })).version).toBe(0);

    await h.caller.scenarios.publish({ id: handler.id });
    await h.caller.scenarios.publish({ id: main.id });
    await h.caller.scenarios.delete({ id: handler.id });
    const afterDelete = await rejection(h.caller.scenarios.publish({ id: main.id }));
    expect(afterDelete.message).toBe(
      `onFailure: scenario "Main" cannot be published: no scenario with the id "${handler.id}" in this workspace`,
    );
  });
});

describe('runs: failure handler links', () => {
  it('a failed run and its handler run link to each other', async () => {
    const { scenario: handler } = await publishedManualScenario(h.caller, 'Handler');
    const { scenario: main } = await publishedManualScenario(h.caller, 'Main');
    const failedId = await finishedRun(h, main);
    const handlerRunId = newObjectId();
    // What the runner's final write records for a run whose version names a handler.
    await h.db.models.Run.collection.updateOne(
      { _id: toObjectId(failedId) },
      {
        $set: {
          failureHandler: {
            scenarioId: toObjectId(handler.id),
            runId: handlerRunId,
            pending: true,
            error: null,
          },
        },
      },
    );
    const pending = await h.caller.runs.get({ id: failedId });
    expect(pending.failureHandler).toEqual({
      scenarioId: handler.id,
      runId: null,
      pending: true,
      error: null,
    });

    expect(await createFailureHandlerRun(h.db.models, toObjectId(failedId))).toMatchObject({
      status: 'created',
    });
    const failed = await h.caller.runs.get({ id: failedId });
    expect(failed.failureHandler).toEqual({
      scenarioId: handler.id,
      runId: handlerRunId.toHexString(),
      pending: false,
      error: null,
    });
    const handlerRun = await h.caller.runs.get({ id: handlerRunId.toHexString() });
    expect(handlerRun).toMatchObject({
      scenarioId: handler.id,
      status: 'queued',
      trigger: { kind: 'failure', failureOf: failedId, deliveryId: null, replayOf: null },
      failureHandler: null,
      input: {
        run: { id: failedId, status: 'failed' },
        failedStep: { nodeId: 'double' },
        error: { code: 'expression_error' },
      },
    });
    const listed = await h.caller.runs.list({ scenarioId: handler.id });
    expect(listed.items.map((run) => [run.id, run.trigger.kind])).toEqual([
      [handlerRunId.toHexString(), 'failure'],
    ]);
  });
});

describe('scenarios.setOnFailure', () => {
  it('sets and clears the handler alone, keeping the draft revision, with the same checks', async () => {
    const { scenario: handler } = await publishedManualScenario(h.caller, 'Handler');
    const main = await h.caller.scenarios.create({ name: 'Main', draft: manualGraph });
    const set = await h.caller.scenarios.setOnFailure({ id: main.id, onFailure: handler.id });
    expect(set).toMatchObject({ onFailure: handler.id, revision: main.revision });
    const refused = await rejection(h.caller.scenarios.setOnFailure({ id: main.id, onFailure: main.id }));
    expect(refused.message).toBe('onFailure: a scenario cannot be its own failure handler');
    expect((await h.caller.scenarios.get({ id: main.id })).onFailure).toBe(handler.id);
    expect((await h.caller.scenarios.setOnFailure({ id: main.id, onFailure: null })).onFailure).toBeNull();
    const typo = await rejection(
      h.caller.scenarios.setOnFailure({ id: main.id, onFailure: 'nope' } as never),
    );
    expect(typo.code).toBe('BAD_REQUEST');
    expect(typo.message).toContain('onFailure');
  });
});
