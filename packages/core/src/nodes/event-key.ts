import { evaluateExpression } from '../expressions/resolve.js';
import type { WebhookTriggerInput } from '../webhook/trigger-input.js';

/**
 * A delivery's correlation value for an event wait: `deliveryKey` (JSONata) over the delivery as
 * a webhook trigger sees it (`{ body, headers, deliveryId, receivedAt }`), as text. Null when it
 * yields nothing usable (no value, an object, an evaluation error on this delivery's shape): such a
 * delivery matches no wait. The api and the node compute it alike, so both agree on a match.
 */
export async function deliveryCorrelationKey(
  deliveryKey: string,
  delivery: WebhookTriggerInput,
): Promise<string | null> {
  let value: unknown;
  try {
    // As a trigger filter sees a delivery: its fields at the top, and as `trigger`.
    value = await evaluateExpression(
      deliveryKey,
      { ...delivery, trigger: delivery, nodes: {} },
      { field: 'deliveryKey' },
    );
  } catch {
    return null;
  }
  return correlationText(value);
}

/** A correlation value as it is stored and compared: strings as they are, numbers and booleans as text. */
export function correlationText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return null;
}
