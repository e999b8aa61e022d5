import { parseArgs } from 'node:util';
import { createClient } from './client.js';
import { applyScenarios, exportScenarios, planScenarios } from './commands/scenario-files.js';
import { login } from './commands/login.js';
import { replayRun, tailRuns } from './commands/runs.js';
import { type Env, loadConfig } from './config.js';
import { CliError, describeError } from './errors.js';
import type { Output } from './output.js';

export const USAGE = `Usage: weft <command>

  login --url <url> --token <token>   check the token and keep both in ~/.config/weft/config.json
  export <dir>                        write every scenario of the workspace into <dir>, one JSON file each
  plan <dir>                          show what apply would change, and every problem
  apply <dir> [--publish]             save the drafts the files describe (and publish them); nothing when any problem exists
  runs tail [--scenario <name|id>] [--limit <n>] [--interval <ms>]
                                      print the latest runs, then new runs and status changes until Ctrl-C
  replay <runId> [--from start|failure]
                                      start a new run of a finished run

WEFT_URL and WEFT_TOKEN take precedence over the config file.`;

function positional(args: readonly string[], index: number, what: string): string {
  const value = args[index];
  if (!value) throw new CliError(`missing ${what}\n\n${USAGE}`);
  return value;
}

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${flag} must be a whole number above 0, not "${value}"`);
  return n;
}

/** Runs one command; resolves to the exit code (0 done, 1 refused or failed, 2 bad usage). */
export async function main(
  argv: readonly string[],
  env: Env,
  out: Output,
  signal: AbortSignal,
): Promise<number> {
  let url: string | null = null;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        publish: { type: 'boolean', default: false },
        scenario: { type: 'string' },
        limit: { type: 'string' },
        interval: { type: 'string' },
        from: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      out.print(USAGE);
      return values.help ? 0 : 2;
    }
    if (command === 'login') return await login({ url: values.url, token: values.token }, env, out);

    const config = await loadConfig(env);
    url = config.url;
    const client = createClient(config);
    switch (command) {
      case 'export':
        return await exportScenarios(client, positional(rest, 0, 'the directory to write into'), out);
      case 'plan':
        return await planScenarios(client, positional(rest, 0, 'the directory of scenario files'), out);
      case 'apply':
        return await applyScenarios(
          client,
          positional(rest, 0, 'the directory of scenario files'),
          { publish: values.publish },
          out,
        );
      case 'runs': {
        if (rest[0] !== 'tail')
          throw new CliError(`unknown runs command "${rest[0] ?? ''}" (runs tail)\n\n${USAGE}`);
        return await tailRuns(
          client,
          {
            ...(values.scenario === undefined ? {} : { scenario: values.scenario }),
            limit: positiveInt(values.limit, 20, '--limit'),
            intervalMs: positiveInt(values.interval, 2_000, '--interval'),
          },
          out,
          signal,
        );
      }
      case 'replay': {
        const from = values.from ?? 'start';
        if (from !== 'start' && from !== 'failure')
          throw new CliError(`--from must be start or failure, not "${from}"`);
        return await replayRun(client, positional(rest, 0, 'the id of the run to replay'), from, out);
      }
      default:
        throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    out.error(`weft: ${describeError(error, url)}`);
    return error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? 2
      : 1;
  }
}
