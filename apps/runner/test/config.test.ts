import os from 'node:os';
import { generateSecretKey } from '@weft/core/secrets';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const base = { MONGODB_URI: 'mongodb://localhost:27017/weft', WEFT_SECRET_KEYS: `k1:${generateSecretKey()}` };

function problems(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('runner config', () => {
  it('has defaults for everything but the database and the keys', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      mongodbUri: base.MONGODB_URI,
      runnerName: `${os.hostname()}-${process.pid}`,
      concurrency: 20,
      processEveryMs: 500,
      leaseMs: 30_000,
      maxInlineWaitMs: 5_000,
      maxCallDepth: 10,
      maxClaims: 10,
      httpTimeoutMs: 120_000,
      logLevel: 'info',
    });
    expect(config.keyring.currentKeyId).toBe('k1');
    expect(config.httpAllowList.entries).toEqual([]);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      ...base,
      WEFT_RUNNER_NAME: 'runner-a',
      WEFT_RUNNER_CONCURRENCY: '50',
      WEFT_RUNNER_PROCESS_EVERY_MS: '250',
      WEFT_RUNNER_LEASE_MS: '10000',
      WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1, 10.0.0.0/8, sink.local',
      WEFT_HTTP_TIMEOUT_MS: '5000',
      WEFT_RUNNER_MAX_CALL_DEPTH: '3',
      LOG_LEVEL: 'WARN',
    });
    expect(config).toMatchObject({
      maxCallDepth: 3,
      runnerName: 'runner-a',
      concurrency: 50,
      processEveryMs: 250,
      leaseMs: 10_000,
      httpTimeoutMs: 5_000,
      logLevel: 'warn',
    });
    expect(config.httpAllowList.entries).toEqual(['127.0.0.1', '10.0.0.0/8', 'sink.local']);
  });

  it('reads the expression workers: threads and the heap of each, within bounds', () => {
    expect(
      loadConfig({ ...base, WEFT_EXPRESSION_WORKERS: '3', WEFT_EXPRESSION_MEMORY_MB: '512' })
        .expressionWorkers,
    ).toEqual({ size: 3, memoryLimitMb: 512 });
    expect(loadConfig(base).expressionWorkers.memoryLimitMb).toBe(256);
    expect(problems({ ...base, WEFT_EXPRESSION_WORKERS: '0', WEFT_EXPRESSION_MEMORY_MB: '8' })).toEqual([
      'WEFT_EXPRESSION_WORKERS must be a whole number of threads between 1 and 64, got "0"',
      'WEFT_EXPRESSION_MEMORY_MB must be a whole number of MiB between 32 and 16384, got "8"',
    ]);
  });

  it('reads the claims cap of a run, within 1 to 1000', () => {
    expect(loadConfig({ ...base, WEFT_RUNNER_MAX_CLAIMS: '3' }).maxClaims).toBe(3);
    expect(problems({ ...base, WEFT_RUNNER_MAX_CLAIMS: '0' })).toEqual([
      'WEFT_RUNNER_MAX_CLAIMS must be a whole number between 1 and 1000, got "0"',
    ]);
  });

  it('reports every problem at once, naming the variable', () => {
    const found = problems({
      WEFT_SECRET_KEYS: 'k1:not-base64!',
      WEFT_RUNNER_CONCURRENCY: 'many',
      WEFT_RUNNER_LEASE_MS: '10',
      WEFT_HTTP_ALLOW_PRIVATE: '10.0.0.0/99',
      LOG_LEVEL: 'loud',
    });
    expect(found).toEqual([
      expect.stringMatching(/^MONGODB_URI is required/),
      'WEFT_SECRET_KEYS is invalid: Key "k1" is not valid base64',
      'WEFT_RUNNER_CONCURRENCY must be a whole number between 1 and 1000, got "many"',
      'WEFT_RUNNER_LEASE_MS must be a whole number of milliseconds between 500 and 3600000, got "10"',
      'WEFT_HTTP_ALLOW_PRIVATE is invalid: "10.0.0.0/99" is not a valid CIDR range',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
  });

  it('asks for the keys with the expected format', () => {
    expect(problems({ MONGODB_URI: base.MONGODB_URI })).toEqual([
      expect.stringContaining(
        'WEFT_SECRET_KEYS is required: the keys that encrypt connection secrets, "<keyId>:<base64 of 32 random bytes>[,…]"',
      ),
    ]);
    expect(problems({ ...base, MONGODB_URI: 'postgres://x' })).toEqual([
      'MONGODB_URI must start with mongodb:// or mongodb+srv://',
    ]);
  });
});
