// validateGraph with the real node registry: every node's config is parsed with its zod schema
// and every expression compiled with JSONata, which dominates the graph checks themselves.
import { validateGraph } from '../src/graph/index.js';
import { registryLookup } from '../src/nodes/lookup.js';
import type { ScenarioEdge, ScenarioNode } from '../src/schemas/graph.js';

const NODES = 5_000;
const RUNS = 15;

function binaryTreeScenario(): { nodes: ScenarioNode[]; edges: ScenarioEdge[] } {
  const position = { x: 0, y: 0 };
  const nodes: ScenarioNode[] = [{ id: 't', type: 'trigger.manual', version: 1, config: {}, position }];
  const edges: ScenarioEdge[] = [];
  for (let i = 0; i < NODES - 1; i++) {
    const config =
      i % 3 === 0
        ? { type: 'logger', version: 1, config: { message: 'order {{ trigger.body.id }}' } }
        : i % 3 === 1
          ? { type: 'transform', version: 1, config: { expression: '{ "a": input.x * 2 }' } }
          : {
              type: 'http.request',
              version: 2,
              config: {
                method: 'POST',
                url: 'https://x.example/{{ trigger.body.id }}',
                body: { a: '{{ nodes.n0 }}' },
              },
            };
    nodes.push({ id: `n${i}`, position, ...config });
    const source = i === 0 ? 't' : `n${Math.floor((i - 1) / 2)}`;
    edges.push({ id: `e${i}`, source, sourceHandle: 'out', target: `n${i}`, targetHandle: 'in' });
  }
  return { nodes, edges };
}

const graph = binaryTreeScenario();
const problems = validateGraph(graph, registryLookup);
if (problems.length > 0) throw new Error(`bench graph is invalid: ${problems[0]?.message}`);
const times: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  validateGraph(graph, registryLookup);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(RUNS / 2)] ?? 0;
const p95 = times[Math.min(RUNS - 1, Math.ceil(RUNS * 0.95) - 1)] ?? 0;
console.log(
  `\nvalidateGraph with the real registry (${NODES} nodes: logger, transform, http.request with expressions)`,
);
console.log(`median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${RUNS} runs`);
