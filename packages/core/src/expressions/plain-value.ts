import { isPlainObject } from './field-path.js';

/** Thrown by `toPlainValue` when a result holds a function, which config cannot carry. */
export class FunctionValueError extends Error {
  constructor() {
    super('The expression evaluated to a function; call it instead, e.g. $f()');
    this.name = 'FunctionValueError';
  }
}

function isFunctionValue(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null) return false;
  const marker = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return marker._jsonata_lambda === true || marker._jsonata_function === true;
}

/**
 * A JSONata result as plain data: its sequences (arrays with extra flags) become ordinary
 * arrays, objects are copied so nothing shares structure with the scope.
 */
export function toPlainValue(value: unknown): unknown {
  if (isFunctionValue(value)) throw new FunctionValueError();
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toPlainValue(item);
    return out;
  }
  return value;
}

/** How a value appears inside a template: text as is, objects as JSON, nothing as nothing. */
export function stringifyForTemplate(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? '';
}
