import http from 'node:http';
import https from 'node:https';
import {
  type AllowList,
  allowListPermitsHost,
  EMPTY_ALLOW_LIST,
  guardedLookup,
  literalHostRefusal,
  type Refusal,
} from '@weft/core/net';

export interface TokenEndpointRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type TokenEndpoint = (
  request: TokenEndpointRequest,
  options?: { readonly allowList?: AllowList; readonly timeoutMs?: number },
) => Promise<{ readonly status: number; readonly body: string }>;

const MAX_BODY_BYTES = 1024 * 1024;

function refused({ host, address, range }: Refusal): Error {
  return new Error(
    `refused to connect to ${host}: it resolves to ${address} (${range}), a non-public address; ` +
      'add the host or address to WEFT_HTTP_ALLOW_PRIVATE to allow it',
  );
}

/**
 * `POST` to an OAuth2 token endpoint, for the code exchange of the callback: the runner's SSRF
 * rule (http/https only; private, loopback and link-local targets refused unless allow-listed,
 * judged on the resolved address), no redirects, a time limit and a size limit on the answer.
 * Rejects with a message saying what failed.
 */
export const postToTokenEndpoint: TokenEndpoint = (request, options = {}) => {
  const allowList = options.allowList ?? EMPTY_ALLOW_LIST;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(
      new Error(`only http and https token endpoints can be called, not ${url.protocol}`),
    );
  }
  const guarded = !allowListPermitsHost(allowList, url.hostname);
  const literal = guarded ? literalHostRefusal(url, allowList) : null;
  if (literal) return Promise.reject(refused(literal));
  return new Promise((resolve, reject) => {
    const outgoing = (url.protocol === 'https:' ? https : http).request({
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: {
        ...request.headers,
        'Content-Length': String(Buffer.byteLength(request.body)),
        'User-Agent': 'Weft',
      },
      agent: false,
      ...(guarded ? { lookup: guardedLookup(allowList, refused) } : {}),
    });
    const timer = setTimeout(() => {
      outgoing.destroy(
        new Error(`the token endpoint ${url.origin}${url.pathname} did not answer within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES)
          outgoing.destroy(new Error(`the token endpoint answered more than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    outgoing.end(request.body);
  });
};
