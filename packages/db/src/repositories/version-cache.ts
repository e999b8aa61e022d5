import type { Types } from 'mongoose';
import type { Models, ScenarioVersionDoc } from '../models.js';
import { findScenarioVersion } from './scenarios.js';

/**
 * Published scenario versions by id, for the api (webhooks, triggers) and the runner (runs,
 * schedules) alike. Versions are immutable, so a cached one never goes stale: the cache only
 * bounds memory (least recently used out first) and saves a round trip. Concurrent misses of one
 * id share one read; a missing version is not remembered (it may be a publish not seen yet).
 */
export class VersionCache {
  private readonly entries = new Map<string, Promise<ScenarioVersionDoc | null>>();

  constructor(private readonly maxEntries = 2_000) {}

  get(models: Models, id: Types.ObjectId): Promise<ScenarioVersionDoc | null> {
    const key = id.toHexString();
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const loading = findScenarioVersion(models, id);
    this.entries.set(key, loading);
    const forget = () => {
      if (this.entries.get(key) === loading) this.entries.delete(key);
    };
    loading.then((version) => version ?? forget(), forget);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return loading;
  }
}
