import {
  extractSearchKeys,
  mergeSearchKeyValues,
  SEARCH_KEYS_BUDGET_MS,
  type SearchKeyDefinition,
  type SearchKeyValue,
  type SearchSubject,
  scenarioSearchKeysOf,
  unionSearchKeyValues,
} from '@weft/core';
import type { ScenarioVersionDoc } from '@weft/db';
import type { Logger } from 'pino';

export interface DeliverySearchKeys {
  /** What the delivery is found by: the app's values and every run's own. */
  readonly delivery: SearchKeyValue[];
  /** Per version, in order: the app's values with the scenario's own on top. */
  readonly runs: SearchKeyValue[][];
}

/**
 * Evaluates the search keys of a delivery: the app's and those each matched scenario's webhook
 * trigger declares, all within one budget
 * (`SEARCH_KEYS_BUDGET_MS`). A key that fails or is not reached stores nothing and is logged.
 */
export async function searchKeysOfDelivery(
  subject: SearchSubject,
  app: { readonly keys: readonly SearchKeyDefinition[] },
  versions: readonly Pick<ScenarioVersionDoc, 'scenarioId' | 'nodes'>[],
  log: Logger,
): Promise<DeliverySearchKeys> {
  const deadline = Date.now() + SEARCH_KEYS_BUDGET_MS;
  const remaining = () => Math.max(0, deadline - Date.now());
  const fromApp = await extractSearchKeys(app.keys, subject, remaining());
  if (fromApp.failures.length > 0)
    log.warn({ searchKeys: fromApp.failures }, 'app search keys without a value');
  const appValues = fromApp.values;
  const runs: SearchKeyValue[][] = [];
  for (const version of versions) {
    const own = scenarioSearchKeysOf(version.nodes);
    if (own.length === 0) {
      runs.push(appValues);
      continue;
    }
    const extracted = await extractSearchKeys(own, subject, remaining());
    if (extracted.failures.length > 0) {
      log.warn(
        { scenarioId: version.scenarioId.toHexString(), searchKeys: extracted.failures },
        'scenario search keys without a value',
      );
    }
    runs.push(mergeSearchKeyValues(appValues, extracted.values));
  }
  return { delivery: unionSearchKeyValues([appValues, ...runs]), runs };
}
