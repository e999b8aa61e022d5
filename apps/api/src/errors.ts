import type { ErrorRequestHandler, Response } from 'express';
import { isDatabaseUnavailable } from '@weft/db';
import type { Logger } from 'pino';

/** A JSON error answer: `{ error: <code>, message }` plus any extra fields. */
export function sendError(
  res: Response,
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  res.status(status).json({ error, message, ...extra });
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable; nothing was stored, retry later';

/** An error raised on purpose with an HTTP status, code and user-facing message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  limit?: unknown;
  message?: unknown;
}

/**
 * The last handler: body-parser errors become 4xx answers, an unreachable database 503, anything
 * else 500 without details (they go to the log). Never lets an error take the process down.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof HttpError) {
      res.set(error.headers);
      sendError(res, error.status, error.code, error.message);
      return;
    }
    const parserError = error as BodyParserError;
    switch (parserError.type) {
      case 'entity.too.large':
        sendError(
          res,
          413,
          'payload_too_large',
          `the body is larger than the limit of ${String(parserError.limit)} bytes`,
        );
        return;
      case 'entity.parse.failed':
        sendError(res, 400, 'invalid_json', 'the body is not valid JSON');
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        sendError(res, 415, 'unsupported_encoding', String(parserError.message));
        return;
      case 'request.aborted':
        return;
      default:
        break;
    }
    if (isDatabaseUnavailable(error)) {
      logger.error({ err: error, path: req.path }, 'database unavailable');
      sendError(res, 503, 'database_unavailable', DATABASE_UNAVAILABLE_MESSAGE);
      return;
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      sendError(res, parserError.status, 'bad_request', String(parserError.message));
      return;
    }
    logger.error({ err: error, path: req.path }, 'unexpected error');
    sendError(res, 500, 'internal_error', 'an unexpected error occurred; it has been logged');
  };
}
