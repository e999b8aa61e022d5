import { z } from 'zod';
import { OAUTH2_CLIENT_SECRET, oauth2ConfigSchema } from '../oauth2/config.js';
import { signatureConfigSchema } from '../signature-schemes.js';
import { CONNECTION_STATUSES, LOG_LEVELS, RUN_STATUSES } from './entities.js';
import { scenarioEdgeSchema, scenarioNodeSchema, viewportSchema } from './graph.js';
import { APPROVAL_DECISIONS } from '../nodes/waits.js';
import { apiTokenScopeSchema } from '../tokens/scopes.js';
import { appKeySchema, nodeIdSchema, objectIdSchema } from './ids.js';
import { flowControlSchema } from '../flow/schema.js';
import { searchFilterSchema, searchKeysSchema } from '../search/search-keys.js';

const name = z.string().trim().min(1, 'name is required').max(120, 'name is longer than 120 characters');

/*
 * Every API input is a strict object: a field the server does not know (a typo, a field of
 * another version of the web app) is a BAD_REQUEST naming it, never silently ignored.
 */

/** `{ id }` of any stored object. */
export const idInput = z.strictObject({ id: objectIdSchema });

export const createAppInput = z.strictObject({
  key: appKeySchema,
  name,
  signature: signatureConfigSchema,
  /** Named expressions over each delivery, stored on it and its runs and searchable (core/search). */
  searchKeys: searchKeysSchema.default([]),
});

export const updateAppInput = z.strictObject({
  id: objectIdSchema,
  name: name.optional(),
  signature: signatureConfigSchema.optional(),
  defaultConnectionId: objectIdSchema.nullable().optional(),
  /** Replaces the search keys whole; deliveries stored before keep the values they had. */
  searchKeys: searchKeysSchema.optional(),
});

const secretValues = z
  .record(z.string().min(1).max(64), z.string().min(1, 'a secret value is empty').max(8_192))
  .refine((v) => Object.keys(v).length > 0, 'give at least one secret value');

export const createConnectionInput = z
  .strictObject({
    appId: objectIdSchema,
    name,
    /**
     * Write-only: stored encrypted, never returned. `webhookSecret` verifies inbound webhooks;
     * `clientSecret` is the OAuth2 client secret.
     */
    secrets: secretValues.optional(),
    metadata: z.record(z.string().max(64), z.string().max(2_000)).default({}),
    rateLimitPerSec: z.number().positive().max(10_000).nullable().default(null),
    /** Make this the app's default connection (the one whose secret verifies its webhooks). */
    makeDefault: z.boolean().default(true),
    /** Authenticate outgoing requests with OAuth2 access tokens obtained by this configuration. */
    oauth2: oauth2ConfigSchema.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.oauth2?.grant === 'client_credentials' && !input.secrets?.[OAUTH2_CLIENT_SECRET]) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets', OAUTH2_CLIENT_SECRET],
        message: `secrets.${OAUTH2_CLIENT_SECRET} is required: the client_credentials grant authenticates with the client secret`,
      });
    }
  });

export const updateConnectionInput = z.strictObject({
  id: objectIdSchema,
  name: name.optional(),
  metadata: z.record(z.string().max(64), z.string().max(2_000)).optional(),
  status: z.enum(CONNECTION_STATUSES).optional(),
  rateLimitPerSec: z.number().positive().max(10_000).nullable().optional(),
  /** Replaces the OAuth2 configuration; its tokens are forgotten (null: no OAuth2 any more). */
  oauth2: oauth2ConfigSchema.nullable().optional(),
});

export const setConnectionSecretsInput = z.strictObject({ id: objectIdSchema, secrets: secretValues });

export const graphInput = z.strictObject({
  nodes: z.array(scenarioNodeSchema).max(5_000, 'a scenario holds at most 5,000 nodes'),
  edges: z.array(scenarioEdgeSchema).max(20_000, 'a scenario holds at most 20,000 edges'),
  viewport: viewportSchema.nullable().default(null),
});

export const createScenarioInput = z.strictObject({
  name,
  description: z.string().max(2_000).default(''),
  draft: graphInput.optional(),
});

export const updateDraftInput = z.strictObject({
  id: objectIdSchema,
  /** The revision the editor loaded; a save against a newer one is refused as a conflict. */
  revision: z.number().int().min(0),
  name: name.optional(),
  description: z.string().max(2_000).optional(),
  /**
   * The scenario (of this workspace, with a manual trigger) that runs when a run of this one ends
   * `failed` or `dead`; null removes it. Published with the draft: a run uses its version's.
   */
  onFailure: objectIdSchema.nullable().optional(),
  draft: graphInput,
});

export const cursorPageInput = z.strictObject({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).nullish(),
});

function toAfterFrom(value: { from?: Date | undefined; to?: Date | undefined }, ctx: z.RefinementCtx) {
  if (value.from && value.to && value.from.getTime() >= value.to.getTime()) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be later than from' });
  }
}

