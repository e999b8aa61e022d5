import type { SignatureConfigInput, VerificationFailureReason } from '../signature-schemes.js';
import type { HeaderBag } from './headers.js';

export interface VerificationFailure {
  ok: false;
  reason: VerificationFailureReason;
  /** Says what was wrong and where (which header); never contains the expected signature. */
  message: string;
}

export interface VerificationSuccess {
  ok: true;
  /** The partner's id for this delivery, when it sends one (see `extractDeliveryId`). */
  deliveryId: string | null;
  /** The signed timestamp, for schemes that have one. */
  timestamp: Date | null;
}

export type VerificationResult = VerificationSuccess | VerificationFailure;

export interface VerifyWebhookInput {
  config: SignatureConfigInput;
  secret: string;
  headers: HeaderBag;
  /** The body exactly as received; a Buffer is a Uint8Array. */
  rawBody: Uint8Array;
  /** Clock used for the timestamp tolerance; defaults to the current time. */
  now?: Date;
}

export interface SignWebhookInput {
  config: SignatureConfigInput;
  secret: string;
  rawBody: Uint8Array;
  /** Signing time for schemes with a timestamp; defaults to the current time. */
  now?: Date;
  /** Delivery id for schemes that send one (a fresh one is generated when omitted). */
  id?: string;
}

/** What a scheme settles: signature and, where it is signed, the timestamp. */
export type SchemeCheck = { ok: true; timestamp: Date | null } | VerificationFailure;

export interface SchemeVerifyContext {
  config: SignatureConfigInput;
  secret: string;
  headers: HeaderBag;
  rawBody: Uint8Array;
  now: Date;
  toleranceSec: number;
}

export interface SchemeSignContext {
  config: SignatureConfigInput;
  secret: string;
  rawBody: Uint8Array;
  now: Date;
  id: string | undefined;
}

export interface SchemeImpl {
  verify(context: SchemeVerifyContext): SchemeCheck;
  /** The headers a partner using this scheme would send. */
  sign(context: SchemeSignContext): Record<string, string>;
  /**
   * The delivery id the signature covers, for schemes that sign one (Standard Webhooks' id
   * header, Stripe's event id in the signed body; `rawBody` is absent when only headers are known).
   */
  signedDeliveryId?(headers: HeaderBag, rawBody: Uint8Array | undefined): string | null;
}
