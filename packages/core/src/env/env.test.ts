import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, numberVar, parseEnv, sharedEnv, tracingConfigOf } from './index.js';

const schema = z.object({
  ...sharedEnv,
  WEFT_SOMETHING_MS: numberVar(500, { min: 50, max: 60_000, what: 'a whole number of milliseconds' }),
});
const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    parseEnv(schema, env, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the shared environment', () => {
  it('reads the shared variables, with defaults for the optional ones', () => {
    const env = parseEnv(
      schema,
      {
        MONGODB_URI: ' mongodb://db:27017/weft ',
        WEFT_SECRET_KEYS: KEY,
        LOG_LEVEL: ' WARN ',
        WEFT_SOMETHING_MS: '',
      },
      'test',
    );
    expect(env.MONGODB_URI).toBe('mongodb://db:27017/weft');
    expect(env.WEFT_SECRET_KEYS.currentKeyId).toBe('k1');
    expect(env.WEFT_HTTP_ALLOW_PRIVATE.entries).toEqual([]);
    expect(env.LOG_LEVEL).toBe('warn');
    expect(env.WEFT_SOMETHING_MS).toBe(500);
    expect(
      parseEnv(
        schema,
        {
          MONGODB_URI: 'mongodb://x',
          WEFT_SECRET_KEYS: KEY,
          WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1,10.0.0.0/8',
        },
        'test',
      ).WEFT_HTTP_ALLOW_PRIVATE.entries,
    ).toEqual(['127.0.0.1', '10.0.0.0/8']);
  });

  it('names every variable at fault, each as "<VARIABLE> <what is wrong>", all at once', () => {
    expect(
      problemsOf({
        WEFT_SECRET_KEYS: 'k1:not-base64!',
        WEFT_HTTP_ALLOW_PRIVATE: '10.0.0.0/99',
        LOG_LEVEL: 'loud',
        WEFT_SOMETHING_MS: '10',
      }),
    ).toEqual([
      'MONGODB_URI is required: the MongoDB connection string, e.g. mongodb://127.0.0.1:27017/weft',
      'WEFT_SECRET_KEYS is invalid: Key "k1" is not valid base64',
      'WEFT_HTTP_ALLOW_PRIVATE is invalid: "10.0.0.0/99" is not a valid CIDR range',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'WEFT_SOMETHING_MS must be a whole number of milliseconds between 50 and 60000, got "10"',
    ]);
    expect(problemsOf({ MONGODB_URI: 'postgres://x' })).toEqual([
      'MONGODB_URI must start with mongodb:// or mongodb+srv://',
      expect.stringMatching(/^WEFT_SECRET_KEYS is required: the keys that encrypt connection secrets/),
    ]);
  });

  it('leaves tracing off unless OTEL_EXPORTER_OTLP_ENDPOINT is set, and checks the OTEL_ variables', () => {
    const base = { MONGODB_URI: 'mongodb://x', WEFT_SECRET_KEYS: KEY };
    const off = parseEnv(schema, { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }, 'test');
    expect(off.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(off.OTEL_BSP_SCHEDULE_DELAY).toBe(5_000);
    expect(tracingConfigOf(off, 'weft-test')).toBeNull();
    const on = parseEnv(
      schema,
      {
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_SERVICE_NAME: ' api-eu ',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      'test',
    );
    expect([on.OTEL_EXPORTER_OTLP_ENDPOINT, on.OTEL_SERVICE_NAME, on.OTEL_BSP_SCHEDULE_DELAY]).toEqual([
      'http://collector:4318',
      'api-eu',
      200,
    ]);
    expect(
      tracingConfigOf({ ...on, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'weft-test'),
    ).toEqual({
      endpoint: 'http://collector:4318',
      serviceName: 'api-eu',
      scheduleDelayMs: 200,
    });
    expect(tracingConfigOf({ ...on, OTEL_SERVICE_NAME: undefined }, 'weft-test')?.serviceName).toBe(
      'weft-test',
    );
    expect(
      problemsOf({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_BSP_SCHEDULE_DELAY: '0' }),
    ).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, e.g. http://collector:4318',
      'OTEL_BSP_SCHEDULE_DELAY must be a number of milliseconds between 1 and 3600000, got "0"',
    ]);
  });

  it('the error says whose configuration it is and lists each problem', () => {
    expect(() => parseEnv(schema, {}, 'runner')).toThrow(
      /^invalid runner configuration:\n {2}- MONGODB_URI is required/,
    );
  });
});
