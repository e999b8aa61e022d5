import { describe, expect, it } from 'vitest';
import { nodeCatalog } from './catalog.js';
import { hasErrorOutput, nodeOutputHandles } from './output-handles.js';
import { nodeRegistry } from './registry.js';

describe('nodeOutputHandles', () => {
  it('a switch has one output per case, then default; no error output', () => {
    const handles = nodeOutputHandles(nodeRegistry.switch, {
      cases: [
        { id: 'a', label: 'Big', expression: 'x' },
        { id: 'b', label: '', expression: 'y' },
      ],
    });
    expect(handles).toEqual([
      { id: 'a', label: 'Big' },
      { id: 'b', label: 'b' },
      { id: 'default', label: 'Default' },
    ]);
  });

  it('tolerates draft configs: entries without an id, repeated ids and a missing list', () => {
    expect(
      nodeOutputHandles(nodeRegistry.switch, { cases: [{ label: 'x' }, null, { id: 'a' }, { id: 'a' }] }),
    ).toEqual([
      { id: 'a', label: 'a' },
      { id: 'default', label: 'Default' },
    ]);
    expect(nodeOutputHandles(nodeRegistry.switch, {})).toEqual([{ id: 'default', label: 'Default' }]);
  });

  it('action nodes get the error output after their own; triggers and logic nodes do not', () => {
    expect(nodeOutputHandles(nodeRegistry['http.request'], {}).map((h) => h.id)).toEqual(['out', 'error']);
    expect(nodeOutputHandles(nodeRegistry['webhook.send'], {}).map((h) => h.id)).toEqual(['out', 'error']);
    expect(nodeOutputHandles(nodeRegistry.condition, {}).map((h) => h.id)).toEqual(['true', 'false']);
    expect(nodeOutputHandles(nodeRegistry['trigger.manual'], {}).map((h) => h.id)).toEqual(['out']);
    expect(hasErrorOutput({ category: 'trigger', errorOutput: true })).toBe(false);
  });

  it('the catalog carries what the editor needs to compute the same handles', () => {
    const http = nodeCatalog().find((entry) => entry.type === 'http.request')!;
    const sw = nodeCatalog().find((entry) => entry.type === 'switch')!;
    expect(http.errorOutput).toBe(true);
    expect(sw.configOutputs).toEqual({ field: 'cases' });
    expect(nodeOutputHandles(sw, { cases: [{ id: 'k', label: 'K' }] }).map((h) => h.id)).toEqual([
      'k',
      'default',
    ]);
  });
});
