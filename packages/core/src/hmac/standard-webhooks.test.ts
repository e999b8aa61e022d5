import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { extractDeliveryId, signWebhook, verifyWebhook } from './index.js';

const config = { scheme: 'standard-webhooks' } as const;

// The example in the Standard Webhooks specification (spec/standard-webhooks.md).
const specSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const specId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const specTimestamp = 1_614_265_330;
const specBody = Buffer.from('{"test": 2432232314}');
const specSignature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const at = (seconds: number) => new Date(seconds * 1000);

function specHeaders(overrides: Record<string, string | undefined> = {}) {
  return {
    'webhook-id': specId,
    'webhook-timestamp': String(specTimestamp),
    'webhook-signature': specSignature,
    ...overrides,
  };
}

function verifySpec(
  headers: Record<string, string | undefined>,
  now = at(specTimestamp),
  secret = specSecret,
) {
  return verifyWebhook({ config, secret, headers, rawBody: specBody, now });
}

describe('standard-webhooks scheme', () => {
  it('verifies the example from the specification', () => {
    expect(verifySpec(specHeaders())).toEqual({ ok: true, deliveryId: specId, timestamp: at(specTimestamp) });
  });

  it('signs the specification example to the published signature', () => {
    expect(
      signWebhook({ config, secret: specSecret, rawBody: specBody, now: at(specTimestamp), id: specId }),
    ).toEqual(specHeaders());
  });

  it('accepts the key without the whsec_ prefix', () => {
    expect(verifySpec(specHeaders(), at(specTimestamp), 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').ok).toBe(true);
  });

  it('our headers pass the standardwebhooks library, whose signature passes ours', () => {
    const secret = 'whsec_dGhpcyBpcyBhIHdlZnQgdGVzdCBrZXkgMTIzNA==';
    const payload = '{"type":"invoice.paid","data":{"amount":4200}}';
    const now = new Date();
    const ours = signWebhook({ config, secret, rawBody: Buffer.from(payload), now, id: 'msg_weft_1' });
    expect(new StandardWebhook(secret).verify(payload, ours)).toEqual(JSON.parse(payload));

    const theirs = new StandardWebhook(secret).sign('msg_theirs', now, payload);
    const headers = {
      'webhook-id': 'msg_theirs',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': theirs,
    };
    expect(verifyWebhook({ config, secret, headers, rawBody: Buffer.from(payload), now })).toMatchObject({
      ok: true,
      deliveryId: 'msg_theirs',
    });
  });

  it('interoperates with svix, including the svix-* header names', () => {
    const secret = specSecret;
    const payload = '{"event":"user.created"}';
    const now = new Date();
    const ours = signWebhook({ config, secret, rawBody: Buffer.from(payload), now, id: 'msg_svix_1' });
    const svix = new SvixWebhook(secret);
    expect(() => svix.verify(payload, ours)).not.toThrow();
    const asSvixHeaders = {
      'svix-id': ours['webhook-id'] ?? '',
      'svix-timestamp': ours['webhook-timestamp'] ?? '',
      'svix-signature': ours['webhook-signature'] ?? '',
    };
    expect(() => svix.verify(payload, asSvixHeaders)).not.toThrow();

    const theirSignature = svix.sign('msg_from_svix', now, payload);
    const headers = {
      'svix-id': 'msg_from_svix',
      'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
      'svix-signature': theirSignature,
    };
    expect(verifyWebhook({ config, secret, headers, rawBody: Buffer.from(payload), now })).toMatchObject({
      ok: true,
      deliveryId: 'msg_from_svix',
    });
    expect(extractDeliveryId(config, headers)).toBe('msg_from_svix');
  });

  it('passes when only the second of several signatures is valid and skips unknown versions', () => {
    const wrong = 'v1,Ksi2n2dfOoQgh4fUMe8SeEm7DMvu4Aq7XQMhLNUnrdE=';
    const asymmetric =
      'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==';
    expect(
      verifySpec(specHeaders({ 'webhook-signature': `${asymmetric} ${wrong} ${specSignature}` })).ok,
    ).toBe(true);
    expect(verifySpec(specHeaders({ 'webhook-signature': `${wrong} ${asymmetric}` }))).toEqual({
      ok: false,
      reason: 'signature_mismatch',
      message:
        'webhook-signature does not match the HMAC-SHA256 of "<id>.<timestamp>.<raw body>" computed with the configured secret (wrong secret, or the body was altered)',
    });
    expect(verifySpec(specHeaders({ 'webhook-signature': asymmetric }))).toEqual({
      ok: false,
      reason: 'malformed_signature',
      message: 'webhook-signature has no "v1,<base64>" entry (found: v1a)',
    });
  });

  it('rejects a wrong secret, a changed byte, a changed id and a changed timestamp', () => {
    expect(
      verifySpec(specHeaders(), at(specTimestamp), 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    ).toMatchObject({
      reason: 'signature_mismatch',
    });
    const tampered = Buffer.from(specBody);
    tampered[tampered.length - 2] = 0x35; // "...2314}" -> "...2315}"
    expect(
      verifyWebhook({
        config,
        secret: specSecret,
        headers: specHeaders(),
        rawBody: tampered,
        now: at(specTimestamp),
      }),
    ).toMatchObject({ reason: 'signature_mismatch' });
    expect(verifySpec(specHeaders({ 'webhook-id': 'msg_other' }))).toMatchObject({
      reason: 'signature_mismatch',
    });
    expect(
      verifySpec(specHeaders({ 'webhook-timestamp': String(specTimestamp + 1) }), at(specTimestamp)),
    ).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('enforces the tolerance in both directions with a message naming the header', () => {
    expect(verifySpec(specHeaders(), at(specTimestamp + 300)).ok).toBe(true);
    expect(verifySpec(specHeaders(), at(specTimestamp - 300)).ok).toBe(true);
    expect(verifySpec(specHeaders(), at(specTimestamp + 412))).toEqual({
      ok: false,
      reason: 'timestamp_out_of_window',
      message: 'webhook-timestamp 1614265330 is 412 s from now (in the past); tolerance is 300 s',
    });
    expect(verifySpec(specHeaders(), at(specTimestamp - 301))).toEqual({
      ok: false,
      reason: 'timestamp_out_of_window',
      message: 'webhook-timestamp 1614265330 is 301 s from now (in the future); tolerance is 300 s',
    });
  });

  it('reports each missing or malformed header', () => {
    expect(verifySpec(specHeaders({ 'webhook-signature': undefined }))).toMatchObject({
      reason: 'missing_signature',
    });
    expect(verifySpec(specHeaders({ 'webhook-id': undefined }))).toMatchObject({
      reason: 'missing_signature',
      message: expect.stringMatching(/^webhook-id header is missing/),
    });
    expect(verifySpec(specHeaders({ 'webhook-timestamp': undefined }))).toEqual({
      ok: false,
      reason: 'missing_timestamp',
      message: 'webhook-timestamp header is missing',
    });
    expect(verifySpec(specHeaders({ 'webhook-timestamp': '2021-02-26T00:00:00Z' }))).toMatchObject({
      reason: 'malformed_timestamp',
    });
    expect(
      verifySpec(specHeaders({ 'webhook-signature': 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' })),
    ).toMatchObject({
      reason: 'malformed_signature',
    });
    expect(verifySpec(specHeaders({ 'webhook-signature': 'v1,not*base64' }))).toEqual({
      ok: false,
      reason: 'malformed_signature',
      message: 'webhook-signature v1 entries are not base64',
    });
  });

  it('does not throw on a v1 signature of the wrong length', () => {
    expect(verifySpec(specHeaders({ 'webhook-signature': 'v1,AAAA' }))).toEqual({
      ok: false,
      reason: 'signature_mismatch',
      message: 'webhook-signature holds a 3-byte digest; an HMAC-SHA256 is 32 bytes',
    });
  });

  it('reports a secret that is not base64 as invalid_secret and refuses to sign with it', () => {
    expect(verifySpec(specHeaders(), at(specTimestamp), 'whsec_not base64!')).toMatchObject({
      ok: false,
      reason: 'invalid_secret',
    });
    expect(verifySpec(specHeaders(), at(specTimestamp), 'whsec_')).toMatchObject({
      reason: 'invalid_secret',
    });
    expect(() => signWebhook({ config, secret: 'whsec_***', rawBody: specBody })).toThrow(
      /not a Standard Webhooks secret/,
    );
  });

  it('signs non-UTF-8 bodies as bytes', () => {
    const raw = Buffer.from([0x80, 0x81, 0xfe, 0xff, 0x00, 0x41]);
    const headers = signWebhook({
      config,
      secret: specSecret,
      rawBody: raw,
      now: at(specTimestamp),
      id: 'msg_bin',
    });
    expect(
      verifyWebhook({ config, secret: specSecret, headers, rawBody: raw, now: at(specTimestamp) }).ok,
    ).toBe(true);
    const lossy = Buffer.from(raw.toString('utf8'));
    expect(
      verifyWebhook({ config, secret: specSecret, headers, rawBody: lossy, now: at(specTimestamp) }),
    ).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('generates a msg_ id when none is given', () => {
    expect(signWebhook({ config, secret: specSecret, rawBody: specBody })['webhook-id']).toMatch(
      /^msg_[0-9a-f]{32}$/,
    );
  });
});
