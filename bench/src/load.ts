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
}

function send(agent: http.Agent, port: number, request: LoadRequest): Promise<number> {
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
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
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
} {
  return { sent: 0, byStatus: {}, errors: 0, latenciesMs: [] };
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
    const status = await send(agent, port, request);
    into.latenciesMs.push(performance.now() - started);
    into.byStatus[status] = (into.byStatus[status] ?? 0) + 1;
  } catch {
    into.errors++;
  }
}

/** Closed loop: `connections` clients each send the next request as soon as the last is answered. */
export async function saturate(
  port: number,
  connections: number,
  durationMs: number,
  next: () => LoadRequest,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const result = emptyResult();
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) await timed(agent, port, next(), result);
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
