import type { ActionResult } from '../nodes/types.js';
import type { Step } from '../schemas/entities.js';

/**
 * Steps that wait for an event (a scenario call waiting for its child run, an approval waiting for
 * its decision, a `wait.event` for a delivery) rather than for a time:
 * the run is resumed when the event happens, earlier than the step's `resumeAt`, and the step then
 * runs again at once; its node looks whether the event happened and waits again if not.
 */
export function waitsForEvent(step: Step): boolean {
  return step.status === 'waiting' && step.waitingFor != null;
}

/** The step as an attempt starts: whatever it waited for is over. */
export function withoutEventWait(step: Step): Step {
  const { waitingFor: _over, ...rest } = step;
  return rest;
}

/** The step as it waits after `result`: with the event it also waits for, if any. */
export function waitingStep(step: Step, result: Extract<ActionResult, { kind: 'wait' }>): Step {
  return result.waitFor ? { ...step, waitingFor: { ...result.waitFor } } : step;
}
