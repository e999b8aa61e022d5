import { describe, expect, it } from 'vitest';
import { withDatabaseName } from '../src/uri.js';

describe('withDatabaseName', () => {
  it('adds a database to a bare server URI', () => {
    expect(withDatabaseName('mongodb://127.0.0.1:4000', 'db1')).toBe('mongodb://127.0.0.1:4000/db1');
  });
  it('replaces the database and keeps hosts and options', () => {
    expect(withDatabaseName('mongodb://a:1,b:2/old?replicaSet=rs0', 'x')).toBe(
      'mongodb://a:1,b:2/x?replicaSet=rs0',
    );
  });
  it('rejects what is not a MongoDB URI', () => {
    expect(() => withDatabaseName('http://x', 'db')).toThrow(/not a MongoDB connection string/);
  });
});
