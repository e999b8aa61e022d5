import { setTimeout as sleep } from 'node:timers/promises';
import { claimRun } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { processRun } from '../src/execution/process-run.js';
import { edge, node, publish, queueRuns, runOf, stepOf } from './fixtures/seed.js';
import { setUpRuns } from './fixtures/run-setup.js';

// A short lease: renewed every 200 ms, gone after 600 ms without a renewal.
const LEASE_MS = 600;
const { ctx, seeded, deps } = await setUpRuns({ name: 'test-expression-lease', leaseMs: LEASE_MS });

/** `$distinct` over 300,000 items: one built-in call that runs for minutes on one thread. */
const ENDLESS = '$count($distinct([1..300000]))';

describe('an expression that runs on', () => {
  it('runs on a worker: the lease is renewed meanwhile, no other runner can take the run, the step fails with expression_timeout', async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        // Each attempt runs out of its 1 s budget: the step takes several leases' time.
        node(
          'spin',
          'transform',
          { expression: ENDLESS },
          { retry: { maxAttempts: 5, initialDelayMs: 0, maxDelayMs: 0 } },
        ),
      ],
      [edge('start', 'spin')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    let settled = false;
    let renewals = 0;
    const keepAlive = async () => {
      renewals++;
    };
    const result = processRun(deps(), runId!, { keepAlive }).finally(() => {
      settled = true;
    });

    // Longer than the lease: without renewals another runner could claim the run now.
    await sleep(LEASE_MS * 3);
    // A stalled thread would have renewed at most once (a timer fires once after a stall).
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(await claimRun(ctx.db.models, runId!, { owner: 'another-runner', leaseMs: 60_000 })).toBeNull();
    const running = await runOf(ctx.db, runId!);
    expect(running).toMatchObject({ status: 'running', leaseOwner: 'test-runner', claims: 1 });
    expect(running.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(settled).toBe(false);

    expect((await result).status).not.toBe('lease_lost');
    const run = await runOf(ctx.db, runId!);
    expect(run.claims).toBe(1);
    expect(stepOf(run, 'spin')).toMatchObject({
      status: 'failed',
      attempts: 5,
      error: { code: 'expression_timeout', retryable: true },
    });
    expect(stepOf(run, 'spin').error?.message).toContain('time limit of 1000 ms');
  });
});
