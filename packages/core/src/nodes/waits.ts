import type { WebhookTriggerInput } from '../webhook/trigger-input.js';

/** How an approval was decided. */
export const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/**
 * How a wait ended: resumed by someone (an approval's decision with its data), by a delivery (an
 * event wait: the event is the data), or timed out.
 */
export interface WaitResolution {
  /** Set when someone decided an approval; null for an event and when the wait timed out. */
  readonly decision: ApprovalDecision | null;
  /** Who resumed it (an API token's name, "resume link", "delivery <id>"); null when it timed out. */
  readonly by: string | null;
  /** What the resumer sent along (a comment, changed values), or the event; null if nothing. */
  readonly data: unknown;
  readonly timedOut: boolean;
  readonly resolvedAt: string;
}

/** What a waiting node asks for: a wait of this step that ends at `expiresAt` at the latest. */
export type OpenWaitRequest =
  | {
      readonly kind: 'approval';
      readonly expiresAt: Date;
      /** Shown to whoever decides (the run page, the resume link's page). */
      readonly message?: string;
    }
  | {
      readonly kind: 'event';
      readonly expiresAt: Date;
      /** The app whose deliveries may end the wait. */
      readonly appId: string;
      /** Computed when the wait starts; a delivery whose `deliveryKey` yields it is offered to the wait. */
      readonly correlationKey: string;
      /** JSONata over a delivery (`{ body, headers, deliveryId, receivedAt }`): its correlation value. */
      readonly deliveryKey: string;
      /** Deliveries received this long before the wait opened are offered too. */
      readonly lookBackMs: number;
    };

/** A delivery offered to an event wait: its id in Weft and the delivery as a webhook trigger sees it. */
export interface WaitCandidate {
  readonly id: string;
  readonly event: WebhookTriggerInput;
}

/** A step's wait as the node sees it. */
export interface WaitState {
  readonly waitId: string;
  readonly expiresAt: Date;
  /** Null while nobody resumed it and it has not timed out. */
  readonly resolution: WaitResolution | null;
  /** A dry-run's stand-in: no wait was stored. */
  readonly simulated?: boolean;
}

/** How a node waits for someone: the runner stores waits, dry-run simulates them. */
export interface RunWaits {
  /**
   * Opens this step's wait, once: its id is derived from the run and step, so a retry or a
   * resumed run gets the same wait back, in its current state (resolved by now, or not).
   */
  open(request: OpenWaitRequest): Promise<WaitState>;
  /**
   * Ends the step's unresolved wait as timed out, compare-and-set: when a resume came first, its
   * resolution is returned instead, so a wait ends exactly one way.
   */
  timeOut(waitId: string): Promise<WaitResolution>;
  /**
   * An event wait's deliveries offered to it (matching its correlation key, or received in the
   * look-back window) and not dismissed yet, oldest first.
   */
  candidates(waitId: string): Promise<readonly WaitCandidate[]>;
  /** Ends an event wait with this delivery, compare-and-set as `timeOut`: the resolution that won. */
  accept(waitId: string, candidate: WaitCandidate): Promise<WaitResolution>;
  /** Offered deliveries the node found not to match: not offered again. */
  dismiss(waitId: string, candidateIds: readonly string[]): Promise<void>;
}
