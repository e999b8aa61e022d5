import type { GraphProblem } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { indexProblems, missingOutputs, problemSummary, problemsOfNode, sameProblems, shortMessage } from './problems';

const problems: GraphProblem[] = [
  { code: 'no_trigger', message: 'The scenario has no trigger.' },
  { code: 'dangling_edge', edgeId: 'e1', message: 'Edge "e1" points to a missing node.' },
  {
    code: 'invalid_config',
    nodeId: 'log',
    path: ['message'],
    message: 'Node "log" (logger) field "message": Invalid input: expected string, received undefined',
  },
  { code: 'cycle', nodeId: 'a', cycle: ['a', 'b'], message: 'Cycle a → b → a' },
];

describe('problems', () => {
  it('indexes problems by node, edge and cycle members', () => {
    const index = indexProblems(problems);
    expect(index.general.map((p) => p.code)).toEqual(['no_trigger']);
    expect(index.byEdge.get('e1')).toHaveLength(1);
    expect(problemsOfNode(index, 'log')).toHaveLength(1);
    expect(problemsOfNode(index, 'a')).toHaveLength(1);
    expect(problemsOfNode(index, 'b')).toHaveLength(1);
    expect(problemsOfNode(index, 'zzz')).toEqual([]);
  });

  it('summarises for a badge', () => {
    expect(problemSummary([])).toBeNull();
    expect(problemSummary([problems[2]!])).toBe('message is required');
    expect(problemSummary(problems)).toBe('4 problems');
    expect(shortMessage(problems[0]!)).toBe('The scenario has no trigger.');
  });

  it('compares problem lists by content', () => {
    expect(sameProblems(problems, [...problems])).toBe(true);
    expect(sameProblems(problems, problems.slice(1))).toBe(false);
  });
});

describe('missingOutputs', () => {
  it('names the outputs that edges with unknown_source_handle problems leave from, once each', () => {
    const found: GraphProblem[] = [
      { code: 'unknown_source_handle', nodeId: 'route', edgeId: 'a', message: '' },
      { code: 'unknown_source_handle', nodeId: 'route', edgeId: 'b', message: '' },
      { code: 'unreachable_node', nodeId: 'route', message: '' },
    ];
    const edges = [
      { id: 'a', sourceHandle: 'case_2' },
      { id: 'b', sourceHandle: 'case_2' },
      { id: 'c', sourceHandle: 'case_1' },
    ];
    expect(missingOutputs(found, edges)).toEqual(['case_2']);
  });
});
