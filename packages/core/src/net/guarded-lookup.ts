import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { type AllowList, allowListPermitsAddress, classifyAddress } from './ip-guard.js';

/** A connection the SSRF rule refuses: the host as written, the address judged, its range. */
export interface Refusal {
  readonly host: string;
  readonly address: string;
  readonly range: string;
}

/**
 * A `lookup` for sockets that resolves the name, then refuses the connection when any address is
 * not public and not allow-listed: the rule runs on what the socket will actually connect to, so a
 * public name pointing at 127.0.0.1 is caught. `refuse` makes the caller's error.
 */
export function guardedLookup(
  allowList: AllowList,
  refuse: (refusal: Refusal) => Error,
  resolve: typeof dns.lookup = dns.lookup,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      for (const { address } of list) {
        if (allowListPermitsAddress(allowList, address)) continue;
        const verdict = classifyAddress(address);
        if (!verdict.allowed) {
          return callback(refuse({ host: hostname, address, range: verdict.range }) as NodeJS.ErrnoException, '', 0);
        }
      }
      if (list.length === 0) {
        const empty = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return callback(empty, '', 0);
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/**
 * The refusal of a URL whose host is an IP literal (sockets skip `lookup` for those), or null when
 * the host is a name (the guarded lookup judges what it resolves to) or an allowed address.
 */
export function literalHostRefusal(url: URL, allowList: AllowList): Refusal | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const verdict = classifyAddress(host);
  if (verdict.range === 'invalid') return null;
  if (verdict.allowed || allowListPermitsAddress(allowList, host)) return null;
  return { host: url.hostname, address: verdict.judged, range: verdict.range };
}
