import { z } from 'zod';
import { compileExpression } from '../expressions/compile.js';
import { ExpressionError } from '../expressions/expression-error.js';
import { evaluateExpression } from '../expressions/resolve.js';

/** An app declares at most this many search keys: each one is evaluated on every delivery. */
export const MAX_SEARCH_KEYS = 10;
/** Longer values are cut to this many characters before they are stored and indexed. */
export const MAX_SEARCH_VALUE_LENGTH = 200;
/** What all the keys of one delivery may spend evaluating, together: ingest is never held up for long. */
export const SEARCH_KEYS_BUDGET_MS = 100;

/** A key's name is what a search names (`customer`), so it is a plain identifier. */
export const searchKeyNameSchema = z
  .string()
  .min(1, 'search key name is empty')
  .max(40, 'search key name is longer than 40 characters')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'search key name must start with a letter or _ and contain only letters, digits and _',
  );

/** One named JSONata expression over the delivery (`body`, `headers`), e.g. `body.data.object.customer`. */
export const searchKeyDefinitionSchema = z
  .strictObject({
    name: searchKeyNameSchema,
    expression: z
      .string()
      .trim()
      .min(1, 'expression is empty')
      .max(1_000, 'expression is longer than 1,000 characters'),
  })
  .superRefine((key, ctx) => {
    // An empty expression has its own message already.
    if (typeof key.expression !== 'string' || key.expression.trim() === '') return;
    const compiled = compileExpression(key.expression);
    if (!compiled.ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['expression'],
        message: `search key "${key.name}": ${compiled.failure.message} (at character ${compiled.failure.position})`,
      });
    }
  });

export const searchKeysSchema = z
  .array(searchKeyDefinitionSchema)
  .max(MAX_SEARCH_KEYS, `an app declares at most ${MAX_SEARCH_KEYS} search keys`)
  .superRefine((keys, ctx) => {
    const seen = new Set<string>();
    keys.forEach((key, index) => {
      if (seen.has(key.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `search key "${key.name}" is declared twice; names must be unique`,
        });
      }
      seen.add(key.name);
    });
  });

/** A search of runs or deliveries by one key: exact match of the stored (string) value. */
export const searchFilterSchema = z.strictObject({
  name: searchKeyNameSchema,
  value: z
    .string()
    .min(1, 'search value is empty')
    .max(MAX_SEARCH_VALUE_LENGTH, `search value is longer than ${MAX_SEARCH_VALUE_LENGTH} characters`),
});

export type SearchKeyDefinition = z.infer<typeof searchKeyDefinitionSchema>;
export type SearchFilter = z.infer<typeof searchFilterSchema>;
/** What is stored on a delivery and its runs, and indexed. */
export interface SearchKeyValue {
  readonly name: string;
  readonly value: string;
}

export interface SearchKeyFailure {
  readonly name: string;
  readonly message: string;
}

/** What the expressions read: as in a trigger filter, `body` and `headers`, also under `trigger`. */
export interface SearchSubject {
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The stored form of a key's result: strings, numbers and booleans as text (cut to
 * MAX_SEARCH_VALUE_LENGTH); a sequence of one such value as that value; anything else (nothing,
 * null, an object, several values) stores nothing, since a search matches one exact value.
 */
export function searchValueOf(result: unknown): string | null {
  const value = Array.isArray(result) && result.length === 1 ? result[0] : result;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'boolean') text = String(value);
  else return null;
  if (text === '') return null;
  return text.length > MAX_SEARCH_VALUE_LENGTH ? text.slice(0, MAX_SEARCH_VALUE_LENGTH) : text;
}

/**
 * Evaluates an app's search keys over one delivery within one shared time budget. A key that
 * fails, runs out of time, or yields no single value stores nothing (its failure is returned for
 * the log); it never refuses the delivery. Keys after a spent budget store nothing either.
 */
export async function extractSearchKeys(
  keys: readonly SearchKeyDefinition[],
  subject: SearchSubject,
  budgetMs: number = SEARCH_KEYS_BUDGET_MS,
  now: () => number = Date.now,
): Promise<{ values: SearchKeyValue[]; failures: SearchKeyFailure[] }> {
  const values: SearchKeyValue[] = [];
  const failures: SearchKeyFailure[] = [];
  const deadline = now() + budgetMs;
  const scope = {
    body: subject.body,
    headers: subject.headers,
    trigger: { body: subject.body, headers: subject.headers },
    nodes: {},
  };
  for (const key of keys) {
    const remaining = deadline - now();
    if (remaining < 1) {
      failures.push({
        name: key.name,
        message: `not evaluated: the ${budgetMs} ms budget of the search keys was spent`,
      });
      continue;
    }
    try {
      const value = searchValueOf(
        await evaluateExpression(key.expression, scope, {
          field: `searchKeys.${key.name}`,
          timeoutMs: remaining,
        }),
      );
      if (value !== null) values.push({ name: key.name, value });
    } catch (error) {
      failures.push({
        name: key.name,
        message: error instanceof ExpressionError || error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { values, failures };
}

/**
 * A scenario's own search keys: those of its webhook trigger node (`searchKeys` in its config),
 * evaluated for its runs besides the app's. A graph without a valid declaration has none (publish
 * validates the trigger's config, so a published version's are valid).
 */
export function scenarioSearchKeysOf(
  nodes: readonly { readonly type: string; readonly config: Readonly<Record<string, unknown>> }[],
): SearchKeyDefinition[] {
  const trigger = nodes.find((node) => node.type === 'trigger.webhook');
  const parsed = searchKeysSchema.safeParse(trigger?.config.searchKeys ?? []);
  return parsed.success ? parsed.data : [];
}

/** `base` with `own`'s values on top: a scenario's key replaces the app's key of the same name for its runs. */
export function mergeSearchKeyValues(
  base: readonly SearchKeyValue[],
  own: readonly SearchKeyValue[],
): SearchKeyValue[] {
  const names = new Set(own.map((key) => key.name));
  return [...base.filter((key) => !names.has(key.name)), ...own];
}

/** Every distinct (name, value) of several runs' values: what their delivery is found by. */
export function unionSearchKeyValues(lists: readonly (readonly SearchKeyValue[])[]): SearchKeyValue[] {
  const seen = new Set<string>();
  const out: SearchKeyValue[] = [];
  for (const list of lists) {
    for (const key of list) {
      const id = `${key.name}\u0000${key.value}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ name: key.name, value: key.value });
    }
  }
  return out;
}
