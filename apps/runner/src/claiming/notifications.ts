import { MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import { JOBS_COLLECTION } from '@weft/db';
import type { JobNotification, NotificationHandler } from 'agenda';
import type { mongo } from 'mongoose';

/**
 * Agenda's change-stream notification channel on the jobs collection, with bursts coalesced.
 *
 * Every job insert reaches every runner as a change event, and Agenda answers each one with a
 * lock query. An idle runner should hear of a new job at once (pickup in milliseconds), but a
 * burst of a thousand inserts need not cost a thousand lock rounds: one fill locks jobs up to the
 * lock limit anyway. So per job name the first notification passes at once, later ones within
 * `windowMs` are held back, and at the end of the window one notification stands for all of
 * them, carrying the earliest `nextRunAt` held back (so a job due now is never mistaken for a
 * later one and left to the poll).
 */
export class CoalescingChangeStreamChannel extends MongoChangeStreamNotificationChannel {
  constructor(
    db: mongo.Db,
    private readonly windowMs = 20,
  ) {
    super({ db, collection: JOBS_COLLECTION });
  }

  override subscribe(handler: NotificationHandler): () => void {
    return super.subscribe(coalesce(handler, this.windowMs));
  }
}

export function coalesce(handler: NotificationHandler, windowMs: number): NotificationHandler {
  const windows = new Map<string, { held: JobNotification | undefined }>();
  const earlier = (a: JobNotification, b: JobNotification) => {
    if (a.nextRunAt === null) return b;
    if (b.nextRunAt === null) return a;
    return a.nextRunAt <= b.nextRunAt ? a : b;
  };
  return (notification) => {
    const open = windows.get(notification.jobName);
    if (open) {
      open.held = open.held ? earlier(open.held, notification) : notification;
      return;
    }
    const window: { held: JobNotification | undefined } = { held: undefined };
    windows.set(notification.jobName, window);
    const close = () => {
      const held = window.held;
      if (!held) {
        windows.delete(notification.jobName);
        return;
      }
      // The held notification opens the next window, so a steady stream passes once per window.
      window.held = undefined;
      setTimeout(close, windowMs).unref();
      void handler(held);
    };
    setTimeout(close, windowMs).unref();
    return handler(notification);
  };
}
