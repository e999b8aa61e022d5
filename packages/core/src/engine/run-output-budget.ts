import type { Step } from '../schemas/entities.js';

/**
 * How many bytes (JSON) of step outputs one run document holds at most. MongoDB refuses documents
 * over 16 MiB, and a run document also holds its input and each step's input summary: a run whose
 * outputs grew past that could never be written again. Outputs past the budget are stored as
 * truncated previews (`outputTruncated: true`), like an output over the per-step cap.
 */
export const MAX_RUN_OUTPUT_BYTES = 8 * 1024 * 1024;

/** What a stored preview keeps of an output that is not stored whole. */
const PREVIEW_CHARS = 2_000;

const encoder = new TextEncoder();

function jsonBytes(json: string): number {
  return encoder.encode(json).length;
}

/**
 * The stored outputs of a run's steps, against the run's budget. Each node's last stored output
 * counts once (a step saved again replaces its output).
 */
export class RunOutputBudget {
  private readonly stored = new Map<string, number>();
  private used = 0;

  constructor(
    private readonly limitBytes: number,
    steps: readonly Step[] = [],
  ) {
    for (const step of steps) {
      if (step.output !== undefined && step.output !== null) this.record(step.nodeId, jsonBytes(JSON.stringify(step.output)));
    }
  }

  /**
   * The output of `nodeId` as it is stored: whole when within `stepCapBytes` and what the run has
   * left, else a preview with its size (and, when the run's budget was the reason, saying so).
   */
  take(nodeId: string, output: unknown, stepCapBytes: number): { output: unknown; truncated: boolean } {
    const json = JSON.stringify(output ?? null);
    const size = jsonBytes(json);
    const left = this.limitBytes - (this.used - (this.stored.get(nodeId) ?? 0));
    if (size <= stepCapBytes && size <= left) {
      this.record(nodeId, size);
      return { output, truncated: false };
    }
    const overRun = size <= stepCapBytes;
    const preview = {
      truncated: true,
      sizeBytes: size,
      preview: json.slice(0, Math.min(PREVIEW_CHARS, stepCapBytes)),
      ...(overRun
        ? {
            reason: `the run's stored step outputs would pass ${this.limitBytes} bytes (the limit of one run document); this output is kept as a preview`,
          }
        : {}),
    };
    this.record(nodeId, jsonBytes(JSON.stringify(preview)));
    return { output: preview, truncated: true };
  }

  private record(nodeId: string, bytes: number): void {
    this.used += bytes - (this.stored.get(nodeId) ?? 0);
    this.stored.set(nodeId, bytes);
  }
}
