import mongoose from 'mongoose';
import { createModels, type Models } from './models.js';

export interface Database {
  readonly connection: mongoose.Connection;
  readonly models: Models;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Database name; defaults to the one in the URI, else `weft`. */
  dbName?: string;
  /** Create the indexes now (start-up of api and runner, and tests). */
  syncIndexes?: boolean;
  maxPoolSize?: number;
  /** How long to look for a server before an operation fails (default 10 s); the api answers 503 sooner. */
  serverSelectionTimeoutMS?: number;
  /** Queue operations while disconnected (mongoose's default); off, they fail at once. */
  bufferCommands?: boolean;
}

/** Opens a connection of its own (not mongoose's global one) with Weft's models bound to it. */
export async function connectDatabase(uri: string, options: ConnectOptions = {}): Promise<Database> {
  const connection = mongoose.createConnection(uri, {
    ...(options.dbName ? { dbName: options.dbName } : {}),
    maxPoolSize: options.maxPoolSize ?? 20,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
    bufferCommands: options.bufferCommands ?? true,
    autoIndex: false,
  });
  await connection.asPromise();
  const models = createModels(connection);
  if (options.syncIndexes ?? true) {
    // One collection at a time: creating a collection's indexes concurrently races its creation.
    for (const model of Object.values(models)) await model.createIndexes();
  }
  return { connection, models, close: () => connection.close() };
}
