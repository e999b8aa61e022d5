export * from './config.js';
export * from './expiry.js';
export * from './tokens.js';
export * from './graph-problems.js';
