import { describe, expect, it } from 'vitest';
import { edge, node } from '../../engine/loop-test-host.js';
import { registryLookup } from '../../nodes/lookup.js';
import { validateGraph } from '../validate-graph.js';

const base = [
  node('start', 'trigger.manual', {}),
  node('before', 'transform', { expression: '1' }),
  node('loop', 'loop.forEach', { items: '{{ trigger.items }}' }),
  node('inner', 'transform', { expression: 'item' }, { parentId: 'loop' }),
  node('after', 'transform', { expression: 'input' }),
];
const baseEdges = [
  edge('start', 'before'),
  edge('before', 'loop'),
  edge('loop', 'inner', 'body'),
  edge('loop', 'after', 'done'),
];
const problemsOf = (nodes = base, edges = baseEdges) =>
  validateGraph({ nodes, edges }, registryLookup).map((p) => `${p.code} ${p.message}`);

describe('loop scopes', () => {
  it('accepts a loop whose body starts at its body handle and hands on through done', () => {
    expect(problemsOf()).toEqual([]);
  });

  it('refuses edges that cross the body boundary, naming both ends', () => {
    const problems = problemsOf(base, [
      ...baseEdges,
      edge('inner', 'after'),
      { ...edge('before', 'inner'), targetHandle: 'in' },
      edge('loop', 'before', 'body'),
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'edge_crosses_loop_body Edge "inner-out-after" goes from "inner" (inside loop "loop") to "after" (outside any loop)',
        ),
        expect.stringContaining(
          'edge_crosses_loop_body Edge "before-out-inner" goes from "before" (outside any loop) to "inner" (inside loop "loop")',
        ),
        expect.stringContaining(
          'edge_crosses_loop_body Edge "loop-body-before" leaves the "body" handle of loop "loop" for "before"',
        ),
      ]),
    );
  });

  it('refuses a parent that is not a loop, nested loops and triggers in a body', () => {
    const problems = problemsOf(
      [
        ...base,
        node('odd', 'transform', { expression: '1' }, { parentId: 'before' }),
        node('inner2', 'loop.forEach', { items: '{{ item }}' }, { parentId: 'loop' }),
        node('deep', 'transform', { expression: '1' }, { parentId: 'inner2' }),
        node('ghost', 'transform', { expression: '1' }, { parentId: 'nope' }),
      ],
      baseEdges,
    ).filter((p) => p.startsWith('invalid_parent'));
    expect(problems).toEqual([
      'invalid_parent Node "odd" is inside "before" (transform); only a for-each loop holds other nodes.',
      'invalid_parent For-each loop "inner2" is inside the body of "loop"; loops cannot be nested.',
      'invalid_parent Node "ghost" is inside "nope", which does not exist; move it out or into a for-each loop.',
    ]);
  });

  it('refuses references out of a body’s scope and into a body from outside', () => {
    const problems = problemsOf(
      [
        node('start', 'trigger.manual', {}),
        node('before', 'transform', { expression: '1' }),
        node('loop', 'loop.forEach', { items: '{{ trigger.items }}' }),
        node('first', 'transform', { expression: 'nodes.before' }, { parentId: 'loop' }),
        node('second', 'transform', { expression: 'nodes.first' }, { parentId: 'loop' }),
        node('sideways', 'transform', { expression: 'nodes.second' }, { parentId: 'loop' }),
        node('late', 'transform', { expression: 'nodes.after' }, { parentId: 'loop' }),
        node('after', 'http.request', { url: 'https://x.example/{{ nodes.first.id }}' }),
      ],
      [
        edge('start', 'before'),
        edge('before', 'loop'),
        edge('loop', 'first', 'body'),
        edge('first', 'second'),
        edge('loop', 'sideways', 'body'),
        edge('loop', 'late', 'body'),
        edge('loop', 'after', 'done'),
      ],
    ).filter((p) => p.startsWith('reference_out_of_scope'));
    expect(problems).toEqual([
      'reference_out_of_scope Node "sideways" field "expression" reads nodes.second, which it cannot see when it runs: "second" is in the same loop body but not upstream of "sideways".',
      'reference_out_of_scope Node "late" field "expression" reads nodes.after, which it cannot see when it runs: "after" is not upstream of loop "loop".',
      'reference_out_of_scope Node "after" field "url" reads nodes.first, which it cannot see when it runs: "first" is inside loop "loop", whose body steps are not visible here; read the loop\'s output (its items) instead.',
    ]);
  });

  it('refuses a body of more than 100 nodes', () => {
    const many = Array.from({ length: 101 }, (_, i) =>
      node(`n${i}`, 'transform', { expression: '1' }, { parentId: 'loop' }),
    );
    const problems = problemsOf(
      [...base, ...many],
      [...baseEdges, ...many.map((n) => edge('loop', n.id, 'body'))],
    );
    expect(problems.filter((p) => p.startsWith('loop_body_too_large'))).toEqual([
      'loop_body_too_large For-each loop "loop" holds 102 nodes; a loop body holds at most 100 (move a part into its own scenario).',
    ]);
  });
});
