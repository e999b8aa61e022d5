import type { ResolvedApp } from './app-lookup.js';
import type { DeliveryIdentity } from './delivery-id.js';
import type { StoredBody } from './payload.js';

/** A webhook whose signature verified, as it is stored and offered to waiting runs. */
export interface VerifiedDelivery {
  readonly app: ResolvedApp;
  readonly identity: DeliveryIdentity;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string | null;
  readonly stored: StoredBody;
  /** The body as scenarios see it. */
  readonly body: unknown;
  readonly sizeBytes: number;
  readonly receivedAt: Date;
}
