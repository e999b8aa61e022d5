/**
 * Returns `uri` with its database path set to `dbName`, keeping hosts and query options
 * (`mongodb://h1,h2/old?replicaSet=rs` → `mongodb://h1,h2/<dbName>?replicaSet=rs`).
 */
export function withDatabaseName(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`not a MongoDB connection string: ${uri}`);
  return `${match[1]}/${dbName}${match[3] ?? ''}`;
}
