import type { ErrorCode } from '../errors/codes.js';
import { WeftError } from '../errors/weft-error.js';
import { SEQUENCE_LIMIT_CODES } from './compile.js';

/** JSONata's code of an expression stopped for its time budget, by JSONata or by ending its worker. */
export const TIMEOUT_CODE = 'D1012';
/** Our code (JSONata has none) of an expression whose worker went past its memory limit. */
export const MEMORY_LIMIT_CODE = 'W1001';

function errorCodeOf(jsonataCode: string | undefined): ErrorCode {
  if (jsonataCode === TIMEOUT_CODE) return 'expression_timeout';
  if (
    jsonataCode === MEMORY_LIMIT_CODE ||
    (jsonataCode !== undefined && SEQUENCE_LIMIT_CODES.has(jsonataCode))
  )
    return 'expression_limit';
  return 'expression_error';
}

/** Where an expression problem is: which node, which config field, which character of it. */
export interface ExpressionLocation {
  readonly nodeId?: string;
  /** JSON path of the config field, e.g. `headers.Authorization` or `body[2].x`. */
  readonly field?: string;
  /**
   * 0-based character offset in the field's string. For JSONata's own errors this is where
   * JSONata points: just past the offending token (the end of the expression for "Expected …").
   */
  readonly position?: number;
}

/** `node "http1", field "headers.Authorization" at 14` — the parts that are known. */
export function formatLocation(location: ExpressionLocation): string {
  const parts: string[] = [];
  if (location.nodeId !== undefined) parts.push(`node "${location.nodeId}"`);
  if (location.field !== undefined && location.field !== '') parts.push(`field "${location.field}"`);
  let out = parts.join(', ');
  if (location.position !== undefined)
    out += out === '' ? `at ${location.position}` : ` at ${location.position}`;
  return out;
}

/**
 * An expression failed to compile or evaluate: `expression_timeout` when it ran out of time
 * (retryable), `expression_limit` past a sequence or memory limit, else `expression_error`.
 * Fatal but for a timeout: the same config fails the same way again.
 */
export class ExpressionError extends WeftError {
  readonly nodeId: string | undefined;
  readonly field: string | undefined;
  readonly position: number | undefined;
  /** JSONata's error code (`S0202`, `T1006`, `D1012` …), when JSONata raised it, or `W1001` (memory). */
  readonly jsonataCode: string | undefined;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(
    location: ExpressionLocation,
    reason: string,
    options: { jsonataCode?: string; cause?: unknown } = {},
  ) {
    const where = formatLocation(location);
    super(errorCodeOf(options.jsonataCode), where === '' ? reason : `${where}: ${reason}`, {
      // Out of time may be the machine's load rather than the expression: worth another attempt
      // (a runaway one still fails, after the node's attempts). Any other expression error recurs.
      retryable: options.jsonataCode === TIMEOUT_CODE,
      cause: options.cause,
      details: {
        ...(location.nodeId === undefined ? {} : { nodeId: location.nodeId }),
        ...(location.field === undefined ? {} : { field: location.field }),
        ...(location.position === undefined ? {} : { position: location.position }),
        ...(options.jsonataCode === undefined ? {} : { jsonataCode: options.jsonataCode }),
      },
    });
    this.name = 'ExpressionError';
    this.nodeId = location.nodeId;
    this.field = location.field;
    this.position = location.position;
    this.jsonataCode = options.jsonataCode;
    this.reason = reason;
  }
}
