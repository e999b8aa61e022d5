import { CODE_LIMITS } from '../code/limits.js';
import type { CodeLogLine, CodeRunError, CodeRunOutcome, CodeRunRequest } from '../code/types.js';
import { CODE_FILE_NAME, wrapCode } from '../code/wrapper.js';
import { LOG_LEVELS, type LogLevel } from '../schemas/entities.js';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { codeFrames } from './frames.js';
import { PRELUDE } from './prelude.js';
import { quickJSInstance } from './quickjs.js';

/** QuickJS's own stack limit: low enough that it, not the host's stack, stops deep recursion. */
const MAX_STACK_BYTES = 256 * 1024;

/** CPU time of this process in milliseconds: the sandbox runs synchronously on this thread. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1_000;
}

class Limits {
  timedOut = false;
  constructor(
    readonly request: CodeRunRequest,
    readonly memory: WebAssembly.Memory,
  ) {}
  timeout(): CodeRunError {
    return {
      kind: 'timeout',
      message: `the code ran longer than its CPU-time limit of ${this.request.timeLimitMs} ms`,
    };
  }
  outOfMemory(): CodeRunError {
    const mib = Math.round(this.request.memoryLimitBytes / 1_048_576);
    return { kind: 'memory', message: `the code used more than its memory limit of ${mib} MiB` };
  }
}

function heapFull(limits: Limits): boolean {
  return limits.memory.buffer.byteLength + 65_536 > limits.request.memoryLimitBytes;
}

/** A QuickJS exception as the node reports it. */
function errorOf(
  vm: QuickJSContext,
  handle: QuickJSHandle,
  limits: Limits,
  fallback: CodeRunError['kind'],
): CodeRunError {
  if (limits.timedOut) return limits.timeout();
  let dumped: unknown;
  try {
    dumped = vm.dump(handle);
  } catch {
    dumped = undefined;
  }
  if (dumped !== null && typeof dumped === 'object' && 'message' in dumped) {
    const error = dumped as { name?: unknown; message?: unknown; stack?: unknown };
    const name = typeof error.name === 'string' ? error.name : 'Error';
    const message = String(error.message);
    if (name === 'InternalError' && message === 'out of memory') return limits.outOfMemory();
    const kind = name === 'SyntaxError' && fallback === 'syntax' ? 'syntax' : fallback;
    return { kind, name, message: `${name}: ${message}`, ...codeFrames(error.stack) };
  }
  // Out of memory, QuickJS may not even manage to build its error: what is thrown is then empty.
  if ((dumped === undefined || dumped === null) && heapFull(limits)) return limits.outOfMemory();
  return { kind: fallback === 'syntax' ? 'thrown' : fallback, message: `threw ${describeThrown(dumped)}` };
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function logLevel(text: string): LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text) ? (text as LogLevel) : 'info';
}

/** Keeps `console.*` lines within the limits; the last line says how many were dropped. */
function logCollector() {
  const lines: CodeLogLine[] = [];
  let dropped = 0;
  return {
    add(level: LogLevel, message: string) {
      if (lines.length < CODE_LIMITS.maxLogLines)
        lines.push({ level, message: message.slice(0, CODE_LIMITS.maxLogLineChars) });
      else dropped++;
    },
    lines(): CodeLogLine[] {
      return dropped === 0
        ? lines
        : [
            ...lines,
            {
              level: 'warn',
              message: `${dropped} more console lines were dropped (at most ${CODE_LIMITS.maxLogLines})`,
            },
          ];
    },
  };
}

type Step<T> = { ok: true; value: T } | { ok: false; error: CodeRunError };

