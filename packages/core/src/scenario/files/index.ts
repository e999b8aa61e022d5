export { scenarioFileNames, type ExportResult, toScenarioFile } from './export.js';
export {
  type AppRef,
  appRefSchema,
  type ConnectionRef,
  connectionRefSchema,
  type FileReference,
  SCENARIO_FILE_FORMAT_VERSION,
  type ScenarioFile,
  type ScenarioFileInput,
  scenarioFileSchema,
  type ScenarioRef,
  scenarioRefSchema,
} from './format.js';
export {
  type ExistingScenario,
  type ImportAction,
  type ImportFile,
  type ImportPlan,
  type ImportProblem,
  type PlannedScenario,
  planScenarioImport,
} from './plan.js';
export {
  fromFileReferences,
  toFileReferences,
  type WorkspaceCatalog,
} from './references.js';
export { exportScenariosInput, type ImportScenariosInput, importScenariosInput } from './inputs.js';
