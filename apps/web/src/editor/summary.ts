/** One line under a node's title saying what it does, from its config. Pure. */
import { formatDuration } from '../lib/format';
import type { NodeSpec } from './graph';

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

export function configSummary(spec: Pick<NodeSpec, 'type' | 'config'>, appName?: (id: string) => string | undefined): string {
  const c = spec.config;
  switch (spec.type) {
    case 'trigger.webhook': {
      const app = str(c.appId);
      const name = app ? (appName?.(app) ?? 'unknown app') : 'no app chosen';
      const when = str(c.filter) ? `${name} · when ${c.filter as string}` : name;
      return c.respond === 'node' ? `${when} · replies from the scenario` : when;
    }
    case 'trigger.manual':
      return 'started by hand or the API';
    case 'trigger.schedule':
      return str(c.cron) ? `${c.cron as string}${str(c.timezone) ? ` (${c.timezone as string})` : ''}` : 'no schedule';
    case 'http.request': {
      const request = `${str(c.method) ?? 'GET'} ${str(c.url) ?? 'no URL'}`;
      const pagination = c.pagination as { mode?: unknown; maxPages?: unknown } | undefined;
      if (!pagination || !str(pagination.mode)) return request;
      const pages = typeof pagination.maxPages === 'number' ? pagination.maxPages : 10;
      return `${request} · all pages (${pagination.mode as string}, at most ${pages})`;
    }
    case 'webhook.respond':
      return `answers ${typeof c.status === 'number' || str(c.status) ? String(c.status) : '200'}`;
    case 'webhook.send':
      return `${str(c.eventType) ?? 'event'} → ${str(c.url) ?? 'no URL'}`;
    case 'logger':
      return str(c.message) ?? 'no message';
    case 'transform':
    case 'condition':
      return str(c.expression) ?? 'no expression';
    case 'delay':
      return typeof c.durationMs === 'number'
        ? `wait ${formatDuration(c.durationMs)}`
        : str(c.until)
          ? `until ${c.until as string}`
          : 'no duration';
    case 'merge':
      return `mode: ${str(c.mode) ?? 'array'}`;
    case 'code': {
      // The first line of the code that says something (not blank, not only a comment).
      const line = (str(c.code) ?? '')
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l !== '' && !l.startsWith('//'));
      return line ?? 'no code';
    }
    case 'scenario.call':
      if (!str(c.scenarioId)) return 'no scenario chosen';
      return c.wait === false ? 'starts a scenario, goes on at once' : 'runs a scenario, waits for its result';
    case 'wait.approval':
      return `asks ${str(c.message) ?? 'for approval'} · times out after ${formatDuration(typeof c.timeoutMs === 'number' ? c.timeoutMs : 7 * 86_400_000)}`;
    case 'wait.event':
      return str(c.deliveryKey)
        ? `waits for ${c.deliveryKey as string} = ${typeof c.correlationKey === 'number' ? c.correlationKey : (str(c.correlationKey) ?? 'no key')}`
        : 'no delivery key';
    default:
      return spec.type;
  }
}
