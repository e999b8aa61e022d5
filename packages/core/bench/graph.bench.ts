/**
 * Graph algorithms on large scenarios: `npx tsx bench/graph.bench.ts` (from packages/core).
 * Prints the median and 95th percentile per operation and graph; the budget is well under a
 * second per operation at 5,000 nodes.
 */
import { performance } from 'node:perf_hooks';
import type { ScenarioEdge, ScenarioGraph, ScenarioNode } from '../src/schemas/graph.js';
import {
  buildExecutionPlan,
  createRunStates,
  type ExecutionPlan,
  isRunComplete,
  nextSteps,
  settleSkips,
  validateGraph,
} from '../src/graph/index.js';
import { testLookup } from '../src/graph/test-node-types.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const NODES = 5_000;

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same graphs. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function node(id: string, type: string): ScenarioNode {
  return { id, type, version: 1, config: {}, position: { x: 0, y: 0 } };
}

function edge(id: number, source: string, target: string, sourceHandle = 'out'): ScenarioEdge {
  return { id: `e${id}`, source, target, sourceHandle, targetHandle: 'in' };
}

/**
 * 50 layers of 100 nodes after the trigger. Most nodes are merges fed by two nodes of the layer
 * before; one in ten is a condition fed by one, whose edges leave from `true` or `false`.
 */
function layeredDag(): ScenarioGraph {
  const next = random(42);
  const nodes = [node('trigger', 'trigger.webhook')];
  const edges: ScenarioEdge[] = [];
  const conditions = new Set<string>();
  const layers = 50;
  let previous = ['trigger'];
  for (let layer = 0; layer < layers; layer++) {
    const width = Math.ceil((NODES - nodes.length) / (layers - layer));
    const current: string[] = [];
    for (let i = 0; i < width; i++) {
      const id = `n${layer}_${i}`;
      const isCondition = next() < 0.1;
      if (isCondition) conditions.add(id);
      nodes.push(node(id, isCondition ? 'condition' : 'merge'));
      const sources = new Set<string>();
      const wanted = isCondition ? 1 : Math.min(2, previous.length);
      while (sources.size < wanted) sources.add(previous[Math.floor(next() * previous.length)]!);
      for (const source of sources) {
        const handle = conditions.has(source) ? (next() < 0.5 ? 'true' : 'false') : 'out';
        edges.push(edge(edges.length, source, id, handle));
      }
      current.push(id);
    }
    previous = current;
  }
  return { nodes, edges };
}

function chain(): ScenarioGraph {
  const nodes = [node('trigger', 'trigger.webhook')];
  const edges: ScenarioEdge[] = [];
  for (let i = 1; i < NODES; i++) {
    nodes.push(node(`n${i}`, 'logger'));
    edges.push(edge(i, i === 1 ? 'trigger' : `n${i - 1}`, `n${i}`));
  }
  return { nodes, edges };
}

/** The trigger fans out to 4,998 loggers that one merge joins again. */
function fanOut(): ScenarioGraph {
  const nodes = [node('trigger', 'trigger.webhook'), node('join', 'merge')];
  const edges: ScenarioEdge[] = [];
  for (let i = 0; i < NODES - 2; i++) {
    nodes.push(node(`w${i}`, 'logger'));
    edges.push(edge(edges.length, 'trigger', `w${i}`));
    edges.push(edge(edges.length, `w${i}`, 'join'));
  }
  return { nodes, edges };
}

/**
 * A whole run as the runner drives it: settle skips, start every ready node, let each succeed
 * (conditions fire `true` only, so their `false` branches get skipped), until nothing is left.
 */
function simulateRun(plan: ExecutionPlan): number {
  const states = createRunStates(plan);
  let steps = 0;
  for (;;) {
    settleSkips(plan, states);
    const { ready } = nextSteps(plan, states);
    if (ready.length === 0) break;
    for (const id of ready) {
      const isCondition = plan.nodes.get(id)?.type === 'condition';
      states.set(id, isCondition ? { status: 'succeeded', firedHandles: ['true'] } : { status: 'succeeded' });
      steps++;
    }
  }
  if (!isRunComplete(states)) throw new Error('simulation left nodes unsettled');
  return steps;
}

function measure(operation: () => unknown): { median: number; p95: number } {
  operation();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    operation();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95) };
}

const graphs: [string, ScenarioGraph][] = [
  ['layered DAG', layeredDag()],
  ['chain', chain()],
  ['fan-out', fanOut()],
];

const rows: Record<string, string | number>[] = [];
for (const [name, graph] of graphs) {
  const problems = validateGraph(graph, testLookup);
  if (problems.length > 0) throw new Error(`${name}: ${problems[0]?.message}`);
  const plan = buildExecutionPlan(graph, testLookup);
  const shape = `${graph.nodes.length} nodes, ${graph.edges.length} edges, ${plan.levels.length} waves`;
  const operations: [string, () => unknown][] = [
    ['validateGraph', () => validateGraph(graph, testLookup)],
    ['buildExecutionPlan', () => buildExecutionPlan(graph, testLookup)],
    [`run simulation (${simulateRun(plan)} steps)`, () => simulateRun(plan)],
  ];
  for (const [operation, run] of operations) {
    const { median, p95 } = measure(run);
    rows.push({ graph: name, shape, operation, 'median ms': median.toFixed(2), 'p95 ms': p95.toFixed(2) });
  }
}
console.log(`Graph algorithms, ${RUNS} runs each (after one warm-up)`);
console.table(rows);
