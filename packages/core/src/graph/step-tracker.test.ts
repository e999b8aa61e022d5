import { describe, expect, it } from 'vitest';
import type { ScenarioEdge, ScenarioGraph } from '../schemas/graph.js';
import { buildExecutionPlan, type ExecutionPlan } from './execution-plan.js';
import { nextSteps } from './next-steps.js';
import { createRunStates, isRunComplete } from './run-states.js';
import { settleSkips } from './settle-skips.js';
import { StepTracker } from './step-tracker.js';
import { type GraphFixture, loadGraphFixture, makeGraph } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';
import type { NodeRunState } from './types.js';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Layers of loggers, conditions (edges leave from `true` or `false`) and two-input merges. */
function randomDag(seed: number, layers: number, width: number): ScenarioGraph {
  const next = random(seed);
  const nodes: [string, string][] = [['hook', 'trigger.webhook']];
  const edges: string[] = [];
  const conditions = new Set<string>();
  let previous = ['hook'];
  for (let layer = 0; layer < layers; layer++) {
    const current: string[] = [];
    for (let i = 0; i < width; i++) {
      const id = `n${layer}_${i}`;
      const roll = next();
      const type = roll < 0.25 ? 'condition' : roll < 0.6 ? 'merge' : 'logger';
      if (type === 'condition') conditions.add(id);
      nodes.push([id, type]);
      const sources = new Set<string>();
      const wanted = type === 'merge' ? Math.min(2, previous.length) : 1;
      while (sources.size < wanted) sources.add(previous[Math.floor(next() * previous.length)]!);
      for (const source of sources) {
        edges.push(
          conditions.has(source) ? `${source}.${next() < 0.5 ? 'true' : 'false'}->${id}` : `${source}->${id}`,
        );
      }
      current.push(id);
    }
    previous = current;
  }
  return makeGraph({ nodes, edges });
}

function sorted(ids: readonly string[]): string[] {
  return [...ids].sort();
}

/**
 * Drives the tracker and the pure functions side by side through a run with random outcomes
 * (some failures, conditions firing any subset of handles) and checks they agree at every step.
 */
function compareRandomRun(plan: ExecutionPlan, seed: number): void {
  const next = random(seed);
  const tracker = new StepTracker(plan);
  const states = createRunStates(plan);
  const running: string[] = [];
  const record = (id: string, state: NodeRunState) => {
    tracker.set(id, state);
    states.set(id, state);
  };
  for (let round = 0; round < 10_000; round++) {
    const tracked = tracker.next();
    expect(sorted(tracked.skipped)).toEqual(sorted(settleSkips(plan, states)));
    expect(sorted(tracked.ready)).toEqual(sorted(nextSteps(plan, states).ready));
    expect(tracker.isComplete()).toBe(isRunComplete(states));
    for (const id of tracked.ready) {
      record(id, { status: 'running' });
      running.push(id);
    }
    if (running.length === 0) break;
    // Settle a random part of what runs, at least one node.
    for (let i = running.length - 1; i >= 0; i--) {
      if (i > 0 && next() < 0.5) continue;
      const [id] = running.splice(i, 1);
      const roll = next();
      if (roll < 0.1) record(id!, { status: 'failed' });
      else if (plan.nodes.get(id!)?.type !== 'condition' || roll < 0.2) record(id!, { status: 'succeeded' });
      else record(id!, { status: 'succeeded', firedHandles: ['true', 'false'].filter(() => next() < 0.5) });
    }
  }
  expect(tracker.isComplete()).toBe(true);
  expect(isRunComplete(states)).toBe(true);
  expect(tracker.states).toEqual(states);
}

/** The plan with every read of an edge list counted, to measure work without timing it. */
function countingPlan(plan: ExecutionPlan): { plan: ExecutionPlan; reads: () => number } {
  let reads = 0;
  const wrap = (byNode: ReadonlyMap<string, readonly ScenarioEdge[]>) =>
    new Map(
      [...byNode].map(([id, edges]) => [
        id,
        new Proxy(edges, {
          get(target, key, receiver) {
            reads++;
            return Reflect.get(target, key, receiver);
          },
        }),
      ]),
    );
  return {
    plan: { ...plan, incoming: wrap(plan.incoming), outgoing: wrap(plan.outgoing) },
    reads: () => reads,
  };
}

function chainPlan(length: number): ExecutionPlan {
  const ids = Array.from({ length }, (_, i) => `n${i}`);
  const graph = makeGraph({
    nodes: [['hook', 'trigger.webhook'], ...ids.map((id) => [id, 'logger'] as const)],
    edges: ['hook->n0', ...ids.slice(1).map((id, i) => `${ids[i]}->${id}`)],
  });
  return buildExecutionPlan(graph, testLookup);
}

