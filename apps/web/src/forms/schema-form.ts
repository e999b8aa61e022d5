/**
 * The form model behind the side panel: a node type's config JSON Schema (from the registry
 * catalog, made by `z.toJSONSchema`) turned into fields to render, plus the value helpers the
 * fields use. Validation messages are not invented here: they come from core's `validateGraph`
 * (the zod schema) and are matched to fields by path (`problemsByField`); the form only reports
 * what it cannot even turn into a value (a number field holding letters, JSON that does not parse).
 */
import type { GraphProblem } from '@weft/core';

type JsonSchema = Record<string, unknown>;

interface FieldBase {
  readonly key: string;
  readonly path: readonly string[];
  readonly label: string;
  readonly description: string | null;
  readonly required: boolean;
  readonly default: unknown;
}

export interface StringField extends FieldBase {
  readonly kind: 'string';
  /** `template`: text with `{{ }}` parts; `raw`: the whole value is JSONata. */
  readonly expression: 'template' | 'raw';
  /** A field holding the id of an app or a connection: rendered as a picker. */
  readonly reference: 'app' | 'connection' | 'scenario' | null;
  readonly multiline: boolean;
  readonly format: string | null;
  readonly minLength: number | null;
  readonly maxLength: number | null;
}

/** JavaScript (a code node's `code`): a code editor, not an expression field. */
export interface CodeField extends FieldBase {
  readonly kind: 'code';
  readonly maxLength: number | null;
}

export interface SelectField extends FieldBase {
  readonly kind: 'select';
  readonly options: readonly string[];
}

export interface NumberField extends FieldBase {
  readonly kind: 'number';
  readonly integer: boolean;
  readonly minimum: number | null;
  readonly maximum: number | null;
}

export interface BooleanField extends FieldBase {
  readonly kind: 'boolean';
}

/** An object of string values (headers, query): rows of name and value. */
export interface MapField extends FieldBase {
  readonly kind: 'map';
}

/** Any JSON (a body, a payload): a JSON editor whose strings may hold `{{ }}`. */
export interface JsonField extends FieldBase {
  readonly kind: 'json';
}

/** `oneOf` objects told apart by a constant property (`auth.kind`). */
export interface VariantField extends FieldBase {
  readonly kind: 'variant';
  readonly discriminator: string;
  readonly variants: readonly { readonly value: string; readonly fields: readonly FormField[] }[];
}

/** An array of objects (a switch's cases): entries added, removed and reordered, each a small form. */
export interface ListField extends FieldBase {
  readonly kind: 'list';
  /** The fields of one entry, with paths relative to the entry. */
  readonly itemFields: readonly FormField[];
  readonly minItems: number | null;
  readonly maxItems: number | null;
}

export interface ObjectField extends FieldBase {
  readonly kind: 'object';
  readonly fields: readonly FormField[];
}

export type FormField =
  | StringField
  | CodeField
  | SelectField
  | NumberField
  | BooleanField
  | MapField
  | JsonField
  | VariantField
  | ListField
  | ObjectField;

export interface FormOptions {
  /** Fields holding raw JSONata (the catalog's `rawExpressionFields`: `expression`, `cases[].expression`, `pagination.items`). */
  readonly rawFields?: readonly string[];
  /** Fields holding JavaScript (the catalog's `codeFields`). */
  readonly codeFields?: readonly string[];
}

const OBJECT_ID_PATTERN = '^[0-9a-f]{24}$';

/** `timeoutMs` → "Timeout (ms)", `appId` → "App", `failOnErrorStatus` → "Fail on error status". */
export function humanize(key: string): string {
  if (key === 'appId') return 'App';
  if (key === 'connectionId') return 'Connection';
  let text = key;
  let unit = '';
  const units: Record<string, string> = { Ms: 'ms', Sec: 's', PerSec: 'per second', Mb: 'MiB' };
  for (const [suffix, label] of Object.entries(units)) {
    if (text.endsWith(suffix) && text.length > suffix.length) {
      text = text.slice(0, -suffix.length);
      unit = ` (${label})`;
    }
  }
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  const sentence = words.charAt(0).toUpperCase() + words.slice(1);
  return sentence.replace(/\burl\b/gi, 'URL').replace(/\bid\b/gi, 'ID') + unit;
}

function asSchema(value: unknown): JsonSchema | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : null;
}

