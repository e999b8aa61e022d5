export { type DryRunInput, type DryRunNodeResult, type DryRunResult, dryRun } from './dry-run.js';
export { createSimulatedHost, type DryRunLog, type SimulatedHost } from './simulated-host.js';
