export { type EmbeddedMongo, type EmbeddedMongoOptions, startEmbeddedMongo } from './embedded.js';
export { ensureJars, jarsAreReady } from './jars.js';
export { withDatabaseName } from './uri.js';
