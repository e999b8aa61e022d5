import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOLERANCE_SEC,
  replayProtectionNote,
  signatureConfigSchema,
  signatureSchemeInfo,
  signatureSchemes,
  verificationFailureReasons,
} from '../signature-schemes.js';

function issuesOf(input: unknown) {
  const result = signatureConfigSchema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('signatureConfigSchema', () => {
  it('applies the default tolerance and leaves generic header/prefix to the verifier', () => {
    expect(signatureConfigSchema.parse({ scheme: 'generic' })).toEqual({
      scheme: 'generic',
      toleranceSec: DEFAULT_TOLERANCE_SEC,
    });
    expect(DEFAULT_TOLERANCE_SEC).toBe(300);
  });

  it('accepts every scheme name', () => {
    for (const scheme of signatureSchemes) {
      expect(signatureConfigSchema.parse({ scheme }).scheme).toBe(scheme);
    }
  });

  it('names the allowed schemes when the scheme is unknown', () => {
    expect(issuesOf({ scheme: 'paypal' })).toEqual([
      {
        path: 'scheme',
        message: 'scheme must be one of: generic, github, stripe, standard-webhooks, slack, shopify',
      },
    ]);
  });

  it('accepts a custom generic header, an empty prefix and an id header', () => {
    expect(
      signatureConfigSchema.parse({
        scheme: 'generic',
        header: 'X-Acme-Signature',
        prefix: '',
        idHeader: 'X-Acme-Id',
      }),
    ).toEqual({
      scheme: 'generic',
      header: 'X-Acme-Signature',
      prefix: '',
      idHeader: 'X-Acme-Id',
      toleranceSec: 300,
    });
  });

  it('rejects header names that are not HTTP tokens', () => {
    const [issue] = issuesOf({ scheme: 'generic', header: 'x signature:' });
    expect(issue?.path).toBe('header');
    expect(issue?.message).toMatch(/^header must be an HTTP header name/);
    expect(issuesOf({ scheme: 'generic', idHeader: '' })).toEqual([
      { path: 'idHeader', message: 'idHeader must not be empty' },
    ]);
  });

  it('rejects header and prefix on schemes that fix their own headers, naming what they read', () => {
    expect(issuesOf({ scheme: 'github', header: 'x-sig', prefix: 'sha1=' })).toEqual([
      {
        path: 'header',
        message: 'header is only used by the generic scheme; github always reads X-Hub-Signature-256',
      },
      {
        path: 'prefix',
        message: 'prefix is only used by the generic scheme; github always reads X-Hub-Signature-256',
      },
    ]);
  });

  it('bounds toleranceSec to whole seconds between 0 and 86400', () => {
    expect(signatureConfigSchema.parse({ scheme: 'stripe', toleranceSec: 0 }).toleranceSec).toBe(0);
    expect(signatureConfigSchema.parse({ scheme: 'stripe', toleranceSec: 86_400 }).toleranceSec).toBe(86_400);
    expect(issuesOf({ scheme: 'stripe', toleranceSec: -1 })).toEqual([
      { path: 'toleranceSec', message: 'toleranceSec must be at least 0' },
    ]);
    expect(issuesOf({ scheme: 'stripe', toleranceSec: 86_401 })).toEqual([
      { path: 'toleranceSec', message: 'toleranceSec must be at most 86400 (24 hours)' },
    ]);
    expect(issuesOf({ scheme: 'stripe', toleranceSec: 1.5 })).toEqual([
      { path: 'toleranceSec', message: 'toleranceSec must be a whole number of seconds' },
    ]);
  });

  it('takes a GET challenge parameter for any scheme and refuses names that are no query parameter', () => {
    expect(
      signatureConfigSchema.parse({ scheme: 'generic', challengeParam: 'hub.challenge' }).challengeParam,
    ).toBe('hub.challenge');
    expect(issuesOf({ scheme: 'slack', challengeParam: 'a b' })).toEqual([
      {
        path: 'challengeParam',
        message: 'challengeParam must be a query parameter name (letters, digits and . _ ~ - only)',
      },
    ]);
  });

  it('refuses an unknown option, naming it', () => {
    expect(issuesOf({ scheme: 'github', challenge: 'hub.challenge' })).toEqual([
      { path: '', message: 'Unrecognized key: "challenge"' },
    ]);
  });
});

describe('signatureSchemeInfo', () => {
  it('describes every scheme, with timestamps exactly where the scheme signs one', () => {
    expect(Object.keys(signatureSchemeInfo).sort()).toEqual([...signatureSchemes].sort());
    const timestamped = signatureSchemes.filter((scheme) => signatureSchemeInfo[scheme].hasTimestamp);
    expect(timestamped).toEqual(['stripe', 'standard-webhooks', 'slack']);
    for (const scheme of signatureSchemes) {
      expect(signatureSchemeInfo[scheme].title.length).toBeGreaterThan(0);
      expect(signatureSchemeInfo[scheme].headers.length).toBeGreaterThan(0);
    }
  });

  it('says plainly that schemes without a signed timestamp catch replays only by body hash', () => {
    for (const scheme of ['generic', 'github', 'shopify'] as const) {
      expect(replayProtectionNote(scheme)).toMatch(
        /^No signed timestamp: replays are only caught by body hash\./,
      );
    }
    for (const scheme of ['stripe', 'standard-webhooks', 'slack'] as const) {
      expect(replayProtectionNote(scheme)).toMatch(/^Signed timestamp/);
    }
  });

  it('lists the reason codes the verifier returns', () => {
    expect(verificationFailureReasons).toEqual([
      'missing_signature',
      'malformed_signature',
      'signature_mismatch',
      'missing_timestamp',
      'malformed_timestamp',
      'timestamp_out_of_window',
      'invalid_secret',
    ]);
  });
});
