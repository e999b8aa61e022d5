/** How an approval was decided. */
export const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** How a wait ended: resumed by someone (a decision with its data), or timed out. */
export interface WaitResolution {
  /** Set when someone resumed an approval; null when the wait timed out. */
  readonly decision: ApprovalDecision | null;
  /** Who resumed it (an API token's name, "resume link"); null when it timed out. */
  readonly by: string | null;
  /** What the resumer sent along (a comment, changed values); null if nothing. */
  readonly data: unknown;
  readonly timedOut: boolean;
  readonly resolvedAt: string;
}

/** What a waiting node asks for: a wait of this step that ends at `expiresAt` at the latest. */
export interface OpenWaitRequest {
  readonly kind: 'approval';
  readonly expiresAt: Date;
  /** Shown to whoever decides (the run page, the resume link's page). */
  readonly message?: string;
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
}
