import { findScenarioVersion, type Models, type ScenarioVersionDoc } from '@weft/db';
import type { Types } from 'mongoose';

/**
 * Published scenario versions by id. Versions are immutable, so a cached one never goes stale;
 * the cache only bounds memory (least recently used out first) and saves a round trip per run.
 */
export class VersionCache {
  private readonly entries = new Map<string, ScenarioVersionDoc>();

  constructor(private readonly maxEntries = 500) {}

  async get(models: Models, id: Types.ObjectId): Promise<ScenarioVersionDoc | null> {
    const key = id.toHexString();
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const loaded = await findScenarioVersion(models, id);
    if (!loaded) return null;
    this.entries.set(key, loaded);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return loaded;
  }
}
