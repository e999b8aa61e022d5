import { type EvaluationScope, evaluateExpression, ExpressionError } from '@weft/core';
import type { Logger } from 'pino';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { ObjectId } from '../ids.js';
import { webhookScenariosOf } from './scenario-cache.js';

export interface MatchedScenario {
  readonly scenarioId: ObjectId;
  readonly versionId: ObjectId;
  readonly version: number;
}

/** What a trigger filter reads: `body` and `headers`, also under `trigger` as in node configs. */
export interface FilterSubject {
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** JSONata truthiness for a filter result: empty sequences and empty strings do not match. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/**
 * Whether a scenario's trigger filter accepts this delivery. No filter accepts all. A filter that
 * fails to evaluate does not match; the failure is logged with the scenario, never answered to
 * the partner (their request was fine). A filter that ran out of time is different: on a busy
 * api a sound filter can, and accepting the delivery without its run would lose it, so nothing is
 * stored and the partner is asked to retry (503 `filter_timeout`).
 */
export async function filterAccepts(
  filter: string | null | undefined,
  subject: FilterSubject,
  log: Logger,
  scenarioId: string,
  timeoutMs: number,
): Promise<boolean> {
  if (!filter || filter.trim() === '') return true;
  const scope = {
    body: subject.body,
    headers: subject.headers,
    trigger: { body: subject.body, headers: subject.headers },
    nodes: {},
  } satisfies EvaluationScope & FilterSubject;
  try {
    return truthy(await evaluateExpression(filter, scope, { field: 'filter', timeoutMs }));
  } catch (error) {
    if (error instanceof ExpressionError && error.jsonataCode === 'D1012') {
      log.warn({ scenarioId }, 'trigger filter ran out of time; the webhook is refused for a retry');
      throw new HttpError(
        503,
        'filter_timeout',
        `the trigger filter of scenario ${scenarioId} took longer than ${timeoutMs} ms; nothing was stored, retry later`,
        { 'Retry-After': '1' },
      );
    }
    log.warn(
      { scenarioId, err: error instanceof Error ? error.message : String(error) },
      'trigger filter failed; the scenario does not run for this delivery',
    );
    return false;
  }
}

/**
 * The enabled, published scenarios of the app whose webhook trigger (and filter) accept the
 * delivery. The candidates come from a short per-process cache (scenario-cache.ts).
 */
export async function matchScenarios(
  deps: ApiDeps,
  app: { readonly id: ObjectId; readonly workspaceId: ObjectId },
  subject: FilterSubject,
  log: Logger,
): Promise<MatchedScenario[]> {
  const candidates = await webhookScenariosOf(deps, app);
  const accepted = await Promise.all(
    candidates.map(async (scenario) => {
      if (!scenario.publishedVersionId || scenario.publishedTrigger?.kind !== 'webhook') return null;
      const ok = await filterAccepts(
        scenario.publishedTrigger.filter,
        subject,
        log,
        scenario._id.toHexString(),
        deps.limits.webhookFilterTimeoutMs,
      );
      return ok
        ? { scenarioId: scenario._id, versionId: scenario.publishedVersionId, version: scenario.version }
        : null;
    }),
  );
  return accepted.filter((match): match is MatchedScenario => match !== null);
}
