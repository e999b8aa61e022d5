import { describe, expect, it } from 'vitest';
import { buildExecutionPlan } from './execution-plan.js';
import { nextSteps } from './next-steps.js';
import { createRunStates } from './run-states.js';
import { settleSkips } from './settle-skips.js';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';

describe('settleSkips', () => {
  it('skips a branch not taken and everything only it leads to, in one call', () => {
    const plan = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);
    const states = createRunStates(plan, [
      ['hook', { status: 'succeeded' }],
      ['check', { status: 'succeeded', firedHandles: ['true'] }],
    ]);
    expect(settleSkips(plan, states)).toEqual(['no', 'no_log']);
    expect(states.get('no')).toEqual({ status: 'skipped' });
    expect(states.get('join')).toEqual({ status: 'pending' });
    expect(settleSkips(plan, states)).toEqual([]);
    expect(nextSteps(plan, states)).toEqual({ ready: ['yes'], skip: [] });
  });

  it('skips unreachable nodes at the start of a run', () => {
    const plan = buildExecutionPlan(loadGraphFixture('unreachable'), testLookup);
    const states = createRunStates(plan);
    expect(settleSkips(plan, states)).toEqual(['b', 'orphan', 'c']);
    expect(nextSteps(plan, states)).toEqual({ ready: ['hook'], skip: [] });
  });

  it('carries a failure through skipped nodes to a merge that has another active input', () => {
    const plan = buildExecutionPlan(
      makeGraph({
        nodes: [
          ['hook', 'trigger.webhook'],
          ['fails', 'logger'],
          ['after_failure', 'logger'],
          ['fine', 'logger'],
          ['join', 'merge'],
          ['done', 'logger'],
        ],
        edges: [
          'hook->fails',
          'fails->after_failure',
          'after_failure->join',
          'hook->fine',
          'fine->join',
          'join->done',
        ],
      }),
      testLookup,
    );
    const states = createRunStates(plan, [
      ['hook', { status: 'succeeded' }],
      ['fails', { status: 'failed' }],
      ['fine', { status: 'succeeded' }],
    ]);
    expect(settleSkips(plan, states)).toEqual(['after_failure', 'join', 'done']);
  });

  it('does not carry a branch not taken as a failure', () => {
    const plan = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);
    const states = createRunStates(plan, [
      ['hook', { status: 'succeeded' }],
      ['check', { status: 'succeeded', firedHandles: ['false'] }],
      ['no', { status: 'succeeded' }],
      ['no_log', { status: 'succeeded' }],
    ]);
    expect(settleSkips(plan, states)).toEqual(['yes']);
    expect(nextSteps(plan, states)).toEqual({ ready: ['join'], skip: [] });
  });

  it('skips a 4,998-node chain behind a branch not taken in one pass', () => {
    const ids = Array.from({ length: 4_998 }, (_, i) => `n${i}`);
    const plan = buildExecutionPlan(
      makeGraph({
        nodes: [
          ['hook', 'trigger.webhook'],
          ['check', 'condition'],
          ...ids.map((id) => [id, 'logger'] as const),
        ],
        edges: ['hook->check', 'check.false->n0', ...ids.slice(1).map((id, i) => `${ids[i]}->${id}`)],
      }),
      testLookup,
    );
    const states = createRunStates(plan, [
      ['hook', { status: 'succeeded' }],
      ['check', { status: 'succeeded', firedHandles: ['true'] }],
    ]);
    expect(settleSkips(plan, states)).toEqual(ids);
  });
});
