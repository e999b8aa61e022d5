import { describe, expect, it } from 'vitest';
import {
  archiveScenario,
  claimScheduleTick,
  createScenario,
  findScheduledScenarios,
  findUndispatchedTicks,
  markScheduleTickDispatched,
  newObjectId,
  publishScenario,
  recordScheduledTick,
  saveDraft,
  setScenarioEnabled,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();

function scheduleGraph(cron: string, timezone = 'UTC', message = 'tick') {
  return {
    nodes: [
      { id: 'cron', type: 'trigger.schedule', version: 1, config: { cron, timezone } },
      { id: 'log', type: 'logger', version: 1, config: { message } },
    ],
    edges: [{ id: 'e1', source: 'cron', target: 'log' }],
  };
}

async function scheduled(cron: string, timezone = 'UTC') {
  const scenario = await createScenario(ctx.db.models, workspaceId, {
    name: 'Nightly',
    draft: scheduleGraph(cron, timezone),
  });
  return String(scenario._id);
}

const stored = (id: string) => ctx.db.models.Scenario.findById(id).lean().exec();

describe('schedules', () => {
  it('lists enabled, published, live schedule scenarios only', async () => {
    const live = await scheduled('0 9 * * *');
    const unpublished = await scheduled('0 9 * * *');
    const disabled = await scheduled('0 9 * * *');
    const archived = await scheduled('0 9 * * *');
    for (const id of [live, disabled, archived]) await publishScenario(ctx.db.models, workspaceId, id);
    for (const id of [live, unpublished, archived])
      await setScenarioEnabled(ctx.db.models, workspaceId, id, true);
    await archiveScenario(ctx.db.models, workspaceId, archived);

    const found = (await findScheduledScenarios(ctx.db.models)).map((s) => String(s._id));
    expect(found).toContain(live);
    expect(found).not.toContain(unpublished);
    expect(found).not.toContain(disabled);
    expect(found).not.toContain(archived);
  });

  it('enabling a disabled scenario and publishing a changed schedule move scheduleSince; the rest does not', async () => {
    const id = await scheduled('0 9 * * *');
    const t = (minutes: number) => new Date(Date.UTC(2030, 0, 1, 0, minutes));
    await publishScenario(ctx.db.models, workspaceId, id, { now: t(1) });
    expect((await stored(id))?.scheduleSince).toEqual(t(1));

    await setScenarioEnabled(ctx.db.models, workspaceId, id, true, t(2));
    expect((await stored(id))?.scheduleSince).toEqual(t(2));
    // Enabling again changes nothing: it was on.
    await setScenarioEnabled(ctx.db.models, workspaceId, id, true, t(3));
    expect((await stored(id))?.scheduleSince).toEqual(t(2));

    // Same cron, another node config: a republish keeps the schedule's history.
    const saved = await saveDraft(ctx.db.models, workspaceId, id, {
      revision: 0,
      draft: scheduleGraph('0 9 * * *', 'UTC', 'other message'),
    });
    expect(saved.ok).toBe(true);
    await publishScenario(ctx.db.models, workspaceId, id, { now: t(4) });
    expect((await stored(id))?.scheduleSince).toEqual(t(2));

    await saveDraft(ctx.db.models, workspaceId, id, {
      revision: 1,
      draft: scheduleGraph('0 9 * * *', 'Europe/Berlin'),
    });
    await publishScenario(ctx.db.models, workspaceId, id, { now: t(5) });
    expect((await stored(id))?.scheduleSince).toEqual(t(5));

    await setScenarioEnabled(ctx.db.models, workspaceId, id, false, t(6));
    await setScenarioEnabled(ctx.db.models, workspaceId, id, true, t(7));
    expect((await stored(id))?.scheduleSince).toEqual(t(7));
  });

  it('one claim per (scenario, tick) among 20 concurrent claimers; lastScheduledAt only moves forward', async () => {
    const scenarioId = newObjectId();
    const tickAt = new Date(Date.UTC(2030, 0, 1, 9));
    const claims = await Promise.all(
      Array.from({ length: 20 }, () =>
        claimScheduleTick(ctx.db.models, {
          workspaceId,
          scenarioId,
          scenarioVersionId: newObjectId(),
          tickAt,
          firedAt: new Date(),
        }),
      ),
    );
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    const other = await claimScheduleTick(ctx.db.models, {
      workspaceId,
      scenarioId,
      scenarioVersionId: newObjectId(),
      tickAt: new Date(tickAt.getTime() + 60_000),
      firedAt: new Date(),
    });
    expect(other.claimed).toBe(true);

    const id = await scheduled('0 9 * * *');
    const scenario = await stored(id);
    await recordScheduledTick(ctx.db.models, scenario!._id, new Date(Date.UTC(2030, 0, 2)));
    await recordScheduledTick(ctx.db.models, scenario!._id, new Date(Date.UTC(2030, 0, 1)));
    expect((await stored(id))?.lastScheduledAt).toEqual(new Date(Date.UTC(2030, 0, 2)));
  });

  it('finds ticks whose run was never confirmed, until they are marked dispatched', async () => {
    const scenarioId = newObjectId();
    const firedAt = new Date(Date.now() - 120_000);
    const claim = await claimScheduleTick(ctx.db.models, {
      workspaceId,
      scenarioId,
      scenarioVersionId: newObjectId(),
      tickAt: new Date(Date.UTC(2030, 0, 1, 9)),
      firedAt,
    });
    if (!claim.claimed) throw new Error('expected a claim');
    const pending = await findUndispatchedTicks(ctx.db.models, new Date(Date.now() - 60_000));
    expect(pending.map((t) => String(t._id))).toContain(String(claim.tick._id));
    await markScheduleTickDispatched(ctx.db.models, claim.tick._id);
    const after = await findUndispatchedTicks(ctx.db.models, new Date(Date.now() - 60_000));
    expect(after.map((t) => String(t._id))).not.toContain(String(claim.tick._id));
  });
});