/** What selects runs: in a list and in a bulk replay. Criteria combine. */
const runFilterFields = {
  scenarioId: objectIdSchema.optional(),
  status: z.enum(RUN_STATUSES).optional(),
  correlationId: z.string().max(200).optional(),
  /** Runs created at or after this time. */
  from: z.date().optional(),
  /** Runs created before this time. */
  to: z.date().optional(),
  /** Runs whose delivery's search key `name` had exactly `value`. */
  search: searchFilterSchema.optional(),
};

export const runFilterSchema = z.strictObject(runFilterFields).superRefine(toAfterFrom);

export const listRunsInput = cursorPageInput.extend(runFilterFields).superRefine(toAfterFrom);

/** What selects deliveries: in a list and in a bulk redelivery. Criteria combine. */
const deliveryFilterFields = {
  appId: objectIdSchema.optional(),
  /** Deliveries received at or after this time. */
  from: z.date().optional(),
  /** Deliveries received before this time. */
  to: z.date().optional(),
  /** Deliveries whose search key `name` had exactly `value`. */
  search: searchFilterSchema.optional(),
};

export const deliveryFilterSchema = z.strictObject(deliveryFilterFields).superRefine(toAfterFrom);

export const listRunLogsInput = cursorPageInput.extend({
  runId: objectIdSchema,
  nodeId: z.string().optional(),
  level: z.enum(LOG_LEVELS).optional(),
});

export const listScenariosInput = cursorPageInput.extend({
  enabled: z.boolean().optional(),
  /** Scenarios whose draft or published trigger is this app's webhook. */
  appId: objectIdSchema.optional(),
  /** Case-insensitive part of the name. */
  name: z.string().trim().max(120).optional(),
});

export const duplicateScenarioInput = z.strictObject({ id: objectIdSchema, name: name.optional() });

export const setScenarioEnabledInput = z.strictObject({ id: objectIdSchema, enabled: z.boolean() });

/** The draft's failure handler alone (see `updateDraftInput.onFailure`); null removes it. */
export const setScenarioOnFailureInput = z.strictObject({
  id: objectIdSchema,
  onFailure: objectIdSchema.nullable(),
});

/** The draft's flow control alone (concurrency, throttle, debounce per key); null removes it. */
export const setScenarioFlowControlInput = z.strictObject({
  id: objectIdSchema,
  flowControl: flowControlSchema.nullable(),
});

export const validateScenarioInput = z.strictObject({
  id: objectIdSchema,
  /** An unsaved draft to check instead of the saved one. */
  draft: graphInput.optional(),
});

export const scenarioVersionInput = z.strictObject({
  id: objectIdSchema,
  version: z.number().int().min(1, 'versions are numbered from 1'),
});

export const diffScenarioInput = z.strictObject({
  id: objectIdSchema,
  /** The version to compare the draft with; the published one when omitted. */
  version: z.number().int().min(1, 'versions are numbered from 1').optional(),
});

/**
 * A preview of a scenario: the saved draft (or `draft`, or published `version`) runs with a
 * sample trigger payload (or the stored body of `deliveryId`) through the same node code with
 * simulated effects. Nothing is stored, nothing is called.
 */
export const dryRunInput = z
  .strictObject({
    id: objectIdSchema,
    /** Run this published version instead of the draft. */
    version: z.number().int().min(1, 'versions are numbered from 1').optional(),
    /** An unsaved draft to run instead of the saved one. */
    draft: graphInput.optional(),
    /**
     * What the trigger node outputs (`trigger` in expressions): for a webhook trigger
     * `{ body, headers }`, for a manual trigger the run input.
     */
    trigger: z.unknown().optional(),
    /** A stored webhook delivery whose body and headers become the trigger output. */
    deliveryId: objectIdSchema.optional(),
    /** Outputs to use for these nodes instead of running them. */
    pinnedOutputs: z.record(nodeIdSchema, z.unknown()).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.version !== undefined && value.draft !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['draft'], message: 'give either draft or version, not both' });
    }
    if (value.trigger !== undefined && value.deliveryId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['deliveryId'],
        message: 'give either trigger or deliveryId, not both',
      });
    }
  });

export const RUN_REPLAY_MODES = ['start', 'failure'] as const;
export const RUN_REPLAY_VERSIONS = ['original', 'published'] as const;

export const replayRunInput = z.strictObject({
  id: objectIdSchema,
  /**
   * `start`: every step runs again. `failure`: the steps that succeeded keep their outputs and
   * are not run again; the failed step and everything after it run.
   */
  from: z.enum(RUN_REPLAY_MODES).default('start'),
  /** `original`: the version the run was pinned to; `published`: the scenario's published version now. */
  version: z.enum(RUN_REPLAY_VERSIONS).default('original'),
});

