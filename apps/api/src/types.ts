/**
 * The types-only entry for the web app: `import type { AppRouter, RouterInputs, RouterOutputs }
 * from '@weft/api/types'`. Importing it brings no server code into a bundle.
 */
export type { AppRouter, RouterInputs, RouterOutputs } from './router/index.js';
export type { RunChangeEvent } from './run-events.js';
