/**
 * Names for what the API answers, all inferred from the router (never written by hand).
 * `import type` only: no server code reaches the bundle.
 */
import type { RouterInputs, RouterOutputs } from '@weft/api/types';

export type { AppRouter, RouterInputs, RouterOutputs } from '@weft/api/types';

export type App = RouterOutputs['apps']['list'][number];
export type Connection = RouterOutputs['connections']['list'][number];
export type ConnectionTest = RouterOutputs['connections']['test'];
export type Scenario = RouterOutputs['scenarios']['get'];
export type ScenarioSummary = RouterOutputs['scenarios']['list']['items'][number];
export type ScenarioVersion = RouterOutputs['scenarios']['versions'][number];
export type ScenarioDiff = RouterOutputs['scenarios']['diff'];
export type DryRunResult = RouterOutputs['scenarios']['dryRun'];
export type DryRunNode = DryRunResult['nodes'][number];
export type RunSummary = RouterOutputs['runs']['list']['items'][number];
export type Run = RouterOutputs['runs']['get'];
export type RunStep = Run['steps'][number];
export type RunLog = RouterOutputs['runs']['logs']['items'][number];
export type LoopItemSummary = RouterOutputs['runs']['loopItems']['items'][number];
export type LoopItemDetail = RouterOutputs['runs']['loopItem'];
export type DryRunLoopItem = NonNullable<DryRunNode['items']>[number];
export type RunStatus = RunSummary['status'];
export type DeliverySummary = RouterOutputs['deliveries']['list']['items'][number];
export type Delivery = RouterOutputs['deliveries']['get'];
export type CatalogEntry = RouterOutputs['registry']['nodes'][number];
export type SignatureSchemes = RouterOutputs['registry']['signatureSchemes'];
export type Whoami = RouterOutputs['auth']['whoami'];
export type ApiToken = RouterOutputs['tokens']['list'][number];
export type CreatedApiToken = RouterOutputs['tokens']['create'];
export type ListRunsInput = RouterInputs['runs']['list'];
export type BulkJob = RouterOutputs['bulkJobs']['get'];
export type SearchKeyDefinitionInput = NonNullable<RouterInputs['apps']['update']['searchKeys']>[number];
export type DraftInput = RouterInputs['scenarios']['updateDraft']['draft'];
