import mongoose from 'mongoose';
import { createModels, type Models } from './models.js';
import { upgradeDeliveryKeys } from './delivery-key-upgrade.js';

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
  /** A request without an answer for this long fails and its connection is closed (default 60 s). */
  socketTimeoutMS?: number;
  /** Waiting this long for a free connection fails the operation (default 30 s). */
  waitQueueTimeoutMS?: number;
}

/** Opens a connection of its own (not mongoose's global one) with Weft's models bound to it. */
export async function connectDatabase(uri: string, options: ConnectOptions = {}): Promise<Database> {
  const connection = mongoose.createConnection(uri, {
    ...(options.dbName ? { dbName: options.dbName } : {}),
    maxPoolSize: options.maxPoolSize ?? 20,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
    bufferCommands: options.bufferCommands ?? true,
    // Without these the driver waits forever: for an answer on a connection to a server that went
    // away without closing it, or for a connection of a pool that never recovers. One such write
    // would hold every later webhook of its group commit, and a run's lease renewal, for good.
    socketTimeoutMS: options.socketTimeoutMS ?? 60_000,
    waitQueueTimeoutMS: options.waitQueueTimeoutMS ?? 30_000,
    autoIndex: false,
  });
  await connection.asPromise();
  const models = createModels(connection);
  if (options.syncIndexes ?? true) {
    await upgradeDeliveryKeys(models);
    // One collection at a time: creating a collection's indexes concurrently races its creation.
    for (const model of Object.values(models)) await model.createIndexes();
  }
  return { connection, models, close: () => connection.close() };
}