function fanInPlan(width: number): ExecutionPlan {
  const ids = Array.from({ length: width }, (_, i) => `w${i}`);
  const graph = makeGraph({
    nodes: [['hook', 'trigger.webhook'], ...ids.map((id) => [id, 'logger'] as const), ['join', 'merge']],
    edges: [...ids.map((id) => `hook->${id}`), ...ids.map((id) => `${id}->join`)],
  });
  return buildExecutionPlan(graph, testLookup);
}

/** Edge-list reads of a whole run where every node succeeds, one node at a time. */
function trackedRunWork(plan: ExecutionPlan): number {
  const counted = countingPlan(plan);
  const tracker = new StepTracker(counted.plan);
  for (let ready = tracker.next().ready; ready.length > 0; ready = tracker.next().ready) {
    for (const id of ready) tracker.set(id, { status: 'succeeded' });
  }
  expect(tracker.isComplete()).toBe(true);
  return counted.reads();
}

describe('StepTracker', () => {
  it('steps the if/else run: the branch not taken is skipped, the merge gets the one taken', () => {
    const plan = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);
    const tracker = new StepTracker(plan);
    expect(tracker.next()).toEqual({ ready: ['hook'], skipped: [] });
    expect(tracker.next()).toEqual({ ready: [], skipped: [] });
    tracker.set('hook', { status: 'running' });
    tracker.set('hook', { status: 'succeeded' });
    expect(tracker.next()).toEqual({ ready: ['check'], skipped: [] });
    tracker.set('check', { status: 'succeeded', firedHandles: ['true'] });
    expect(tracker.next()).toEqual({ ready: ['yes'], skipped: ['no', 'no_log'] });
    tracker.set('yes', { status: 'succeeded' });
    expect(tracker.next()).toEqual({ ready: ['join'], skipped: [] });
    tracker.set('join', { status: 'failed' });
    expect(tracker.isComplete()).toBe(false);
    expect(tracker.next()).toEqual({ ready: [], skipped: ['done'] });
    expect(tracker.isComplete()).toBe(true);
  });

  it('resumes from the states of an interrupted run', () => {
    const plan = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);
    const tracker = new StepTracker(plan, [
      ['hook', { status: 'succeeded' }],
      ['check', { status: 'succeeded', firedHandles: ['false'] }],
      ['yes', { status: 'skipped' }],
      ['no', { status: 'running' }],
    ]);
    expect(tracker.next()).toEqual({ ready: [], skipped: [] });
    tracker.set('no', { status: 'succeeded' });
    expect(tracker.next()).toEqual({ ready: ['no_log'], skipped: [] });
  });

  it('decides a step put back to pending again', () => {
    const plan = buildExecutionPlan(loadGraphFixture('linear'), testLookup);
    const tracker = new StepTracker(plan);
    expect(tracker.next().ready).toEqual(['hook']);
    tracker.set('hook', { status: 'running' });
    tracker.set('hook', { status: 'pending' });
    expect(tracker.next().ready).toEqual(['hook']);
  });

  it('refuses to change a settled step or an unknown node', () => {
    const plan = buildExecutionPlan(loadGraphFixture('linear'), testLookup);
    const tracker = new StepTracker(plan, [['hook', { status: 'succeeded' }]]);
    expect(() => tracker.set('hook', { status: 'running' })).toThrow('node "hook" already succeeded');
    expect(() => tracker.set('ghost', { status: 'running' })).toThrow('unknown node "ghost"');
  });

  it.each(['linear', 'diamond-merge', 'if-else-merge', 'unreachable', 'wide-fan-out'] as const)(
    'agrees with settleSkips + nextSteps at every step of random runs: %s',
    (fixture: GraphFixture) => {
      const plan = buildExecutionPlan(loadGraphFixture(fixture), testLookup);
      for (let seed = 1; seed <= 20; seed++) compareRandomRun(plan, seed);
    },
  );

  it('agrees with settleSkips + nextSteps on random layered graphs', () => {
    for (let seed = 1; seed <= 20; seed++) {
      compareRandomRun(buildExecutionPlan(randomDag(seed, 8, 6), testLookup), seed);
    }
  });

  it('does linear work over a whole run, on a chain and on a wide merge', () => {
    const chain = [trackedRunWork(chainPlan(1_000)), trackedRunWork(chainPlan(2_000))];
    const fanIn = [trackedRunWork(fanInPlan(1_000)), trackedRunWork(fanInPlan(2_000))];
    expect(chain[1]! / chain[0]!).toBeLessThan(2.1);
    expect(fanIn[1]! / fanIn[0]!).toBeLessThan(2.1);
  });
});

describe('settleSkips', () => {
  it('does linear work in one pass', () => {
    const work = [1_000, 2_000].map((length) => {
      const counted = countingPlan(chainPlan(length));
      const states = createRunStates(counted.plan, [['hook', { status: 'failed' }]]);
      expect(settleSkips(counted.plan, states)).toHaveLength(length);
      return counted.reads();
    });
    expect(work[1]! / work[0]!).toBeLessThan(2.1);
  });
});
