import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past its live size before the next full collection, in percent
 * (V8 starts near 300 % and lowers it as the heap grows). Webhook bodies of a few MiB are
 * garbage within a request, but a large string or buffer lands directly in the old generation,
 * which only a full collection frees: at V8's factor the api and a runner reached 360 to 400 MiB
 * of RSS on 1 MiB webhooks at 15/s (live data under 100 MiB); at 30 % they stay under 300 MiB,
 * for no measurable loss of throughput (`BENCH_ONLY=1mib pnpm bench`, bench/README.md).
 */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Applies {@link HEAP_GROWING_PERCENT} unless the process was started with its own
 * `--heap-growing-percent` (on the command line or in `NODE_OPTIONS`), which then wins.
 */
export function limitHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) =>
    /^--heap[-_]growing[-_]percent(=|$)/.test(arg),
  );
  if (given) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
