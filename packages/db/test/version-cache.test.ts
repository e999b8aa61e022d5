import { describe, expect, it } from 'vitest';
import { createScenario, newObjectId, publishScenario, VersionCache } from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();

async function publishedVersion(name: string) {
  const scenario = await createScenario(ctx.db.models, workspaceId, {
    name,
    draft: { nodes: [{ id: 'start', type: 'trigger.manual', version: 1, config: {} }], edges: [] },
  });
  const published = await publishScenario(ctx.db.models, workspaceId, String(scenario._id));
  if (!published.ok) throw new Error('publish failed');
  return published.version;
}

describe('VersionCache', () => {
  it('reads a version once: concurrent misses share the read, later gets come from memory', async () => {
    const version = await publishedVersion('cached');
    const cache = new VersionCache();
    const [a, b] = await Promise.all([
      cache.get(ctx.db.models, version._id),
      cache.get(ctx.db.models, version._id),
    ]);
    expect(a?._id.toHexString()).toBe(version._id.toHexString());
    expect(b).toBe(a);
    // Gone from the database (never happens to a version; here it shows where the answer comes from).
    await ctx.db.models.ScenarioVersion.deleteOne({ _id: version._id });
    expect(await cache.get(ctx.db.models, version._id)).toBe(a);
  });

  it('does not remember a missing version (a publish not seen yet), and keeps at most maxEntries', async () => {
    const cache = new VersionCache(2);
    const missing = newObjectId();
    expect(await cache.get(ctx.db.models, missing)).toBeNull();
    const [one, two, three] = [
      await publishedVersion('one'),
      await publishedVersion('two'),
      await publishedVersion('three'),
    ];
    const first = await cache.get(ctx.db.models, one._id);
    await cache.get(ctx.db.models, two._id);
    await cache.get(ctx.db.models, three._id);
    // `one` was the least recently used: it went, and a new read finds it again.
    await ctx.db.models.ScenarioVersion.deleteOne({ _id: one._id });
    expect(first).not.toBeNull();
    expect(await cache.get(ctx.db.models, one._id)).toBeNull();
  });
});
