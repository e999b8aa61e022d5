/**
 * Whole runs stepped through the way the runner and dry-run drive them: settle skips, ask for
 * the next steps, run them, record their outcome, again until the run is complete.
 */
import { describe, expect, it } from 'vitest';
import { collectInputs } from './collect-inputs.js';
import { buildExecutionPlan, type ExecutionPlan } from './execution-plan.js';
import { nextSteps } from './next-steps.js';
import { createRunStates, isRunComplete } from './run-states.js';
import { settleSkips } from './settle-skips.js';
import { type GraphFixture, loadGraphFixture } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';
import type { NodeRunState } from './types.js';

/** One run with its states and node outputs, stepped by hand. */
class Run {
  readonly plan: ExecutionPlan;
  readonly states: Map<string, NodeRunState>;
  readonly outputs: Record<string, unknown> = {};

  constructor(fixture: GraphFixture) {
    this.plan = buildExecutionPlan(loadGraphFixture(fixture), testLookup);
    this.states = createRunStates(this.plan);
  }

  /** settleSkips, then nextSteps: what a runner does after every change. */
  step(): { skipped: string[]; ready: string[] } {
    const skipped = settleSkips(this.plan, this.states);
    const { ready, skip } = nextSteps(this.plan, this.states);
    expect(skip).toEqual([]);
    return { skipped, ready };
  }

  succeed(id: string, output: unknown, firedHandles?: string[]): void {
    this.states.set(
      id,
      firedHandles === undefined ? { status: 'succeeded' } : { status: 'succeeded', firedHandles },
    );
    this.outputs[id] = output;
  }

  input(id: string): Record<string, unknown> {
    return collectInputs(this.plan, id, this.outputs, this.states);
  }

  statuses(): Record<string, string> {
    return Object.fromEntries([...this.states].map(([id, s]) => [id, s.status]));
  }
}

describe('a run through if/else and a merge', () => {
  it('takes the true branch: the false branch and what only it leads to are skipped', () => {
    const run = new Run('if-else-merge');
    expect(run.step()).toEqual({ skipped: [], ready: ['hook'] });
    run.states.set('hook', { status: 'running' });
    expect(run.step()).toEqual({ skipped: [], ready: [] });
    run.succeed('hook', { order: 7 });

    expect(run.step()).toEqual({ skipped: [], ready: ['check'] });
    expect(run.input('check')).toEqual({ in: { order: 7 } });
    run.succeed('check', { order: 7 }, ['true']);

    expect(nextSteps(run.plan, run.states)).toEqual({ ready: ['yes'], skip: ['no'] });
    expect(run.step()).toEqual({ skipped: ['no', 'no_log'], ready: ['yes'] });
    run.succeed('yes', 'yes!');

    expect(run.step()).toEqual({ skipped: [], ready: ['join'] });
    expect(run.input('join')).toEqual({ in: ['yes!'] });
    run.succeed('join', ['yes!']);

    expect(run.step()).toEqual({ skipped: [], ready: ['done'] });
    expect(run.input('done')).toEqual({ in: ['yes!'] });
    expect(isRunComplete(run.states)).toBe(false);
    run.succeed('done', null);

    expect(run.step()).toEqual({ skipped: [], ready: [] });
    expect(isRunComplete(run.states)).toBe(true);
    expect(run.statuses()).toEqual({
      hook: 'succeeded',
      check: 'succeeded',
      yes: 'succeeded',
      no: 'skipped',
      no_log: 'skipped',
      join: 'succeeded',
      done: 'succeeded',
    });
  });

  it('takes the false branch: the merge waits for its longer branch and receives only it', () => {
    const run = new Run('if-else-merge');
    run.step();
    run.succeed('hook', 1);
    run.step();
    run.succeed('check', 1, ['false']);
    expect(run.step()).toEqual({ skipped: ['yes'], ready: ['no'] });
    run.succeed('no', 'no');
    expect(run.step()).toEqual({ skipped: [], ready: ['no_log'] });
    run.states.set('no_log', { status: 'running' });
    expect(run.step()).toEqual({ skipped: [], ready: [] });
    run.succeed('no_log', 'logged no');
    expect(run.step()).toEqual({ skipped: [], ready: ['join'] });
    expect(run.input('join')).toEqual({ in: ['logged no'] });
  });

  it('fails in the branch taken: everything downstream is skipped, nothing after it is ready', () => {
    const run = new Run('if-else-merge');
    run.step();
    run.succeed('hook', 1);
    run.step();
    run.succeed('check', 1, ['true']);
    expect(run.step()).toEqual({ skipped: ['no', 'no_log'], ready: ['yes'] });
    run.states.set('yes', { status: 'failed' });
    expect(nextSteps(run.plan, run.states)).toEqual({ ready: [], skip: ['join'] });
    expect(run.step()).toEqual({ skipped: ['join', 'done'], ready: [] });
    expect(isRunComplete(run.states)).toBe(true);
  });
});

describe('a run through parallel branches', () => {
  it('diamond: both branches run, the merge gets both outputs in edge order', () => {
    const run = new Run('diamond-merge');
    run.step();
    run.succeed('hook', 'h');
    expect(run.step()).toEqual({ skipped: [], ready: ['left', 'right'] });
    run.states.set('left', { status: 'running' });
    run.succeed('right', 'R');
    expect(run.step()).toEqual({ skipped: [], ready: [] });
    run.succeed('left', 'L');
    expect(run.step()).toEqual({ skipped: [], ready: ['join'] });
    expect(run.input('join')).toEqual({ in: ['L', 'R'] });
  });

  it('diamond: a failed branch keeps the merge from running although the other succeeded', () => {
    const run = new Run('diamond-merge');
    run.step();
    run.succeed('hook', 'h');
    run.step();
    run.states.set('left', { status: 'failed' });
    run.states.set('right', { status: 'running' });
    expect(run.step()).toEqual({ skipped: [], ready: [] });
    run.succeed('right', 'R');
    expect(run.step()).toEqual({ skipped: ['join', 'done'], ready: [] });
    expect(isRunComplete(run.states)).toBe(true);
  });

  it('wide fan-out: all eight branches are ready at once, then the merge', () => {
    const run = new Run('wide-fan-out');
    run.step();
    run.succeed('hook', 0);
    const branches = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
    expect(run.step()).toEqual({ skipped: [], ready: branches });
    for (const id of [...branches].reverse()) run.succeed(id, id.toUpperCase());
    expect(run.step()).toEqual({ skipped: [], ready: ['join'] });
    expect(run.input('join')).toEqual({ in: branches.map((id) => id.toUpperCase()) });
  });

  it('linear: one node at a time, each with its predecessor’s output', () => {
    const run = new Run('linear');
    const order: string[] = [];
    for (let { ready } = run.step(); ready.length > 0; { ready } = run.step()) {
      for (const id of ready) {
        order.push(id);
        run.succeed(id, `${id} output`);
      }
    }
    expect(order).toEqual(['hook', 'log', 'fetch', 'done']);
    expect(run.input('done')).toEqual({ in: 'fetch output' });
  });
});