function numberOr(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function constOf(schema: JsonSchema, key: string): string | null {
  const property = asSchema(asSchema(schema.properties)?.[key]);
  if (!property) return null;
  if (typeof property.const === 'string') return property.const;
  const values = property.enum;
  return Array.isArray(values) && values.length === 1 && typeof values[0] === 'string' ? values[0] : null;
}

/** The property every `oneOf` branch pins to a constant: the discriminator. */
function discriminatorOf(branches: readonly JsonSchema[]): string | null {
  const first = branches[0];
  if (!first) return null;
  const candidates = Object.keys(asSchema(first.properties) ?? {});
  return candidates.find((key) => branches.every((branch) => constOf(branch, key) !== null)) ?? null;
}

function fieldFor(
  key: string,
  schema: JsonSchema,
  path: readonly string[],
  required: boolean,
  options: FormOptions,
): FormField {
  const base: FieldBase = {
    key,
    path,
    label: humanize(key),
    description: typeof schema.description === 'string' ? schema.description : null,
    required,
    default: schema.default,
  };
  const branches = (Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : [])
    .map(asSchema)
    .filter((branch): branch is JsonSchema => branch !== null);
  if (branches.length > 0) {
    const discriminator = discriminatorOf(branches);
    if (discriminator) {
      return {
        ...base,
        kind: 'variant',
        discriminator,
        variants: branches.map((branch) => ({
          value: constOf(branch, discriminator) ?? '',
          fields: objectFields(branch, path, options).filter((field) => field.key !== discriminator),
        })),
      };
    }
    return { ...base, kind: 'json' };
  }
  const type = schema.type;
  if (Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string')) {
    return { ...base, kind: 'select', options: schema.enum as string[] };
  }
  if (type === 'string' && path.length === 1 && (options.codeFields ?? []).includes(key)) {
    return { ...base, kind: 'code', maxLength: numberOr(schema.maxLength) };
  }
  if (type === 'string') {
    // A raw field is named by its path: `expression`, `pagination.items`.
    const isRaw = (options.rawFields ?? []).includes(path.join('.'));
    const pattern = typeof schema.pattern === 'string' ? schema.pattern : null;
    const maxLength = numberOr(schema.maxLength);
    return {
      ...base,
      kind: 'string',
      expression: isRaw ? 'raw' : 'template',
      reference:
        pattern === OBJECT_ID_PATTERN && key === 'appId'
          ? 'app'
          : pattern === OBJECT_ID_PATTERN && key === 'connectionId'
            ? 'connection'
            : pattern === OBJECT_ID_PATTERN && key === 'scenarioId'
              ? 'scenario'
              : null,
      multiline: isRaw || key === 'message' || (maxLength !== null && maxLength > 2_000),
      format: typeof schema.format === 'string' ? schema.format : null,
      minLength: numberOr(schema.minLength),
      maxLength,
    };
  }
  if (type === 'integer' || type === 'number') {
    return {
      ...base,
      kind: 'number',
      integer: type === 'integer',
      minimum: numberOr(schema.minimum),
      maximum: numberOr(schema.maximum),
    };
  }
  if (type === 'boolean') return { ...base, kind: 'boolean' };
  const items = asSchema(schema.items);
  if (type === 'array' && path.length === 1 && items?.type === 'object' && asSchema(items.properties)) {
    // An entry's raw fields are named `<list>[].<field>`; inside the entry they are top-level.
    const prefix = `${key}[].`;
    const rawFields = (options.rawFields ?? [])
      .filter((f) => f.startsWith(prefix))
      .map((f) => f.slice(prefix.length));
    return {
      ...base,
      kind: 'list',
      itemFields: objectFields(items, [], { rawFields }),
      minItems: numberOr(schema.minItems),
      maxItems: numberOr(schema.maxItems),
    };
  }
  if (type === 'object') {
    const additional = asSchema(schema.additionalProperties);
    if (!asSchema(schema.properties) && additional?.type === 'string') return { ...base, kind: 'map' };
    if (asSchema(schema.properties)) return { ...base, kind: 'object', fields: objectFields(schema, path, options) };
  }
  return { ...base, kind: 'json' };
}

function objectFields(schema: JsonSchema, path: readonly string[], options: FormOptions): FormField[] {
  const properties = asSchema(schema.properties) ?? {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(properties).flatMap(([key, value]) => {
    const property = asSchema(value);
    return property ? [fieldFor(key, property, [...path, key], required.has(key), options)] : [];
  });
}

/** The fields of a config schema, in the schema's property order. */
export function formFields(schema: Record<string, unknown>, options: FormOptions = {}): FormField[] {
  return objectFields(schema, [], options);
}

// ── values ─────────────────────────────────────────────────────────────────────────────────────

export function getAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A copy of `config` with `value` at `path`; `undefined` removes the key (and empty parents). */
export function setAt(
  config: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return config;
  const next = { ...config };
  if (rest.length === 0) {
    if (value === undefined) delete next[head];
    else next[head] = value;
    return next;
  }
  const child = next[head];
  const childObject =
    typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  const updated = setAt(childObject, rest, value);
  if (Object.keys(updated).length === 0) delete next[head];
  else next[head] = updated;
  return next;
}

export type ParsedInput = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/**
 * A number field's text: a number, an expression (kept as text: it is checked when it runs),
 * or empty (unset).
 */
export function parseNumberInput(text: string, integer: boolean): ParsedInput {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  if (trimmed.includes('{{')) return { ok: true, value: text };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { ok: false, message: 'Enter a number, or an expression in {{ }}' };
  if (integer && !Number.isInteger(value)) return { ok: false, message: 'Enter a whole number' };
  return { ok: true, value };
}

export function numberText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'number' ? String(value) : String(value);
}

/** Rows of a map field, and back (rows with an empty name are left out of the value). */
export function mapRows(value: unknown): { name: string; value: string }[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => ({
    name,
    value: typeof v === 'string' ? v : JSON.stringify(v),
  }));
}

