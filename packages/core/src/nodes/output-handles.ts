import type { ConfigOutputs, HandleSpec, NodeCategory } from './types.js';

export type { ConfigOutputs } from './types.js';

/**
 * The output a node fires instead of failing the run when an edge leaves it (see
 * `engine/error-path.ts`). Reserved: no node type or config may name another output so.
 */
export const ERROR_HANDLE = 'error';

const ERROR_SPEC: HandleSpec = { id: ERROR_HANDLE, label: 'Error' };

/** What decides a node's outputs: a node definition and a catalog entry both have these fields. */
export interface OutputHandleSource {
  readonly category: NodeCategory;
  /** Outputs every node of the type has (after the config's own, when it lists some). */
  readonly outputs: readonly HandleSpec[];
  readonly configOutputs?: ConfigOutputs | null;
  /** Whether the type has the `error` output; default: action nodes have it. */
  readonly errorOutput?: boolean;
}

/** Whether nodes of this type have the `error` output (triggers never do). */
export function hasErrorOutput(source: Pick<OutputHandleSource, 'category' | 'errorOutput'>): boolean {
  if (source.category === 'trigger') return false;
  return source.errorOutput ?? source.category === 'action';
}

/**
 * A node's output handles, from its type and its (stored, possibly draft) config, in the order the
 * canvas draws them: the config's outputs, the type's own, then `error` where the type has one.
 * Tolerant of drafts: config entries without a usable id are left out (config validation reports
 * them), a missing label falls back to the id. Graph checks, the engine and the editor all use this.
 */
export function nodeOutputHandles(
  source: OutputHandleSource,
  config: Readonly<Record<string, unknown>>,
): HandleSpec[] {
  const handles: HandleSpec[] = [];
  const seen = new Set<string>();
  const add = (handle: HandleSpec) => {
    if (seen.has(handle.id)) return;
    seen.add(handle.id);
    handles.push(handle);
  };
  if (source.configOutputs) {
    const entries = config[source.configOutputs.field];
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (entry === null || typeof entry !== 'object') continue;
      const { id, label } = entry as { id?: unknown; label?: unknown };
      if (typeof id !== 'string' || id === '') continue;
      add({ id, label: typeof label === 'string' && label.trim() !== '' ? label : id });
    }
  }
  for (const handle of source.outputs) add(handle);
  if (hasErrorOutput(source)) add(ERROR_SPEC);
  return handles;
}

/**
 * Whether a settled step fired `handle`, as the engine decides it: a step that succeeded fires
 * its `firedHandles` (none listed: every output but `error`); a failure taken by the error path
 * (`handled`) fires `error` only. For views that colour the edges a run took.
 */
export function stepFiredHandle(
  step: {
    readonly status: string;
    readonly firedHandles?: readonly string[] | null;
    readonly handled?: boolean;
  },
  handle: string,
): boolean {
  if (step.status !== 'succeeded' && !(step.status === 'failed' && step.handled === true)) return false;
  return step.firedHandles ? step.firedHandles.includes(handle) : handle !== ERROR_HANDLE;
}
