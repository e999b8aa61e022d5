import type { NextFunction, Request, Response } from 'express';
import { sendError } from '../errors.js';

export interface AdmissionOptions {
  /** Webhooks being stored at once; beyond it a new one gets 503 at once. */
  readonly maxInFlight: number;
  /** When the oldest webhook being stored has waited this long, new ones get 503 until it is done. */
  readonly shedAfterMs: number;
  readonly now: () => number;
}

/**
 * Load shedding for the webhook route. A partner that gets no answer in time retries; if the api
 * keeps taking every retry while its database is slow (just restarted, or a starved machine),
 * each webhook waits behind more and more others, answers come after the partners gave up, and
 * they retry again: the queue never drains. So a webhook is refused with a cheap 503 (and
 * `Retry-After`) while admitted ones are late; those then finish in time, partners stop retrying
 * them, and the api recovers by itself. A refused webhook was not stored: the partner's retry
 * delivers it. Only the time a webhook spends being stored counts, not its upload, so a slow
 * client cannot make others be refused.
 */
export class WebhookAdmission {
  /** Start times of the webhooks being stored, oldest first (a Set keeps insertion order). */
  private readonly stores = new Set<{ readonly since: number }>();
  private admitted = 0;

  constructor(private readonly options: AdmissionOptions) {}

  /** Why a new webhook is refused now, or null to admit it. */
  refusal(): string | null {
    if (this.admitted >= this.options.maxInFlight)
      return `${this.admitted} webhooks are being stored (the limit is ${this.options.maxInFlight})`;
    const oldest = this.stores.values().next();
    if (!oldest.done) {
      const waitedMs = this.options.now() - oldest.value.since;
      if (waitedMs >= this.options.shedAfterMs)
        return `storing webhooks takes longer than ${this.options.shedAfterMs} ms (the oldest has waited ${waitedMs} ms)`;
    }
    return null;
  }

  /** Express middleware: refuses with 503 or admits the request until its answer is sent. */
  readonly admit = (_req: Request, res: Response, next: NextFunction): void => {
    const refusal = this.refusal();
    if (refusal) {
      res.set('Retry-After', '1');
      // The body is not read: the connection is closed after the answer rather than reused.
      res.set('Connection', 'close');
      sendError(res, 503, 'overloaded', `the api is overloaded: ${refusal}; retry later`);
      return;
    }
    this.admitted++;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.admitted--;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };

  /** Counts `task` as a webhook being stored while it runs. */
  async whileStoring<T>(task: () => Promise<T>): Promise<T> {
    const entry = { since: this.options.now() };
    this.stores.add(entry);
    try {
      return await task();
    } finally {
      this.stores.delete(entry);
    }
  }
}