export function rowsToMap(rows: readonly { name: string; value: string }[]): Record<string, string> | undefined {
  const entries = rows.filter((row) => row.name.trim() !== '').map((row) => [row.name.trim(), row.value] as const);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

// ── problems ───────────────────────────────────────────────────────────────────────────────────

/** A problem's message without the `Node "x" (type) field "y": ` preamble the field already shows. */
export function fieldMessage(problem: Pick<GraphProblem, 'message'>): string {
  const text = problem.message.replace(/^Node "[^"]*" \([^)]*\) field "[^"]*": /, '');
  if (/expected [a-z]+, received undefined$/i.test(text)) return 'Required';
  return text.replace(/^Invalid input: /, '');
}

export const pathKey = (path: readonly (string | number)[]): string => path.map(String).join('.');

/** The config problems of one node by field path (`auth.header`); a parent path collects its children's too. */
export function problemsByField(problems: readonly GraphProblem[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const problem of problems) {
    if (problem.code !== 'invalid_config' || !problem.path) continue;
    const key = pathKey(problem.path);
    const list = map.get(key) ?? [];
    list.push(fieldMessage(problem));
    map.set(key, list);
  }
  return map;
}

/** Keys of `byField` that no field of the form shows (so the panel lists them on top). */
export function unplacedProblemKeys(fields: readonly FormField[], byField: ReadonlyMap<string, string[]>): string[] {
  const shown = new Set<string>();
  const visit = (list: readonly FormField[]) => {
    for (const field of list) {
      shown.add(pathKey(field.path));
      if (field.kind === 'object') visit(field.fields);
      if (field.kind === 'variant') for (const variant of field.variants) visit(variant.fields);
    }
  };
  visit(fields);
  // Problems of a list's entries (`cases.1.id`) show inside the entry.
  const lists = fields.filter((field) => field.kind === 'list').map((field) => `${pathKey(field.path)}.`);
  return [...byField.keys()].filter((key) => {
    if (shown.has(key) || lists.some((prefix) => key.startsWith(prefix))) return false;
    // `headers.X-Id` belongs to the `headers` map field.
    const parent = key.split('.').slice(0, -1).join('.');
    return !shown.has(parent) || parent === '';
  });
}

// ── lists ──────────────────────────────────────────────────────────────────────────────────────

/** The problems of entry `index` of list `key`, keyed relative to the entry. */
export function itemProblems(
  problems: ReadonlyMap<string, readonly string[]>,
  key: string,
  index: number,
): Map<string, readonly string[]> {
  const prefix = `${key}.${index}.`;
  const out = new Map<string, readonly string[]>();
  for (const [problemKey, list] of problems) {
    if (problemKey.startsWith(prefix)) out.set(problemKey.slice(prefix.length), list);
  }
  return out;
}

/**
 * A new entry for a list: an entry with an `id` field gets a free `case_<n>` (ids name a switch's
 * outputs, so they are stable and never reused while taken) and a matching label.
 */
export function newListItem(field: ListField, items: readonly unknown[]): Record<string, unknown> {
  const keys = new Set(field.itemFields.map((f) => f.key));
  const taken = new Set(
    items.map((item) => (item as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string'),
  );
  let n = items.length + 1;
  while (taken.has(`case_${n}`)) n++;
  const item: Record<string, unknown> = {};
  if (keys.has('id')) item.id = `case_${n}`;
  if (keys.has('label')) item.label = `Case ${n}`;
  return item;
}

/** `items` with entry `from` moved to `to` (a new array). */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  const next = [...items];
  if (to < 0 || to >= next.length) return next;
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved as T);
  return next;
}
