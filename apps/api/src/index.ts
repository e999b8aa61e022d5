export { createApp } from './app.js';
export { type ApiConfig, ConfigError, loadConfig } from './config.js';
export {
  type ApiCaches,
  type ApiDeps,
  type ApiDepsInput,
  type ApiLimits,
  createCaches,
  DEFAULT_LIMITS,
  type Queue,
  resolveDeps,
} from './deps.js';
export { type AppRouter, appRouter, createCaller } from './router/index.js';
export { type Context, createInnerContext } from './trpc.js';
