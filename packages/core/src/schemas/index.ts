export * from './entities.js';
export * from './graph.js';
export * from './ids.js';
export * from './inputs.js';
