import type { HandleSpec } from '../nodes/types.js';

export function quote(value: string): string {
  return JSON.stringify(value);
}

export function quoteList(values: readonly string[]): string {
  return values.map(quote).join(', ');
}

/** `headers[0].name`, as a user reads a field of a form. */
export function formatConfigPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
}

export function describeHandles(kind: 'inputs' | 'outputs', handles: readonly HandleSpec[]): string {
  return handles.length === 0 ? `it has no ${kind}` : `valid ${kind}: ${quoteList(handles.map((h) => h.id))}`;
}
