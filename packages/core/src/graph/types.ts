import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';
import type { HandleSpec } from '../nodes/types.js';

/**
 * What graph algorithms need to know about a node type. The registry provides it, so graph code
 * never imports the registry (and tests use a small fixture lookup).
 */
export interface GraphNodeTypeInfo {
  readonly isTrigger: boolean;
  readonly inputs: readonly HandleSpec[];
  /** The output handles of a node of this type with this (stored) config: `nodeOutputHandles`. */
  outputsOf(config: Readonly<Record<string, unknown>>): readonly HandleSpec[];
  /** A for-each loop: nodes may name it as their `parentId` (its body). */
  readonly isLoop?: boolean;
  /** Answers the webhook that started the run (`webhook.respond`). */
  readonly repliesToWebhook?: boolean;
  /** A trigger whose caller waits for a reply node, with this (stored) config (`respond: "node"`). */
  holdsWebhookReply?(config: Readonly<Record<string, unknown>>): boolean;
  /** The node ids the config's expressions read (`nodes.<id>`), with the field that reads each. */
  references?(
    config: Record<string, unknown>,
  ): readonly { readonly nodeId: string; readonly field: string }[];
  /** Config problems for this node (zod paths), already ignoring fields that hold expressions. */
  validateConfig(config: Record<string, unknown>): readonly ConfigIssue[];
}

export interface ConfigIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** In a code field: the 1-based line and column of the problem. */
  readonly position?: { readonly line: number; readonly column: number };
}

export type NodeTypeLookup = (type: string) => GraphNodeTypeInfo | undefined;

/** The part of a scenario the graph algorithms read; readonly so callers may pass frozen versions. */
export interface GraphShape {
  readonly nodes: readonly ScenarioNode[];
  readonly edges: readonly ScenarioEdge[];
}

export const GRAPH_PROBLEM_CODES = [
  'duplicate_node_id',
  'duplicate_edge_id',
  'unknown_node_type',
  'dangling_edge',
  'unknown_source_handle',
  'unknown_target_handle',
  'self_loop',
  'duplicate_edge',
  'multiple_edges_to_single_input',
  'no_trigger',
  'multiple_triggers',
  'trigger_has_input',
  'cycle',
  'unreachable_node',
  'invalid_config',
  /** A scenario call that would call its own scenario again (A → B → A), named in the message. */
  'call_cycle',
  /** A chain of scenario calls longer than the limit. */
  'call_depth',
  'invalid_parent',
  'edge_crosses_loop_body',
  'loop_body_too_large',
  'reference_out_of_scope',
  /** A `webhook.respond` node in a scenario whose trigger does not wait for it. */
  'reply_without_waiting_trigger',
  /** A webhook trigger with `respond: "node"` but no `webhook.respond` node. */
  'reply_node_missing',
  /** A `webhook.respond` node inside a for-each body (it would answer once per item). */
  'reply_in_loop',
  /** Another published scenario of the same app already answers its webhooks (respond: "node"). */
  'reply_conflict',
] as const;
export type GraphProblemCode = (typeof GRAPH_PROBLEM_CODES)[number];

export interface GraphProblem {
  readonly code: GraphProblemCode;
  /** A sentence for the user that names the nodes, edges and handles involved. */
  readonly message: string;
  readonly nodeId?: string;
  readonly edgeId?: string;
  /** For `invalid_config`: where in the node's config (zod path). */
  readonly path?: readonly (string | number)[];
  /** For `invalid_config` in a code field: the 1-based line and column of the syntax error. */
  readonly position?: { readonly line: number; readonly column: number };
  /** For `cycle`: the node ids around the cycle in edge direction; the first is not repeated at the end. */
  readonly cycle?: readonly string[];
}

export type NodeRunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface NodeRunState {
  readonly status: NodeRunStatus;
  /** Output handles that fired when the node succeeded; absent means all of them. */
  readonly firedHandles?: readonly string[];
}

/** Run state per node id. A node without an entry counts as pending. */
export type RunStates = ReadonlyMap<string, NodeRunState>;