/** Runs the steps of one execution inside a context; every handle it makes is disposed. */
function execute(
  vm: QuickJSContext,
  runtime: QuickJSRuntime,
  request: CodeRunRequest,
  limits: Limits,
  logs: ReturnType<typeof logCollector>,
): Step<unknown> {
  const owned: QuickJSHandle[] = [];
  const own = (handle: QuickJSHandle) => {
    owned.push(handle);
    return handle;
  };
  const settle = (
    result: ReturnType<QuickJSContext['evalCode']>,
    kind: CodeRunError['kind'],
  ): Step<QuickJSHandle> =>
    'error' in result && result.error
      ? { ok: false, error: errorOf(vm, own(result.error), limits, kind) }
      : { ok: true, value: own((result as { value: QuickJSHandle }).value) };
  try {
    const hostLog = own(
      vm.newFunction('log', (level, text) => {
        logs.add(logLevel(vm.getString(level)), vm.getString(text));
      }),
    );
    const setup = settle(vm.evalCode(PRELUDE, 'prelude.js'), 'thrown');
    if (!setup.ok) return setup;
    const toJson = settle(vm.callFunction(setup.value, vm.undefined, hostLog), 'thrown');
    if (!toJson.ok) return toJson;

    const json = own(vm.getProp(vm.global, 'JSON'));
    const parse = own(vm.getProp(json, 'parse'));
    const { input, trigger, nodes, run, item, index } = request.data;
    const data = JSON.stringify([input, trigger, nodes, run, item, index]);
    const args = settle(vm.callFunction(parse, json, own(vm.newString(data))), 'thrown');
    if (!args.ok && args.error.kind === 'memory') {
      const mib = (data.length / 1_048_576).toFixed(1);
      return {
        ok: false,
        error: {
          ...args.error,
          message: `the code's data (${mib} MiB as JSON) does not fit its memory limit of ${Math.round(request.memoryLimitBytes / 1_048_576)} MiB`,
        },
      };
    }
    if (!args.ok) return args;
    const params = [0, 1, 2, 3, 4, 5].map((i) => own(vm.getProp(args.value, i)));

    const fn = settle(vm.evalCode(wrapCode(request.code), CODE_FILE_NAME), 'syntax');
    if (!fn.ok) return fn;
    const promise = settle(vm.callFunction(fn.value, vm.undefined, ...params), 'thrown');
    if (!promise.ok) return promise;
    const jobs = runtime.executePendingJobs();
    if (jobs.error) return { ok: false, error: errorOf(vm, own(jobs.error), limits, 'thrown') };

    const state = vm.getPromiseState(promise.value);
    if (state.type === 'pending')
      return {
        ok: false,
        error: {
          kind: 'pending',
          message: 'the code awaited something that never settles (nothing outside the code can resolve it)',
        },
      };
    if (state.type === 'rejected')
      return { ok: false, error: errorOf(vm, own(state.error), limits, 'thrown') };
    const value = own(state.value);
    const serialised = settle(vm.callFunction(toJson.value, vm.undefined, value), 'result');
    if (!serialised.ok) return serialised;
    return { ok: true, value: JSON.parse(vm.getString(serialised.value)) };
  } finally {
    for (const handle of owned.reverse()) if (handle.alive) handle.dispose();
  }
}

/**
 * Runs a code node's JavaScript in a fresh QuickJS runtime and context: no `process`, `require`,
 * `fetch`, timers, file system or network exist in it; its data comes in as JSON and its result
 * leaves as JSON. Hard limits: CPU time (QuickJS's interrupt handler, checked as it runs) and
 * memory (the instance's heap). Node-only (it reads the WebAssembly file).
 */
export async function runCodeInSandbox(request: CodeRunRequest): Promise<CodeRunOutcome> {
  const { quickjs, memory } = await quickJSInstance(request.memoryLimitBytes);
  const limits = new Limits(request, memory);
  const logs = logCollector();
  const runtime = quickjs.newRuntime();
  runtime.setMaxStackSize(MAX_STACK_BYTES);
  const started = cpuMs();
  runtime.setInterruptHandler(() => {
    if (cpuMs() - started > request.timeLimitMs) limits.timedOut = true;
    return limits.timedOut;
  });
  const vm = runtime.newContext();
  let step: Step<unknown>;
  try {
    step = execute(vm, runtime, request, limits, logs);
  } catch (error) {
    // The instance itself failed (its heap could not grow, or it aborted): it is dropped whole.
    if (limits.timedOut) step = { ok: false, error: limits.timeout() };
    else if (heapFull(limits)) step = { ok: false, error: limits.outOfMemory() };
    else throw error;
    return { ok: false, error: step.error, logs: logs.lines(), cpuMs: cpuMs() - started };
  }
  const used = cpuMs() - started;
  try {
    vm.dispose();
    runtime.dispose();
  } catch {
    // A runtime stopped by a limit may not free cleanly; the instance and its memory are dropped anyway.
  }
  return step.ok
    ? { ok: true, value: step.value, logs: logs.lines(), cpuMs: used }
    : { ok: false, error: step.error, logs: logs.lines(), cpuMs: used };
}
