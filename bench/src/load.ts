import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface LoadResult {
  readonly sent: number;
  readonly byStatus: Record<number, number>;
  readonly errors: number;
  /** Latency of each answered request, in ms. */
  readonly latenciesMs: number[];
  readonly elapsedMs: number;
  /** The run ids of the accepted webhooks (202 answers). */
  readonly runIds: string[];
  /** When each answered request was sent (ms since the load started), in the order of `latenciesMs`. */
  readonly sentAtMs: number[];
}

function send(
  agent: http.Agent,
  port: number,
  request: LoadRequest,
  runIds: string[],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: request.path,
        agent,
        headers: { ...request.headers, 'content-length': String(request.body.length) },
      },
      (res) => {
        if (res.statusCode !== 202) {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as { runIds?: string[] };
            runIds.push(...(answer.runIds ?? []));
          } catch {
            // counted by status; a 202 without run ids shows as runs missing in the drain
          }
          resolve(202);
        });
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

function emptyResult(): {
  sent: number;
  byStatus: Record<number, number>;
  errors: number;
  latenciesMs: number[];
  runIds: string[];
  sentAtMs: number[];
  origin: number;
} {
  return { sent: 0, byStatus: {}, errors: 0, latenciesMs: [], runIds: [], sentAtMs: [], origin: performance.now() };
}

async function timed(
  agent: http.Agent,
  port: number,
  request: LoadRequest,
  into: ReturnType<typeof emptyResult>,
) {
  const started = performance.now();
  into.sent++;
  try {
    const status = await send(agent, port, request, into.runIds);
    into.latenciesMs.push(performance.now() - started);
    into.sentAtMs.push(started - into.origin);
    into.byStatus[status] = (into.byStatus[status] ?? 0) + 1;
  } catch {
    into.errors++;
  }
}

/**
 * Closed loop: `connections` clients each send the next request as soon as the last is answered,
 * for `durationMs` or until `done()` says so.
 */
export async function saturate(
  port: number,
  connections: number,
  durationMs: number,
  next: () => LoadRequest,
  done: () => boolean = () => false,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const result = emptyResult();
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline && !done()) await timed(agent, port, next(), result);
    }),
  );
  agent.destroy();
  return { ...result, elapsedMs: performance.now() - started };
}

/** Open loop at a fixed rate: requests leave on schedule whether or not earlier ones were answered. */
export async function fixedRate(
  port: number,
  perSecond: number,
  durationMs: number,
  next: () => LoadRequest,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const result = emptyResult();
  const started = performance.now();
  const total = Math.floor((perSecond * durationMs) / 1000);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(timed(agent, port, next(), result));
  }
  await Promise.all(pending);
  agent.destroy();
  return { ...result, elapsedMs: performance.now() - started };
}
