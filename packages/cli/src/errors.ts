import { TRPCClientError } from '@trpc/client';

/** A failure the person can act on: printed as it is, exit code 1. */
export class CliError extends Error {}

/** The api's message for a refused call, or why the server could not be reached. */
export function describeError(error: unknown, url: string | null): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    if (code === 'UNAUTHORIZED')
      return `the server refused the token: ${error.message}; run weft login again`;
    if (!code && url)
      return `cannot reach ${url}: ${error.cause instanceof Error ? error.cause.message : error.message}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
