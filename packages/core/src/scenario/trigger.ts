import type { ScenarioTrigger } from '../schemas/entities.js';
import type { ScenarioNode } from '../schemas/graph.js';

function stringField(config: Record<string, unknown>, key: string): string | null {
  const value = config[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * What starts a scenario, read from its trigger node, stored beside the graph so webhook
 * matching is an indexed query. A graph with no trigger (or several) has kind `none` here;
 * validation reports it.
 */
export function scenarioTriggerOf(nodes: readonly ScenarioNode[]): ScenarioTrigger {
  const triggers = nodes.filter((node) => node.type.startsWith('trigger.'));
  const [trigger] = triggers;
  if (!trigger || triggers.length > 1) return { kind: 'none' };
  switch (trigger.type) {
    case 'trigger.webhook': {
      const appId = stringField(trigger.config, 'appId');
      return {
        kind: 'webhook',
        appId: appId && /^[0-9a-f]{24}$/.test(appId) ? appId : null,
        filter: stringField(trigger.config, 'filter'),
      };
    }
    case 'trigger.schedule':
      return {
        kind: 'schedule',
        cron: stringField(trigger.config, 'cron') ?? '',
        timezone: stringField(trigger.config, 'timezone') ?? 'UTC',
      };
    case 'trigger.manual':
      return { kind: 'manual' };
    default:
      return { kind: 'none' };
  }
}
