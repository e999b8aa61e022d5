import type { ScenarioNode } from '../schemas/graph.js';
import type { Step } from '../schemas/entities.js';

/** A node's step before its first attempt. */
export function pendingStepOf(node: Pick<ScenarioNode, 'id' | 'type'>): Step {
  return {
    nodeId: node.id,
    nodeType: node.type,
    status: 'pending',
    attempts: 0,
    firedHandles: null,
    outputTruncated: false,
    error: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    resumeAt: null,
  };
}
