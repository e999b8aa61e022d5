/** A delivery's raw body as stored: text when it is valid UTF-8, else base64. Never re-serialised. */
export interface StoredBody {
  readonly body: string;
  readonly bodyEncoding: 'utf8' | 'base64';
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json';
}

/**
 * The body as scenarios see it (`trigger.body`, and `body` in a trigger filter): parsed JSON
 * for JSON bodies (or bodies without a content type that parse as JSON), an object of fields
 * for form posts, else the text; binary bodies stay base64.
 */
export function parseStoredBody(stored: StoredBody, contentType: string | null): unknown {
  if (stored.bodyEncoding === 'base64') return stored.body;
  const type = mediaType(contentType);
  const text = stored.body;
  if (type === 'application/x-www-form-urlencoded') {
    // A Map, then own properties: a field named `__proto__` must not become a prototype.
    const fields = new Map<string, string | string[]>();
    for (const [key, value] of new URLSearchParams(text)) {
      const previous = fields.get(key);
      if (previous === undefined) fields.set(key, value);
      else fields.set(key, Array.isArray(previous) ? [...previous, value] : [previous, value]);
    }
    return Object.fromEntries(fields);
  }
  if (isJsonType(type) || type === '') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export interface WebhookTriggerInput {
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly deliveryId: string;
  readonly receivedAt: string;
}

/**
 * What a webhook run starts with (`trigger` in expressions), derived from the stored delivery
 * alone, so a run created later (a repaired dispatch, a redelivery) sees exactly the same input.
 */
export function webhookTriggerInput(delivery: {
  readonly body: string;
  readonly bodyEncoding: 'utf8' | 'base64';
  readonly contentType: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly deliveryId: string;
  readonly receivedAt: Date;
}): WebhookTriggerInput {
  return {
    body: parseStoredBody(delivery, delivery.contentType),
    headers: delivery.headers,
    deliveryId: delivery.deliveryId,
    receivedAt: delivery.receivedAt.toISOString(),
  };
}
