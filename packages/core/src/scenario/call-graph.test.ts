import { describe, expect, it } from 'vitest';
import type { GraphShape } from '../graph/types.js';
import { type CallTarget, callProblems, staticCalls } from './call-graph.js';
import { childRunOutput } from './call-output.js';

const id = (c: string) => c.repeat(24);
const A = id('a');
const B = id('b');
const C = id('c');

function callGraph(...targets: string[]): GraphShape {
  return {
    nodes: [
      { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
      ...targets.map((scenarioId, i) => ({
        id: `call${i}`,
        type: 'scenario.call',
        version: 1,
        config: { scenarioId },
        position: { x: 0, y: 0 },
      })),
    ],
    edges: targets.map((_, i) => ({
      id: `e${i}`,
      source: 'start',
      sourceHandle: 'out',
      target: `call${i}`,
      targetHandle: 'in',
    })),
  };
}

const target = (name: string, calls: string[] = [], published = true): CallTarget => ({
  name,
  published,
  calls,
});

describe('callProblems', () => {
  it('accepts calls of published scenarios and ignores expression targets', () => {
    const targets = new Map([
      [B, target('B', [C])],
      [C, target('C')],
    ]);
    expect(callProblems({ id: A, name: 'A' }, callGraph(B, '{{ trigger.target }}'), targets)).toEqual([]);
    expect(staticCalls(callGraph(B, '{{ trigger.target }}'))).toEqual([{ nodeId: 'call0', scenarioId: B }]);
  });

  it('names a missing and an unpublished target on the scenarioId field', () => {
    const problems = callProblems(
      { id: A, name: 'A' },
      callGraph(B, C),
      new Map([[C, target('Sync customer', [], false)]]),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'invalid_config',
        nodeId: 'call0',
        path: ['scenarioId'],
        message: expect.stringContaining(`no scenario with the id "${B}"`),
      }),
      expect.objectContaining({
        code: 'invalid_config',
        nodeId: 'call1',
        message: expect.stringContaining('scenario "Sync customer" is not published'),
      }),
    ]);
  });

  it('refuses a call of the scenario itself and a cycle through published versions, naming the chain', () => {
    expect(callProblems({ id: A, name: 'A' }, callGraph(A), new Map())[0]).toMatchObject({
      code: 'call_cycle',
      nodeId: 'call0',
    });
    const targets = new Map([
      [B, target('B', [C])],
      [C, target('C', [A])],
    ]);
    const [problem] = callProblems({ id: A, name: 'A' }, callGraph(B), targets);
    expect(problem).toMatchObject({ code: 'call_cycle', nodeId: 'call0' });
    expect(problem?.message).toContain('would recurse: "A" → "B" → "C" → "A"');
  });

  it('refuses a chain longer than the limit, not one at the limit', () => {
    // A → s1 → s2 → … → s5: five calls.
    const ids = ['1', '2', '3', '4', '5'].map(id);
    const targets = new Map(ids.map((sid, i) => [sid, target(`s${i + 1}`, ids[i + 1] ? [ids[i + 1]!] : [])]));
    expect(callProblems({ id: A, name: 'A' }, callGraph(ids[0]!), targets, 5)).toEqual([]);
    const [problem] = callProblems({ id: A, name: 'A' }, callGraph(ids[0]!), targets, 4);
    expect(problem).toMatchObject({ code: 'call_depth' });
    expect(problem?.message).toContain('a chain of 5 calls');
    expect(problem?.message).toContain('the limit is 4');
  });
});

describe('childRunOutput', () => {
  it('is the outputs of the succeeded final steps by node id', () => {
    const graph: GraphShape = {
      nodes: ['start', 'check', 'yes', 'no'].map((n) => ({
        id: n,
        type: 'transform',
        version: 1,
        config: {},
        position: { x: 0, y: 0 },
      })),
      edges: [
        { id: 'e1', source: 'start', sourceHandle: 'out', target: 'check', targetHandle: 'in' },
        { id: 'e2', source: 'check', sourceHandle: 'true', target: 'yes', targetHandle: 'in' },
        { id: 'e3', source: 'check', sourceHandle: 'false', target: 'no', targetHandle: 'in' },
      ],
    };
    const step = (nodeId: string, status: 'succeeded' | 'skipped', output?: unknown) => ({
      nodeId,
      nodeType: 'transform',
      status,
      attempts: 1,
      firedHandles: null,
      output,
      outputTruncated: false,
      error: null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      resumeAt: null,
    });
    expect(
      childRunOutput(graph, [
        step('start', 'succeeded', 1),
        step('check', 'succeeded', 2),
        step('yes', 'succeeded', { ok: true }),
        step('no', 'skipped'),
      ]),
    ).toEqual({
      yes: { ok: true },
    });
  });
});
