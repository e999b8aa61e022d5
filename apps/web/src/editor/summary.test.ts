import { formatDuration } from '../lib/format';
import { describe, expect, it } from 'vitest';
import { configSummary } from './summary';

describe('configSummary', () => {
  it('says what each node does', () => {
    const appName = (id: string) => (id === 'a1' ? 'Shop' : undefined);
    expect(configSummary({ type: 'trigger.webhook', config: { appId: 'a1' } }, appName)).toBe('Shop');
    expect(configSummary({ type: 'trigger.webhook', config: { appId: 'a1', filter: 'x' } }, appName)).toBe('Shop · when x');
    expect(configSummary({ type: 'trigger.webhook', config: {} })).toBe('no app chosen');
    expect(configSummary({ type: 'http.request', config: { url: 'https://x' } })).toBe('GET https://x');
    expect(configSummary({ type: 'http.request', config: { url: 'https://x', pagination: { mode: 'cursor', items: 'b' } } })).toBe(
      'GET https://x · all pages (cursor, at most 10)',
    );
    expect(configSummary({ type: 'logger', config: { message: 'hi' } })).toBe('hi');
    expect(configSummary({ type: 'logger', config: {} })).toBe('no message');
    expect(configSummary({ type: 'delay', config: { durationMs: 60_000 } })).toBe('wait 1m 0s');
    expect(configSummary({ type: 'merge', config: {} })).toBe('mode: array');
    expect(configSummary({ type: 'scenario.call', config: {} })).toBe('no scenario chosen');
    expect(configSummary({ type: 'wait.event', config: { deliveryKey: 'body.orderId', correlationKey: '{{ trigger.body.id }}' } })).toBe(
      'waits for body.orderId = {{ trigger.body.id }}',
    );
    expect(configSummary({ type: 'wait.event', config: {} })).toBe('no delivery key');
    expect(configSummary({ type: 'wait.approval', config: { message: 'Ship it?', timeoutMs: 3_600_000 } })).toBe(
      `asks Ship it? · times out after ${formatDuration(3_600_000)}`,
    );
    expect(configSummary({ type: 'scenario.call', config: { scenarioId: 'a'.repeat(24) } })).toBe('runs a scenario, waits for its result');
    expect(configSummary({ type: 'scenario.call', config: { scenarioId: 'a'.repeat(24), wait: false } })).toBe('starts a scenario, goes on at once');
    expect(configSummary({ type: 'trigger.schedule', config: { cron: '* * * * *', timezone: 'UTC' } })).toBe('* * * * * (UTC)');
    expect(configSummary({ type: 'webhook.send', config: { eventType: 'x.y', url: 'https://p' } })).toBe('x.y → https://p');
    expect(configSummary({ type: 'trigger.webhook', config: { appId: 'a1', respond: 'node' } }, appName)).toBe('Shop · replies from the scenario');
    expect(configSummary({ type: 'webhook.respond', config: { status: 201 } })).toBe('answers 201');
    expect(configSummary({ type: 'webhook.respond', config: {} })).toBe('answers 200');
    expect(configSummary({ type: 'code', config: { code: '// totals\n\nconst t = 1;\nreturn t;' } })).toBe('const t = 1;');
    expect(configSummary({ type: 'code', config: {} })).toBe('no code');
    expect(configSummary({ type: 'other', config: {} })).toBe('other');
  });
});
