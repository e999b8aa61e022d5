import { randomBytes } from 'node:crypto';
import { createConnection, listRunLogs, scheduleRun } from '@weft/db';
import type { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/execution/http-client.js';
import { parseAllowList } from '@weft/core/net';
import { OutboundLimiter } from '../src/execution/outbound-limiter.js';
import { startWorker } from '../src/worker.js';
import { edge, eventually, keyring, node, publish, queueRuns, runOf, stepOf } from './fixtures/seed.js';
import { setUpRuns, useSink } from './fixtures/run-setup.js';

const sink = await useSink();
const { ctx, queue, seeded, workers, logger, connectAgain } = await setUpRuns({
  name: 'limit-test-enqueuer',
});
const other = await connectAgain();

async function limitedConnection(rateLimitPerSec: number | null): Promise<Types.ObjectId> {
  const connection = await createConnection(ctx.db.models, keyring, seeded.workspaceId, {
    appId: seeded.appId.toHexString(),
    name: `limited ${randomBytes(3).toString('hex')}`,
    secrets: { signingSecret: seeded.signingSecret, token: 'sekret-token' },
    rateLimitPerSec,
  });
  return connection._id;
}

/** A slot the limiter handed out (null: no limit), and when the request was let go. */
interface Decision {
  readonly connectionId: string;
  readonly slot: number | null;
  readonly releasedAt: number;
}
const decisions: Decision[] = [];

/** The runner's own limiter, recording each decision: the test asserts what it decided, not how fast the machine is. */
class RecordingLimiter extends OutboundLimiter {
  override async acquire(...args: Parameters<OutboundLimiter['acquire']>): Promise<number | null> {
    const slot = await super.acquire(...args);
    decisions.push({ connectionId: args[0], slot, releasedAt: Date.now() });
    return slot;
  }
}

const decisionsFor = (connectionId: Types.ObjectId) =>
  decisions.filter((d) => d.connectionId === connectionId.toHexString());

/** Two runners: separate connection pools and queues over the same database. */
async function startRunners(maxInlineWaitMs: number) {
  const http = createHttpClient({ allowList: parseAllowList('127.0.0.1') });
  for (const [i, db] of [ctx.db, other].entries()) {
    const outbound = new RecordingLimiter(db.models, { horizonMs: maxInlineWaitMs });
    workers.push(
      await startWorker(
        { db, keyring, http, logger, outbound, owner: `limited-runner-${i}`, engine: { maxInlineWaitMs } },
        { concurrency: 8, processEveryMs: 100, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
      ),
    );
  }
}

/** The most times in any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('outbound rate limits', () => {
  it('a connection without a limit is not held back', async () => {
    const connection = await limitedConnection(null);
    const connectionId = connection.toHexString();
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        node('call', 'http.request', { url: `${sink.url}/free`, connectionId }),
      ],
      [edge('start', 'call')],
    );
    const runIds = await queueRuns(ctx.db, version, 12);
    await startRunners(1_000);
    for (const runId of runIds) await scheduleRun(queue, runId);
    const runs = await eventually(async () => {
      const all = await Promise.all(runIds.map((id) => runOf(ctx.db, id)));
      return all.every((r) => r.status === 'succeeded') ? all : null;
    }, 30_000);
    expect(sink.count('/free')).toBe(12);
    // No slot was given out or even looked for: every request went as soon as it was made.
    expect(decisionsFor(connection).map((d) => d.slot)).toEqual(Array(12).fill(null));
    expect(await ctx.db.models.OutboundLimit.countDocuments({ _id: connectionId })).toBe(0);
    for (const run of runs) expect(run.claims).toBe(1);
  });

  it('two runners hold http.request and webhook.send of a connection to 5/s together; every run completes without spending attempts', async () => {
    const connection = await limitedConnection(5);
    const connectionId = connection.toHexString();
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        node(
          'call',
          'http.request',
          { url: `${sink.url}/limited/call`, connectionId, auth: { kind: 'bearer' } },
          { retry: { maxAttempts: 1 } },
        ),
        node(
          'notify',
          'webhook.send',
          { url: `${sink.url}/limited/hook`, connectionId, eventType: 'limited', payload: { n: 1 } },
          { retry: { maxAttempts: 1 } },
        ),
      ],
      [edge('start', 'call'), edge('call', 'notify')],
    );
    const runIds = await queueRuns(ctx.db, version, 12);
    // The runners of the test above: slots further than 1 s away suspend the run (durably).
    for (const runId of runIds) await scheduleRun(queue, runId);

    const runs = await eventually(
      async () => {
        const all = await Promise.all(runIds.map((id) => runOf(ctx.db, id)));
        return all.every((r) => r.status === 'succeeded') ? all : null;
      },
      30_000,
      async () =>
        JSON.stringify((await Promise.all(runIds.map((id) => runOf(ctx.db, id)))).map((r) => r.status)),
    );

    const arrivals = sink.requests.filter((r) => r.path.startsWith('/limited/')).map((r) => r.at);
    expect(arrivals).toHaveLength(24);
    // What the two runners' limiters decided together: one slot per request, never more than 5
    // in any second (slots are a window plus a 25 ms margin apart), so 24 span at least 4 s.
    const slots = decisionsFor(connection).map((d) => d.slot!);
    expect(slots).toHaveLength(24);
    expect(busiestWindow(slots, 1_000)).toBeLessThanOrEqual(5);
    const sortedSlots = [...slots].sort((a, b) => a - b);
    expect(sortedSlots.at(-1)! - sortedSlots[0]!).toBeGreaterThanOrEqual(4_000);
    // No request went before its slot (a busy machine only makes them later): neither as let go
    // by the limiter nor as seen by the sink, the k-th arrival never precedes the k-th slot.
    // 2 ms allow for timers measured on a monotonic clock and slots on the wall clock.
    for (const d of decisionsFor(connection)) expect(d.releasedAt).toBeGreaterThanOrEqual(d.slot! - 2);
    const sortedArrivals = [...arrivals].sort((a, b) => a - b);
    for (const [k, at] of sortedArrivals.entries()) expect(at).toBeGreaterThanOrEqual(sortedSlots[k]! - 2);
    for (const run of runs) {
      // maxAttempts 1 and no failure: waiting for a slot is not an attempt.
      expect(stepOf(run, 'call')).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(stepOf(run, 'notify')).toMatchObject({ status: 'succeeded', attempts: 1 });
    }
    // Some runs were suspended for their slot and resumed by a job later.
    const suspended = runs.filter((r) => r.claims > 1);
    expect(suspended.length).toBeGreaterThan(0);
    const logs = await listRunLogs(ctx.db.models, {
      workspaceId: seeded.workspaceId,
      runId: suspended[0]!._id,
      limit: 100,
    });
    expect(logs.map((l) => l.message).join('\n')).toMatch(
      new RegExp(`waiting: connection ${connectionId} is at its outbound limit of 5 requests per second`),
    );
  });
});
