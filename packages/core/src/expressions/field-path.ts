/** Where a value sits in a node's config: keys and array indexes from the root. */
export type FieldPath = (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['headers', 'Authorization']` → `headers.Authorization`; `['body', 2, 'x']` → `body[2].x`; odd keys are quoted: `headers["X-Id"]`. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export interface StringLeaf {
  readonly path: FieldPath;
  readonly field: string;
  readonly value: string;
}

/** Every string in a config (through plain objects and arrays), depth first, in key order. */
export function* stringLeaves(value: unknown, path: FieldPath = []): Generator<StringLeaf> {
  if (typeof value === 'string') {
    yield { path, field: formatFieldPath(path), value };
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* stringLeaves(item, [...path, index]);
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) yield* stringLeaves(item, [...path, key]);
  }
}
