import { type GraphIndex, outgoingOf } from './graph-index.js';

/**
 * One cycle per strongly connected component that has one, ordered by the component's first node
 * in node array order. A cycle is the node ids along it in edge direction, starting at that first
 * node, without repeating it at the end; it is the shortest cycle through that node. A node with an
 * edge to itself and no other cycle yields `[id]`.
 *
 * Tarjan's algorithm with an explicit stack (a 5,000-node chain must not overflow the call stack).
 */
export function findCycles(index: GraphIndex): string[][] {
  const ids = index.nodeIds;
  const n = ids.length;
  const position = new Map<string, number>();
  for (const [i, id] of ids.entries()) position.set(id, i);

  const successors: number[][] = [];
  const selfLoop = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    const next: number[] = [];
    for (const edge of outgoingOf(index, ids[v]!)) {
      const w = position.get(edge.target)!;
      if (w === v) selfLoop[v] = 1;
      else next.push(w);
    }
    successors.push(next);
  }

  const components = stronglyConnectedComponents(successors);
  const cycles: { first: number; cycle: string[] }[] = [];
  const componentOf = new Int32Array(n).fill(-1);
  components.forEach((members, c) => {
    for (const v of members) componentOf[v] = c;
  });
  components.forEach((members, c) => {
    const first = members.reduce((a, b) => Math.min(a, b));
    if (members.length === 1) {
      if (selfLoop[first] === 1) cycles.push({ first, cycle: [ids[first]!] });
      return;
    }
    const path = shortestCycleThrough(first, successors, (v) => componentOf[v] === c);
    cycles.push({ first, cycle: path.map((v) => ids[v]!) });
  });
  cycles.sort((a, b) => a.first - b.first);
  return cycles.map((c) => c.cycle);
}

export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0]].join(' → ');
}

function stronglyConnectedComponents(successors: readonly (readonly number[])[]): number[][] {
  const n = successors.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const components: number[][] = [];
  const callNodes: number[] = [];
  const callCursor: number[] = [];
  let counter = 0;

  const enter = (v: number): void => {
    order[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    callNodes.push(v);
    callCursor.push(0);
  };

  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    enter(root);
    while (callNodes.length > 0) {
      const top = callNodes.length - 1;
      const v = callNodes[top]!;
      const cursor = callCursor[top]!;
      const next = successors[v]!;
      if (cursor < next.length) {
        callCursor[top] = cursor + 1;
        const w = next[cursor]!;
        if (order[w] === -1) enter(w);
        else if (onStack[w] === 1) low[v] = Math.min(low[v]!, order[w]!);
        continue;
      }
      callNodes.pop();
      callCursor.pop();
      const parent = callNodes[callNodes.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
      if (low[v] === order[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== v);
        components.push(members);
      }
    }
  }
  return components;
}

/** Breadth-first search from `start` back to itself, staying inside one component. */
function shortestCycleThrough(
  start: number,
  successors: readonly (readonly number[])[],
  inComponent: (v: number) => boolean,
): number[] {
  const parent = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of successors[v]!) {
      if (w === start) {
        const path: number[] = [];
        for (let u = v; u !== -1; u = parent.get(u)!) path.push(u);
        return path.reverse();
      }
      if (!inComponent(w) || parent.has(w)) continue;
      parent.set(w, v);
      queue.push(w);
    }
  }
  throw new Error(
    'unreachable: a strongly connected component of two or more nodes has a cycle through each node',
  );
}
