/** Node-only: the QuickJS sandbox behind `code` nodes, shared by the runner and dry-run. */
export { runCodeInSandbox } from './run-code.js';
