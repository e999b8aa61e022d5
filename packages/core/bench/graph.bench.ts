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
  type NodeRunState,
  nextSteps,
  StepTracker,
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

/** How a simulated node ends: conditions fire `true` only, so their `false` branches get skipped. */
function outcome(plan: ExecutionPlan, id: string): NodeRunState {
  return plan.nodes.get(id)?.type === 'condition'
    ? { status: 'succeeded', firedHandles: ['true'] }
    : { status: 'succeeded' };
}

/**
 * A whole run driven by `StepTracker`: start every ready node, let each succeed, until nothing
 * is left. O(V+E) for the run.
 */
function simulateTrackedRun(plan: ExecutionPlan): number {
  const tracker = new StepTracker(plan);
  let steps = 0;
  for (let ready = tracker.next().ready; ready.length > 0; ready = tracker.next().ready) {
    for (const id of ready) {
      tracker.set(id, outcome(plan, id));
      steps++;
    }
  }
  if (!tracker.isComplete()) throw new Error('simulation left nodes unsettled');
  return steps;
}

/**
 * The same run driven by the pure functions, `settleSkips` + `nextSteps` once per wave:
 * O(V+E) per wave, so quadratic on a chain.
 */
function simulatePureRun(plan: ExecutionPlan): number {
  const states = createRunStates(plan);
  let steps = 0;
  for (;;) {
    settleSkips(plan, states);
    const { ready } = nextSteps(plan, states);
    if (ready.length === 0) break;
    for (const id of ready) {
      states.set(id, outcome(plan, id));
      steps++;
    }
  }
  if (!isRunComplete(states)) throw new Error('simulation left nodes unsettled');
  return steps;
}

function measure(operation: () => unknown, runs: number): { median: number; p95: number } {
  operation();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    operation();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95) };
}

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column >= row.length - 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ');
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}

const graphs: [string, ScenarioGraph][] = [
  ['layered DAG', layeredDag()],
  ['chain', chain()],
  ['fan-out', fanOut()],
];

const rows: string[][] = [['graph', 'operation', 'median ms', 'p95 ms']];
for (const [name, graph] of graphs) {
  const problems = validateGraph(graph, testLookup);
  if (problems.length > 0) throw new Error(`${name}: ${problems[0]?.message}`);
  const plan = buildExecutionPlan(graph, testLookup);
  const label = `${name} (${graph.nodes.length} nodes, ${graph.edges.length} edges, ${plan.levels.length} waves)`;
  const steps = simulateTrackedRun(plan);
  if (simulatePureRun(plan) !== steps) throw new Error(`${name}: the two simulations disagree`);
  // The per-wave loop is quadratic on the chain: measure it fewer times.
  const pureRuns = plan.levels.length > 1_000 ? Math.min(RUNS, 5) : RUNS;
  const operations: [string, () => unknown, number][] = [
    ['validateGraph', () => validateGraph(graph, testLookup), RUNS],
    ['buildExecutionPlan', () => buildExecutionPlan(graph, testLookup), RUNS],
    [`run of ${steps} steps via StepTracker`, () => simulateTrackedRun(plan), RUNS],
    [`run of ${steps} steps via settleSkips+nextSteps per wave`, () => simulatePureRun(plan), pureRuns],
  ];
  for (const [operation, run, runs] of operations) {
    const { median, p95 } = measure(run, runs);
    rows.push([label, operation, median.toFixed(2), p95.toFixed(2)]);
  }
}
console.log(
  `Graph algorithms: median and p95 over ${RUNS} runs each after a warm-up (5 for quadratic cases)\n`,
);
printTable(rows);