/**
 * Replays every run the filter selects (as it stood when the job was created: runs created after
 * it, the replays among them, are not selected), in the background, each at most once.
 */
export const bulkReplayInput = z.strictObject({
  filter: runFilterSchema,
  from: z.enum(RUN_REPLAY_MODES).default('start'),
  version: z.enum(RUN_REPLAY_VERSIONS).default('original'),
});

/** Redelivers every delivery the filter selects (received before the job was created), each at most once. */
export const bulkRedeliverInput = z.strictObject({ filter: deliveryFilterSchema });

export const BULK_JOB_KINDS = ['replay', 'redeliver'] as const;
export const BULK_JOB_STATUSES = ['queued', 'running', 'cancelled', 'done'] as const;

export const listBulkJobsInput = cursorPageInput.extend({ kind: z.enum(BULK_JOB_KINDS).optional() });

export const listLoopItemsInput = z.strictObject({
  runId: objectIdSchema,
  loopId: nodeIdSchema,
  /** The first index of the page. */
  fromIndex: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1_000).default(200),
});

/** Resumes a run's wait (`wait.approval`): the node (and item, inside a for-each body) and the decision. */
export const resumeRunInput = z.strictObject({
  runId: objectIdSchema,
  nodeId: nodeIdSchema,
  itemIndex: z.number().int().min(0).optional(),
  decision: z.enum(APPROVAL_DECISIONS, { error: 'decision must be "approved" or "rejected"' }),
  /** Passed on as the node's `data` output (a comment, changed values). */
  data: z.unknown().optional(),
});

export const loopItemInput = z.strictObject({
  runId: objectIdSchema,
  loopId: nodeIdSchema,
  index: z.number().int().min(0),
});

export const httpPagesInput = z.strictObject({
  runId: objectIdSchema,
  nodeId: nodeIdSchema,
  /** Inside a for-each body: the item whose step it is. */
  itemIndex: z.number().int().min(0).optional(),
});

export const runEventsInput = z.strictObject({
  /** Only this run's changes. */
  runId: objectIdSchema.optional(),
  /** Only the changes of this scenario's runs. */
  scenarioId: objectIdSchema.optional(),
});

export const listDeliveriesInput = cursorPageInput.extend(deliveryFilterFields).superRefine(toAfterFrom);

export const redeliverInput = z.strictObject({
  id: objectIdSchema,
  /** Only these of the matching scenarios; all matching ones when omitted. */
  scenarioIds: z.array(objectIdSchema).min(1).max(100).optional(),
});

export const listConnectionsInput = z.strictObject({ appId: objectIdSchema.optional() });

export const createApiTokenInput = z.strictObject({
  name,
  /** What the new token may do; never wider than the scope of the token that mints it. */
  scope: apiTokenScopeSchema,
  /** When it stops working; never later than the minting token's own expiry. Omitted: never. */
  expiresAt: z.date({ error: 'expiresAt must be a date' }).nullable().optional(),
});

export const manualTriggerInput = z.strictObject({
  scenarioId: objectIdSchema,
  input: z.unknown(),
  correlationId: z.string().min(1).max(200).optional(),
});

export type CreateAppInput = z.input<typeof createAppInput>;
export type UpdateAppInput = z.input<typeof updateAppInput>;
export type CreateConnectionInput = z.input<typeof createConnectionInput>;
export type UpdateConnectionInput = z.input<typeof updateConnectionInput>;
export type GraphInput = z.input<typeof graphInput>;
export type CreateScenarioInput = z.input<typeof createScenarioInput>;
export type UpdateDraftInput = z.input<typeof updateDraftInput>;
export type ListRunsInput = z.input<typeof listRunsInput>;
export type ListRunLogsInput = z.input<typeof listRunLogsInput>;
export type ListScenariosInput = z.input<typeof listScenariosInput>;
export type DryRunRequest = z.input<typeof dryRunInput>;
export type ReplayRunInput = z.input<typeof replayRunInput>;
export type ResumeRunInput = z.input<typeof resumeRunInput>;
export type RunReplayMode = (typeof RUN_REPLAY_MODES)[number];
export type RunReplayVersion = (typeof RUN_REPLAY_VERSIONS)[number];
export type RunFilter = z.infer<typeof runFilterSchema>;
export type DeliveryFilter = z.infer<typeof deliveryFilterSchema>;
export type BulkReplayInput = z.input<typeof bulkReplayInput>;
export type BulkRedeliverInput = z.input<typeof bulkRedeliverInput>;
export type BulkJobKind = (typeof BULK_JOB_KINDS)[number];
export type BulkJobStatus = (typeof BULK_JOB_STATUSES)[number];
export type RunEventsInput = z.input<typeof runEventsInput>;
export type ListDeliveriesInput = z.input<typeof listDeliveriesInput>;
export type RedeliverInput = z.input<typeof redeliverInput>;
