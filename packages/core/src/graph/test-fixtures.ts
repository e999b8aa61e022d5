/** Test-only: loads the JSON fixture graphs and builds small graphs from shorthand. */
import { readFileSync } from 'node:fs';
import { type ScenarioGraph, scenarioGraphSchema } from '../schemas/graph.js';

export const GRAPH_FIXTURES = [
  'linear',
  'diamond-merge',
  'if-else-merge',
  'cycle',
  'multiple-triggers',
  'unreachable',
  'dangling-edge',
  'wide-fan-out',
] as const;
export type GraphFixture = (typeof GRAPH_FIXTURES)[number];

/** A fixture parsed like a saved scenario (defaults applied; `description` and `diagram` dropped). */
export function loadGraphFixture(name: GraphFixture): ScenarioGraph {
  const url = new URL(`../../fixtures/graphs/${name}.json`, import.meta.url);
  return scenarioGraphSchema.parse(JSON.parse(readFileSync(url, 'utf8')));
}

/**
 * A graph from shorthand: nodes as `[id, type, config?]`, edges as `'a->b'` or
 * `'a.true->b.in'` (default handles `out` and `in`), with ids `e1`, `e2`, … unless given as
 * `'id: a->b'`.
 */
export function makeGraph(spec: {
  nodes: readonly (readonly [id: string, type: string, config?: Record<string, unknown>])[];
  edges?: readonly string[];
}): ScenarioGraph {
  return scenarioGraphSchema.parse({
    nodes: spec.nodes.map(([id, type, config]) => ({ id, type, version: 1, config: config ?? {} })),
    edges: (spec.edges ?? []).map(parseEdge),
  });
}

function parseEdge(text: string, i: number): Record<string, string> {
  const match = /^(?:([^:\s]+):\s*)?([^.\s>-]+)(?:\.([^\s>]+))?\s*->\s*([^.\s]+)(?:\.(\S+))?$/.exec(text);
  if (match === null) throw new Error(`bad edge shorthand: ${text}`);
  const [, id, source, sourceHandle, target, targetHandle] = match;
  return {
    id: id ?? `e${i + 1}`,
    source: source!,
    target: target!,
    ...(sourceHandle === undefined ? {} : { sourceHandle }),
    ...(targetHandle === undefined ? {} : { targetHandle }),
  };
}
