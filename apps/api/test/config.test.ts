import { generateSecretKey } from '@weft/core/secrets';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseByteSize } from '../src/config.js';

const keys = `k2:${generateSecretKey()},k1:${generateSecretKey()}`;
const minimal = { MONGODB_URI: 'mongodb://127.0.0.1:27017/weft', WEFT_SECRET_KEYS: keys };

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      mongodbUri: 'mongodb://127.0.0.1:27017/weft',
      port: 8080,
      host: '0.0.0.0',
      bootstrapToken: null,
      logLevel: 'info',
      publicUrl: 'http://localhost:8080',
      bulkWorker: true,
      limits: { webhookBodyLimitBytes: 1024 * 1024, webhookRatePerSec: 1000, webhookBurst: 2000 },
    });
    expect(config.keyring.currentKeyId).toBe('k2');
    expect(config.keyring.keyIds).toEqual(['k2', 'k1']);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...minimal,
      PORT: '9000',
      HOST: '127.0.0.1',
      WEFT_BOOTSTRAP_TOKEN: 'weft_abcdefghijklmnopqrstuvwxyz',
      WEFT_WEBHOOK_BODY_LIMIT: '512kb',
      WEFT_WEBHOOK_RATE_PER_SEC: '5',
      WEFT_WEBHOOK_BURST: '7',
      WEFT_PUBLIC_URL: 'https://weft.example.com/',
      WEFT_BULK_WORKER: '0',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      bootstrapToken: 'weft_abcdefghijklmnopqrstuvwxyz',
      logLevel: 'debug',
      publicUrl: 'https://weft.example.com',
      bulkWorker: false,
      limits: { webhookBodyLimitBytes: 512 * 1024, webhookRatePerSec: 5, webhookBurst: 7 },
    });
  });

  it('empty variables count as unset', () => {
    expect(loadConfig({ ...minimal, PORT: '', WEFT_BOOTSTRAP_TOKEN: ' ' }).port).toBe(8080);
  });

  it('names every variable at fault', () => {
    const problems = problemsOf({
      WEFT_SECRET_KEYS: 'k1:short',
      PORT: 'eighty',
      WEFT_WEBHOOK_BODY_LIMIT: 'lots',
      WEFT_WEBHOOK_RATE_PER_SEC: '-1',
      WEFT_PUBLIC_URL: 'weft.example.com',
      WEFT_BULK_WORKER: 'yes',
      LOG_LEVEL: 'loud',
      WEFT_EXPRESSION_WORKERS: 'many',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'WEFT_EXPRESSION_WORKERS must be a whole number of threads between 1 and 64, got "many"',
        expect.stringMatching(/^MONGODB_URI is required/),
        expect.stringMatching(/^PORT must be/),
        expect.stringMatching(/^WEFT_SECRET_KEYS is invalid: Key "k1"/),
        expect.stringMatching(/^WEFT_WEBHOOK_BODY_LIMIT must be a size/),
        expect.stringMatching(/^WEFT_WEBHOOK_RATE_PER_SEC must be 0 or more/),
        'WEFT_PUBLIC_URL must be the absolute http(s) URL browsers reach the api at',
        'WEFT_BULK_WORKER must be 1 (process bulk jobs in this api) or 0 (leave them to other api processes)',
        expect.stringMatching(/^LOG_LEVEL must be one of/),
      ]),
    );
    expect(problemsOf({ MONGODB_URI: 'postgres://x' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MONGODB_URI must start with mongodb:\/\//),
        expect.stringMatching(/^WEFT_SECRET_KEYS is required/),
      ]),
    );
  });

  it('parses byte sizes', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('1mb')).toBe(1048576);
    expect(parseByteSize('1 MiB')).toBe(1048576);
    expect(parseByteSize('1.5kb')).toBe(1536);
    expect(parseByteSize('ten')).toBeNull();
    expect(parseByteSize('5gb')).toBeNull();
  });
});
