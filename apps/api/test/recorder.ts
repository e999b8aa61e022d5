import superjson from 'superjson';

/**
 * Every answer a test file gets from the api (in-process procedure results and errors, HTTP
 * bodies, subscription events) and every secret value it stored through the api. The harness
 * checks after each file that no answer contains a stored secret in clear: together, the files
 * cover the whole test run.
 */
export const recorder = {
  responses: [] as string[],
  secrets: new Set<string>(),
};

export function recordResponse(value: unknown): void {
  if (typeof value === 'string') {
    recorder.responses.push(value);
    return;
  }
  try {
    recorder.responses.push(superjson.stringify(value));
  } catch {
    recorder.responses.push(String(value));
  }
}

/** A secret stored through the api, and for `whsec_…` keys their bare part too. */
export function rememberSecret(value: string): void {
  if (value.length < 8) return;
  recorder.secrets.add(value);
  if (value.startsWith('whsec_') && value.length > 14) recorder.secrets.add(value.slice(6));
}

/** The stored secrets found in answers: [secret, the start of the answer holding it]. */
export function leakedSecrets(): [string, string][] {
  const found: [string, string][] = [];
  for (const secret of recorder.secrets) {
    const response = recorder.responses.find((text) => text.includes(secret));
    if (response) found.push([secret, response.slice(0, 300)]);
  }
  return found;
}

function rememberInputSecrets(path: readonly string[], input: unknown): void {
  const name = path.join('.');
  if (name !== 'connections.create' && name !== 'connections.setSecrets') return;
  const secrets = (input as { secrets?: Record<string, unknown> } | undefined)?.secrets;
  for (const value of Object.values(secrets ?? {})) if (typeof value === 'string') rememberSecret(value);
}

function recordingIterable(iterable: AsyncIterable<unknown>): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const inner = iterable[Symbol.asyncIterator]();
      return {
        async next() {
          const result = await inner.next();
          if (!result.done) recordResponse(result.value);
          return result;
        },
        async return(value?: unknown) {
          return inner.return ? inner.return(value) : { done: true as const, value: undefined };
        },
      };
    },
  };
}

/** Wraps a tRPC caller: results, errors and subscription events are recorded, stored secrets remembered. */
export function recordingCaller<T extends object>(caller: T, path: readonly string[] = []): T {
  return new Proxy(caller, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property === 'symbol' || property === 'then') return value;
      if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
        return recordingCaller(value as object, [...path, property]);
      }
      return value;
    },
    apply(target, thisArg, args: unknown[]) {
      rememberInputSecrets(path, args[0]);
      const call = async () => {
        try {
          const result = (await Reflect.apply(
            target as (...a: unknown[]) => unknown,
            thisArg,
            args,
          )) as unknown;
          if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
            return recordingIterable(result as AsyncIterable<unknown>);
          }
          recordResponse(result);
          return result;
        } catch (error) {
          recordResponse({
            message: (error as Error).message,
            cause: (error as { cause?: { message?: unknown } }).cause?.message ?? null,
          });
          throw error;
        }
      };
      return call();
    },
  });
}

/** A `fetch` for tRPC links that records every answer's body. */
export const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) return response;
  const text = await response.clone().text();
  recordResponse(text);
  return response;
};
