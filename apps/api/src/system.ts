import { NODE_TYPES, nodeCatalog, signatureSchemes } from '@weft/core';
import { pingDatabase, pingJobs } from '@weft/db';
import type { ApiDeps } from './deps.js';
import { PACKAGE } from './version.js';

const CHECK_TIMEOUT_MS = 2_000;

export interface CheckResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

async function timed(run: () => Promise<unknown>, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** What `GET /health` and `system.health` answer: the database and the queue, each with its latency. */
export async function checkHealth(deps: ApiDeps) {
  const [database, queue] = await Promise.all([
    timed(() => pingDatabase(deps.database)),
    timed(async () => {
      if (!deps.database.connection.db) throw new Error('the database connection is not open');
      await deps.queue.ready;
      await pingJobs(deps.database);
    }),
  ]);
  const healthy = database.ok && queue.ok;
  return {
    status: healthy ? ('ok' as const) : ('unhealthy' as const),
    checks: { database, queue },
    registry: { nodeTypes: NODE_TYPES.length, signatureSchemes: signatureSchemes.length },
  };
}

/** What `GET /system/info` and `system.info` answer. */
export function systemInfo(deps: ApiDeps) {
  const now = deps.clock();
  return {
    name: PACKAGE.name,
    version: PACKAGE.version,
    node: process.version,
    startedAt: deps.startedAt.toISOString(),
    uptimeSec: Math.max(0, Math.round((now.getTime() - deps.startedAt.getTime()) / 1000)),
    nodeTypes: nodeCatalog().map((entry) => ({
      type: entry.type,
      version: entry.version,
      title: entry.title,
      category: entry.category,
    })),
    signatureSchemes: [...signatureSchemes],
  };
}
