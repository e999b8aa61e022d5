import type { WeftClient } from '../client.js';
import { CliError } from '../errors.js';
import type { Output } from '../output.js';
import { formatRun } from '../print.js';

async function scenarioNames(client: WeftClient): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<WeftClient['scenarios']['list']['query']>> =
      await client.scenarios.list.query({
        limit: 200,
        cursor,
      });
    for (const scenario of page.items) names.set(scenario.id, scenario.name);
    cursor = page.nextCursor;
  } while (cursor);
  return names;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Prints the latest runs, then every new run and every change of status as it is seen, by
 * polling `runs.list` every `intervalMs` until `signal` aborts (Ctrl-C).
 */
export async function tailRuns(
  client: WeftClient,
  options: { scenario?: string; limit: number; intervalMs: number },
  out: Output,
  signal: AbortSignal,
): Promise<number> {
  let names = await scenarioNames(client);
  let scenarioId: string | undefined;
  if (options.scenario !== undefined) {
    const matches = [...names].filter(([id, name]) => id === options.scenario || name === options.scenario);
    if (matches.length !== 1) {
      throw new CliError(
        matches.length === 0
          ? `no scenario named "${options.scenario}" (or with that id)`
          : `${matches.length} scenarios are named "${options.scenario}"; give its id`,
      );
    }
    scenarioId = matches[0]?.[0];
  }
  const seen = new Map<string, string>();
  while (!signal.aborted) {
    const page = await client.runs.list.query({
      limit: options.limit,
      ...(scenarioId ? { scenarioId } : {}),
    });
    // Oldest first, so the output reads top to bottom in time.
    for (const run of [...page.items].reverse()) {
      if (seen.get(run.id) === run.status) continue;
      seen.set(run.id, run.status);
      if (!names.has(run.scenarioId)) names = await scenarioNames(client);
      out.print(formatRun(run, names.get(run.scenarioId) ?? run.scenarioId));
    }
    await sleep(options.intervalMs, signal);
  }
  return 0;
}

/** Starts a new run of a finished one: from the start, or from its failed step. */
export async function replayRun(
  client: WeftClient,
  runId: string,
  from: 'start' | 'failure',
  out: Output,
): Promise<number> {
  const run = await client.runs.replay.mutate({ id: runId, from });
  out.print(
    `Replaying run ${runId} from the ${from === 'start' ? 'start' : 'failed step'}: new run ${run.id} (${run.status}).`,
  );
  return 0;
}
