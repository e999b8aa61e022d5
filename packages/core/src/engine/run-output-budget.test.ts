import { describe, expect, it } from 'vitest';
import { executeRun } from './execute-run.js';
import { capOutput } from './output-cap.js';
import { MAX_RUN_OUTPUT_BYTES, RunOutputBudget } from './run-output-budget.js';
import { edge, fakeHost, node, runOf } from './test-host.js';

const STEP_CAP = 256 * 1024;

describe('RunOutputBudget', () => {
  it("is 8 MiB by default: with 256 KiB per step, far under MongoDB's 16 MiB document", () => {
    expect(MAX_RUN_OUTPUT_BYTES).toBe(8 * 1024 * 1024);
    // More steps at the per-step cap than fit: the budget, not the step count, bounds the document.
    const budget = new RunOutputBudget(MAX_RUN_OUTPUT_BYTES);
    const big = 'x'.repeat(STEP_CAP - 10);
    let storedBytes = 0;
    let truncated = 0;
    for (let i = 0; i < 64; i++) {
      const stored = budget.take(`n${i}`, big, STEP_CAP);
      storedBytes += new TextEncoder().encode(JSON.stringify(stored.output)).length;
      if (stored.truncated) truncated += 1;
    }
    // Whole outputs stay within the budget; each truncated one adds only its preview and reason (under 2.5 KB).
    expect(truncated).toBe(64 - 32);
    expect(storedBytes).toBeLessThanOrEqual(MAX_RUN_OUTPUT_BYTES + truncated * 2_500);
  });

  it('past the per-step cap: the same preview as capOutput, without a run reason', () => {
    const output = { text: 'y'.repeat(3_000) };
    expect(new RunOutputBudget(1_000_000).take('a', output, 1_000)).toEqual(capOutput(output, 1_000));
  });

  it('past what the run has left: a preview saying the run document is the reason', () => {
    const budget = new RunOutputBudget(1_000);
    expect(budget.take('a', 'x'.repeat(600), 10_000)).toEqual({ output: 'x'.repeat(600), truncated: false });
    const second = budget.take('b', 'z'.repeat(600), 10_000);
    expect(second.truncated).toBe(true);
    expect(second.output).toMatchObject({ truncated: true, sizeBytes: 602, reason: expect.stringContaining('1000 bytes') });
  });

  it("counts a node's last stored output once, and the outputs of a resumed run's steps", () => {
    const budget = new RunOutputBudget(1_000);
    budget.take('a', 'x'.repeat(600), 10_000);
    // Saved again (a retry): replaces its own share.
    expect(budget.take('a', 'x'.repeat(900), 10_000).truncated).toBe(false);
    const resumed = new RunOutputBudget(1_000, [
      { nodeId: 'a', output: 'x'.repeat(900) } as never,
    ]);
    expect(resumed.take('b', 'x'.repeat(200), 10_000).truncated).toBe(true);
  });
});

describe('executeRun with the run output budget', () => {
  it('stores outputs past the budget as truncated previews; the steps still see the whole output', async () => {
    const host = fakeHost();
    const outcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node('a', 'transform', { expression: '$pad("", 600, "a")' }),
          node('b', 'transform', { expression: '$pad("", 600, "b")' }),
          node('len', 'transform', { expression: '$length(nodes.b)' }),
        ],
        [edge('start', 'a'), edge('a', 'b'), edge('b', 'len')],
      ),
      host,
      { maxRunOutputBytes: 1_000 },
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('a')).toMatchObject({ outputTruncated: false, output: 'a'.repeat(600) });
    expect(host.last('b')).toMatchObject({
      outputTruncated: true,
      output: { truncated: true, sizeBytes: 602, reason: expect.stringContaining('limit of one run document') },
    });
    // `len` read the whole of b (600 characters); the run had no room left for its own output.
    expect(host.last('len')).toMatchObject({ outputTruncated: true, output: { preview: '600' } });
  });
});
