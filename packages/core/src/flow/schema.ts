import { z } from 'zod';
import { compileExpression } from '../expressions/compile.js';
import { parseTemplate } from '../expressions/template.js';

/** The stages a run of a flow-controlled scenario passes before it can start, in this order. */
export const FLOW_STAGES = ['debounce', 'throttle', 'concurrency'] as const;
export type FlowStage = (typeof FLOW_STAGES)[number];

export const MAX_FLOW_KEY_LENGTH = 500;
export const MAX_CONCURRENCY_LIMIT = 1_000;
export const MAX_THROTTLE_COUNT = 100_000;
/** Throttle windows and debounce waits: from 100 ms up to a week. */
export const MIN_FLOW_PERIOD_MS = 100;
export const MAX_FLOW_PERIOD_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The JSONata source of a key: raw JSONata (`trigger.body.customerId`, like a trigger filter) or
 * one whole-value `{{ … }}`. A template mixing text and expressions is not a key.
 */
export function flowKeySource(key: string): { ok: true; source: string } | { ok: false; message: string } {
  const trimmed = key.trim();
  if (!trimmed.startsWith('{{')) return { ok: true, source: key };
  try {
    const parsed = parseTemplate(key);
    const part = parsed.wholeValue ? parsed.parts.find((p) => p.kind === 'expression') : undefined;
    if (!part) return { ok: false, message: 'a key is one expression: write it without text around {{ }}' };
    return { ok: true, source: part.source };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

const flowKey = z
  .string()
  .trim()
  .min(1, 'key is empty: write an expression over the trigger input, e.g. trigger.body.customerId')
  .max(MAX_FLOW_KEY_LENGTH, `key is longer than ${MAX_FLOW_KEY_LENGTH} characters`)
  .superRefine((key, ctx) => {
    // The length checks above already speak for an empty or overlong key.
    if (key === '' || key.length > MAX_FLOW_KEY_LENGTH) return;
    const source = flowKeySource(key);
    if (!source.ok) {
      ctx.addIssue({ code: 'custom', message: source.message });
      return;
    }
    const compiled = compileExpression(source.source);
    if (!compiled.ok) {
      ctx.addIssue({
        code: 'custom',
        message: `key does not compile at character ${compiled.failure.position}: ${compiled.failure.message}`,
      });
    }
  });

const periodMs = (what: string) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int(`${what} must be a whole number of milliseconds`)
    .min(MIN_FLOW_PERIOD_MS, `${what} must be at least ${MIN_FLOW_PERIOD_MS} ms`)
    .max(MAX_FLOW_PERIOD_MS, `${what} must be at most ${MAX_FLOW_PERIOD_MS} ms (7 days)`);

export const concurrencyControlSchema = z.strictObject({
  key: flowKey,
  /** Runs of one key running at once; 1 runs them one after another, oldest first. */
  limit: z
    .number({ error: 'limit must be a number' })
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(MAX_CONCURRENCY_LIMIT, `limit must be at most ${MAX_CONCURRENCY_LIMIT}`),
});

export const throttleControlSchema = z.strictObject({
  key: flowKey,
  /** Runs of one key that may start per window of `periodMs`. */
  count: z
    .number({ error: 'count must be a number' })
    .int('count must be a whole number')
    .min(1, 'count must be at least 1')
    .max(MAX_THROTTLE_COUNT, `count must be at most ${MAX_THROTTLE_COUNT}`),
  periodMs: periodMs('periodMs'),
});

export const DEBOUNCE_MODES = ['last', 'all'] as const;

export const debounceControlSchema = z
  .strictObject({
    key: flowKey,
    /** Quiet time: a run starts once no other arrived for its key for this long … */
    periodMs: periodMs('periodMs'),
    /** … or once this long has passed since the first arrival of the batch, whichever is sooner. */
    maxWaitMs: periodMs('maxWaitMs'),
    /** `last`: only the latest input runs; `all`: one run gets every input of the batch, as a list. */
    mode: z.enum(DEBOUNCE_MODES, { error: 'mode must be "last" or "all"' }),
  })
  .superRefine((value, ctx) => {
    if (value.maxWaitMs < value.periodMs) {
      ctx.addIssue({ code: 'custom', path: ['maxWaitMs'], message: 'maxWaitMs must be at least periodMs' });
    }
  });

/**
 * A scenario's flow control: how its runs wait before they start, per key computed from the
 * trigger input. Absent parts do not apply. Edited on the draft, published with it; a run follows
 * its version's.
 */
export const flowControlSchema = z.strictObject({
  concurrency: concurrencyControlSchema.nullish(),
  throttle: throttleControlSchema.nullish(),
  debounce: debounceControlSchema.nullish(),
});

export type FlowControl = z.infer<typeof flowControlSchema>;
export type ConcurrencyControl = z.infer<typeof concurrencyControlSchema>;
export type ThrottleControl = z.infer<typeof throttleControlSchema>;
export type DebounceControl = z.infer<typeof debounceControlSchema>;
export type DebounceMode = (typeof DEBOUNCE_MODES)[number];

/** The parts that apply, or null when none does (what is stored). */
export function normalizedFlowControl(flow: FlowControl | null | undefined): FlowControl | null {
  if (!flow) return null;
  const out: FlowControl = {};
  if (flow.concurrency) out.concurrency = flow.concurrency;
  if (flow.throttle) out.throttle = flow.throttle;
  if (flow.debounce) out.debounce = flow.debounce;
  return hasFlowControl(out) ? out : null;
}

/** Whether any part of a flow control applies. */
export function hasFlowControl(flow: FlowControl | null | undefined): flow is FlowControl {
  return Boolean(flow && (flow.concurrency || flow.throttle || flow.debounce));
}
