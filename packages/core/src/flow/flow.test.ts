import { describe, expect, it } from 'vitest';
import {
  debounceDueAt,
  FlowKeyError,
  flowControlSchema,
  flowKeyOf,
  nextFlowStage,
  runFlowOf,
  throttleWindowStart,
} from './index.js';

function issues(value: unknown) {
  const parsed = flowControlSchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('flow control config', () => {
  it('accepts each part and their combination', () => {
    const flow = {
      concurrency: { key: 'trigger.body.customerId', limit: 1 },
      throttle: { key: '{{ trigger.body.customerId }}', count: 5, periodMs: 1_000 },
      debounce: { key: 'trigger.body.id', periodMs: 500, maxWaitMs: 5_000, mode: 'all' },
    };
    expect(issues(flow)).toEqual([]);
    expect(issues({})).toEqual([]);
  });

  it('names the field of each problem', () => {
    expect(issues({ concurrency: { key: 'trigger.body.(', limit: 1 } })[0]).toMatch(
      /^concurrency\.key: key does not compile at character \d+/,
    );
    expect(issues({ concurrency: { key: '  ', limit: 1 } })).toEqual([
      'concurrency.key: key is empty: write an expression over the trigger input, e.g. trigger.body.customerId',
    ]);
    expect(issues({ concurrency: { key: 'a', limit: 0 } })).toEqual(['concurrency.limit: limit must be at least 1']);
    expect(issues({ throttle: { key: 'a', count: 2, periodMs: 10 } })).toEqual([
      'throttle.periodMs: periodMs must be at least 100 ms',
    ]);
    expect(issues({ throttle: { key: 'a', count: 1.5, periodMs: 1000 } })).toEqual([
      'throttle.count: count must be a whole number',
    ]);
    expect(issues({ debounce: { key: 'a', periodMs: 1000, maxWaitMs: 500, mode: 'last' } })).toEqual([
      'debounce.maxWaitMs: maxWaitMs must be at least periodMs',
    ]);
    expect(issues({ debounce: { key: 'a', periodMs: 1000, maxWaitMs: 1000, mode: 'first' } })).toEqual([
      'debounce.mode: mode must be "last" or "all"',
    ]);
    expect(issues({ concurrency: { key: '{{ trigger.a }}-{{ trigger.b }}', limit: 1 } })).toEqual([
      'concurrency.key: a key is one expression: write it without text around {{ }}',
    ]);
    expect(issues({ concurrency: { key: 'a', limit: 1, extra: true } })[0]).toMatch(/^concurrency: /);
  });
});

describe('run flow', () => {
  it('computes each key from the trigger input', async () => {
    const flow = await runFlowOf(
      {
        concurrency: { key: 'trigger.body.customer', limit: 2 },
        throttle: { key: '{{ trigger.body.n }}', count: 3, periodMs: 1000 },
        debounce: { key: 'trigger.body.missing', periodMs: 100, maxWaitMs: 200, mode: 'last' },
      },
      { body: { customer: 'c-1', n: 7 } },
    );
    expect(flow).toEqual({
      concurrency: { key: 'c-1', limit: 2 },
      throttle: { key: '7', count: 3, periodMs: 1000 },
      debounce: { key: '', periodMs: 100, maxWaitMs: 200, mode: 'last' },
    });
  });

  it('fails a key that cannot be evaluated, naming its field', async () => {
    const failing = runFlowOf({ concurrency: { key: '$number("x")', limit: 1 } }, {});
    await expect(failing).rejects.toBeInstanceOf(FlowKeyError);
    await expect(failing).rejects.toThrow(/^flowControl\.concurrency\.key: /);
  });

  it('keys other values as JSON', () => {
    expect(flowKeyOf({ a: 1 })).toBe('{"a":1}');
    expect(flowKeyOf(true)).toBe('true');
    expect(flowKeyOf(null)).toBe('');
  });

  it('goes through the stages in order, skipping absent ones', () => {
    const flow = { debounce: { key: '', periodMs: 100, maxWaitMs: 100, mode: 'last' as const }, concurrency: { key: '', limit: 1 } };
    expect(nextFlowStage(flow)).toBe('debounce');
    expect(nextFlowStage(flow, 'debounce')).toBe('concurrency');
    expect(nextFlowStage(flow, 'concurrency')).toBeNull();
    expect(nextFlowStage({})).toBeNull();
  });

  it('computes throttle windows and debounce due times', () => {
    expect(throttleWindowStart(new Date(2_500), 1_000).getTime()).toBe(2_000);
    expect(debounceDueAt(new Date(0), new Date(300), 500, 2_000).getTime()).toBe(800);
    expect(debounceDueAt(new Date(0), new Date(1_800), 500, 2_000).getTime()).toBe(2_000);
  });
});
