const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

import type { StoredBody } from '@weft/core';

export type { StoredBody };

export function storeBody(raw: Uint8Array): StoredBody {
  try {
    return { body: utf8.decode(raw), bodyEncoding: 'utf8' };
  } catch {
    return {
      body: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64'),
      bodyEncoding: 'base64',
    };
  }
}
