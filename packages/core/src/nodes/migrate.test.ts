import { describe, expect, it } from 'vitest';
import { migrateNode, migrateNodes } from './migrate.js';
import { nodeRegistry } from './registry.js';

describe('node config migrations', () => {
  it('loads an http.request saved at version 1 with its config migrated to the current version', () => {
    const saved = {
      id: 'call',
      type: 'http.request',
      version: 1,
      position: { x: 0, y: 0 },
      config: { url: 'https://api.example.com', timeout: 2.5, headers: [{ name: 'X-A', value: '1' }] },
    };
    const result = migrateNode(saved);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.migrated).toBe(true);
    expect(result.node.version).toBe(nodeRegistry['http.request'].version);
    expect(result.node.config).toEqual({
      url: 'https://api.example.com',
      timeoutMs: 2500,
      headers: { 'X-A': '1' },
    });
    expect(nodeRegistry['http.request'].configSchema.safeParse(result.node.config).success).toBe(true);
  });

  it('leaves current nodes untouched', () => {
    const node = {
      id: 'log',
      type: 'logger',
      version: 1,
      position: { x: 0, y: 0 },
      config: { message: 'x' },
    };
    const result = migrateNode(node);
    expect(result).toEqual({ ok: true, migrated: false, node });
  });

  it('reports nodes from a newer server and unknown types by id', () => {
    const { problems } = migrateNodes([
      { id: 'a', type: 'logger', version: 7, position: { x: 0, y: 0 }, config: {} },
      { id: 'b', type: 'ftp.upload', version: 1, position: { x: 0, y: 0 }, config: {} },
    ]);
    expect(problems).toEqual([
      'node "a" was saved with logger version 7, newer than this server\'s version 1',
      'node "b" has unknown type "ftp.upload"',
    ]);
  });
});
