// The package entry of @slack/bolt loads undici 8, which needs a newer Node than 20;
// the verifier module itself has no such dependency, so it is imported directly.
import { verifySlackRequest } from '@slack/bolt/dist/receivers/verify-request.js';
import { describe, expect, it } from 'vitest';
import { extractDeliveryId, signWebhook, verifyWebhook } from './index.js';

const config = { scheme: 'slack' } as const;
const at = (seconds: number) => new Date(seconds * 1000);

// The worked example in https://api.slack.com/authentication/verifying-requests-from-slack
const docsSecret = '8f742231b10e8888abcd99yyyzzz85a5';
const docsTimestamp = 1_531_420_618;
const docsBody = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const docsSignature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

function docsHeaders(overrides: Record<string, string | undefined> = {}) {
  return {
    'x-slack-signature': docsSignature,
    'x-slack-request-timestamp': String(docsTimestamp),
    ...overrides,
  };
}

function verifyDocs(
  headers: Record<string, string | undefined>,
  now = at(docsTimestamp),
  secret = docsSecret,
) {
  return verifyWebhook({ config, secret, headers, rawBody: docsBody, now });
}

describe('slack scheme', () => {
  it("verifies Slack's documented example", () => {
    expect(verifyDocs(docsHeaders())).toEqual({ ok: true, deliveryId: null, timestamp: at(docsTimestamp) });
  });

  it("signs Slack's documented example to the documented signature", () => {
    expect(signWebhook({ config, secret: docsSecret, rawBody: docsBody, now: at(docsTimestamp) })).toEqual({
      'X-Slack-Request-Timestamp': String(docsTimestamp),
      'X-Slack-Signature': docsSignature,
    });
  });

  it("our signature passes @slack/bolt's verifySlackRequest", () => {
    const body = '{"type":"event_callback","event":{"type":"app_mention","text":"hi"}}';
    const now = at(1_700_000_000);
    const headers = signWebhook({ config, secret: docsSecret, rawBody: Buffer.from(body), now });
    const slackHeaders = {
      'x-slack-signature': headers['X-Slack-Signature'] ?? '',
      'x-slack-request-timestamp': Number(headers['X-Slack-Request-Timestamp']),
    };
    expect(() =>
      verifySlackRequest({
        signingSecret: docsSecret,
        body,
        headers: slackHeaders,
        nowMilliseconds: now.getTime(),
      }),
    ).not.toThrow();
    expect(() =>
      verifySlackRequest({
        signingSecret: 'other',
        body,
        headers: slackHeaders,
        nowMilliseconds: now.getTime(),
      }),
    ).toThrow(/signature mismatch/);
  });

  it("@slack/bolt's verifier accepts the documented example our verify accepts", () => {
    // Bolt exports no signer; Slack's own published request stands in for "their signature".
    expect(() =>
      verifySlackRequest({
        signingSecret: docsSecret,
        body: docsBody.toString('utf8'),
        headers: { 'x-slack-signature': docsSignature, 'x-slack-request-timestamp': docsTimestamp },
        nowMilliseconds: docsTimestamp * 1000,
      }),
    ).not.toThrow();
  });

  it('rejects a wrong secret and a changed byte', () => {
    expect(verifyDocs(docsHeaders(), at(docsTimestamp), 'wrong')).toMatchObject({
      reason: 'signature_mismatch',
    });
    const tampered = Buffer.from(docsBody);
    tampered[6] = 0x58; // token=x... -> token=X...
    expect(
      verifyWebhook({
        config,
        secret: docsSecret,
        headers: docsHeaders(),
        rawBody: tampered,
        now: at(docsTimestamp),
      }),
    ).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('binds the timestamp into the signature', () => {
    expect(verifyDocs(docsHeaders({ 'x-slack-request-timestamp': String(docsTimestamp + 1) }))).toMatchObject(
      {
        reason: 'signature_mismatch',
      },
    );
  });

  it('enforces the tolerance in both directions', () => {
    expect(verifyDocs(docsHeaders(), at(docsTimestamp + 300)).ok).toBe(true);
    expect(verifyDocs(docsHeaders(), at(docsTimestamp - 300)).ok).toBe(true);
    expect(verifyDocs(docsHeaders(), at(docsTimestamp + 301))).toEqual({
      ok: false,
      reason: 'timestamp_out_of_window',
      message: 'X-Slack-Request-Timestamp 1531420618 is 301 s from now (in the past); tolerance is 300 s',
    });
    expect(verifyDocs(docsHeaders(), at(docsTimestamp - 301))).toMatchObject({
      reason: 'timestamp_out_of_window',
      message: expect.stringContaining('(in the future)'),
    });
  });

  it('reports missing and malformed headers', () => {
    expect(verifyDocs(docsHeaders({ 'x-slack-signature': undefined }))).toEqual({
      ok: false,
      reason: 'missing_signature',
      message: 'X-Slack-Signature header is missing',
    });
    expect(verifyDocs(docsHeaders({ 'x-slack-request-timestamp': undefined }))).toEqual({
      ok: false,
      reason: 'missing_timestamp',
      message: 'X-Slack-Request-Timestamp header is missing',
    });
    expect(verifyDocs(docsHeaders({ 'x-slack-request-timestamp': '-5' }))).toMatchObject({
      reason: 'malformed_timestamp',
    });
    expect(
      verifyDocs(docsHeaders({ 'x-slack-signature': docsSignature.replace('v0=', 'v1=') })),
    ).toMatchObject({
      reason: 'malformed_signature',
    });
  });

  it('does not throw on a signature of the wrong length', () => {
    expect(verifyDocs(docsHeaders({ 'x-slack-signature': 'v0=abcdef' }))).toMatchObject({
      reason: 'signature_mismatch',
      message: 'X-Slack-Signature holds a 3-byte digest; an HMAC-SHA256 is 32 bytes',
    });
  });

  it('has no delivery id header: falls back to Idempotency-Key, then null', () => {
    expect(extractDeliveryId(config, docsHeaders())).toBeNull();
    expect(extractDeliveryId(config, docsHeaders({ 'Idempotency-Key': 'k1' }))).toBe('k1');
  });
});
