import { describe, expect, it } from 'vitest';
import { collectInputs } from './collect-inputs.js';
import { buildExecutionPlan } from './execution-plan.js';
import { createRunStates } from './run-states.js';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';
import type { NodeTypeLookup } from './types.js';

describe('collectInputs', () => {
  it('gives a single input the output of its source', () => {
    const plan = buildExecutionPlan(loadGraphFixture('linear'), testLookup);
    const states = createRunStates(plan, [['hook', { status: 'succeeded' }]]);
    expect(collectInputs(plan, 'log', { hook: { body: 1 } }, states)).toEqual({ in: { body: 1 } });
  });

  it('gives a multiple input an array in edge order, whatever order the sources finished in', () => {
    const plan = buildExecutionPlan(loadGraphFixture('diamond-merge'), testLookup);
    const states = createRunStates(plan, [
      ['hook', { status: 'succeeded' }],
      ['right', { status: 'succeeded' }],
      ['left', { status: 'succeeded' }],
    ]);
    expect(collectInputs(plan, 'join', { right: 'R', left: 'L', hook: 'H' }, states)).toEqual({
      in: ['L', 'R'],
    });
  });

  it('takes only active edges', () => {
    const plan = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);
    const states = createRunStates(plan, [
      ['check', { status: 'succeeded', firedHandles: ['false'] }],
      ['yes', { status: 'skipped' }],
      ['no', { status: 'succeeded' }],
      ['no_log', { status: 'succeeded' }],
    ]);
    const outputs = { check: 'C', no: 'N', no_log: 'NL' };
    expect(collectInputs(plan, 'join', outputs, states)).toEqual({ in: ['NL'] });
    expect(collectInputs(plan, 'no', outputs, states)).toEqual({ in: 'C' });
    expect(collectInputs(plan, 'yes', outputs, states)).toEqual({});
  });

  it('gives an empty array to a multiple input without an active edge', () => {
    const plan = buildExecutionPlan(loadGraphFixture('diamond-merge'), testLookup);
    expect(collectInputs(plan, 'join', {}, createRunStates(plan))).toEqual({ in: [] });
  });

  it('reads neither node ids nor handle ids from prototypes', () => {
    const lookup: NodeTypeLookup = (type) =>
      type === 'odd'
        ? { ...testLookup('logger')!, inputs: [{ id: '__proto__', label: 'Odd' }] }
        : testLookup(type);
    const plan = buildExecutionPlan(
      makeGraph({
        nodes: [
          ['constructor', 'trigger.webhook'],
          ['odd', 'odd'],
        ],
        edges: ['constructor->odd.__proto__'],
      }),
      lookup,
    );
    const states = createRunStates(plan, [['constructor', { status: 'succeeded' }]]);
    const withoutOutput = collectInputs(plan, 'odd', {}, states);
    expect(Object.getOwnPropertyDescriptor(withoutOutput, '__proto__')?.value).toBeUndefined();
    const withOutput = collectInputs(plan, 'odd', { constructor: 'C' }, states);
    expect(Object.getOwnPropertyDescriptor(withOutput, '__proto__')?.value).toBe('C');
    expect(Object.getPrototypeOf(withOutput)).toBe(Object.prototype);
  });
});
