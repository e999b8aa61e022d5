import { describe, expect, it } from 'vitest';
import { buildExecutionPlan } from './execution-plan.js';
import { nextSteps } from './next-steps.js';
import { createRunStates } from './run-states.js';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';
import type { NodeRunState } from './types.js';

const ifElse = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);

function statesOf(entries: Record<string, NodeRunState['status'] | NodeRunState>): Map<string, NodeRunState> {
  return createRunStates(
    ifElse,
    Object.entries(entries).map(([id, s]) => [id, typeof s === 'string' ? { status: s } : s]),
  );
}

describe('nextSteps', () => {
  it('starts with the trigger', () => {
    expect(nextSteps(ifElse, createRunStates(ifElse))).toEqual({ ready: ['hook'], skip: [] });
  });

  it('treats nodes without an entry as pending', () => {
    expect(nextSteps(ifElse, new Map())).toEqual({ ready: ['hook'], skip: [] });
  });

  it('never reports running or settled nodes', () => {
    expect(nextSteps(ifElse, statesOf({ hook: 'running' }))).toEqual({ ready: [], skip: [] });
    expect(nextSteps(ifElse, statesOf({ hook: 'succeeded', check: 'running' }))).toEqual({
      ready: [],
      skip: [],
    });
  });

  it('readies only the targets of the handles that fired, and skips the others', () => {
    const states = statesOf({ hook: 'succeeded', check: { status: 'succeeded', firedHandles: ['false'] } });
    expect(nextSteps(ifElse, states)).toEqual({ ready: ['no'], skip: ['yes'] });
  });

  it('readies every target when a node does not say which handles fired', () => {
    const states = statesOf({ hook: 'succeeded', check: 'succeeded' });
    expect(nextSteps(ifElse, states)).toEqual({ ready: ['yes', 'no'], skip: [] });
  });

  it('skips every target when a node fired no handle', () => {
    const states = statesOf({ hook: 'succeeded', check: { status: 'succeeded', firedHandles: [] } });
    expect(nextSteps(ifElse, states)).toEqual({ ready: [], skip: ['yes', 'no'] });
  });

  it('waits for every source of a merge, then runs it with the branch taken', () => {
    const taken = {
      hook: 'succeeded',
      check: { status: 'succeeded', firedHandles: ['true'] },
      no: 'skipped',
    } as const;
    expect(nextSteps(ifElse, statesOf({ ...taken, yes: 'running' }))).toEqual({
      ready: [],
      skip: ['no_log'],
    });
    expect(nextSteps(ifElse, statesOf({ ...taken, yes: 'succeeded', no_log: 'skipped' }))).toEqual({
      ready: ['join'],
      skip: [],
    });
  });

  it('skips a merge whose sources were all skipped', () => {
    const states = statesOf({
      hook: 'succeeded',
      check: { status: 'succeeded', firedHandles: [] },
      yes: 'skipped',
      no: 'skipped',
      no_log: 'skipped',
    });
    expect(nextSteps(ifElse, states)).toEqual({ ready: [], skip: ['join'] });
  });

  it('skips the targets of a failed node', () => {
    const states = statesOf({ hook: 'succeeded', check: 'failed' });
    expect(nextSteps(ifElse, states)).toEqual({ ready: [], skip: ['yes', 'no'] });
  });

  it('does not ready a merge downstream of a failure, even with another active input', () => {
    const states = statesOf({
      hook: 'succeeded',
      check: 'succeeded',
      yes: 'succeeded',
      no: 'failed',
      no_log: 'skipped',
    });
    expect(nextSteps(ifElse, states)).toEqual({ ready: [], skip: ['join'] });
  });

  it('skips a node without inputs that is not the trigger', () => {
    const plan = buildExecutionPlan(loadGraphFixture('unreachable'), testLookup);
    expect(nextSteps(plan, createRunStates(plan))).toEqual({ ready: ['hook'], skip: ['b', 'orphan'] });
  });

  it('lets branches independent of a failure go on (halting the run is the runner’s call)', () => {
    const plan = buildExecutionPlan(
      makeGraph({
        nodes: [
          ['hook', 'trigger.webhook'],
          ['left', 'logger'],
          ['right', 'logger'],
          ['after_left', 'logger'],
          ['after_right', 'logger'],
        ],
        edges: ['hook->left', 'hook->right', 'left->after_left', 'right->after_right'],
      }),
      testLookup,
    );
    const states = createRunStates(plan, [
      ['hook', { status: 'succeeded' }],
      ['left', { status: 'failed' }],
      ['right', { status: 'succeeded' }],
    ]);
    expect(nextSteps(plan, states)).toEqual({ ready: ['after_right'], skip: ['after_left'] });
  });
});
