import type { Step } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { isDeferrable } from '../src/execution/step-writer.js';

const step = (nodeType: string, status: Step['status']): Step => ({
  nodeId: 'n',
  nodeType,
  status,
  attempts: 1,
  output: null,
  outputTruncated: false,
  error: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  firedHandles: null,
  resumeAt: null,
});

describe('isDeferrable', () => {
  it("writes a webhook reply at once: the api holding the caller's request reads it from the run", () => {
    expect(isDeferrable(step('webhook.respond', 'succeeded'))).toBe(false);
    expect(isDeferrable(step('transform', 'succeeded'))).toBe(true);
  });
});
