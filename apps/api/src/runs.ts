import { findScenarioVersion, type ScenarioVersionDoc } from '@weft/db';
import type { ApiDeps } from './deps.js';
import type { ObjectId } from './ids.js';

/** A published version, from a cache: versions are immutable, so a cached one is never stale. */
export function loadVersion(deps: ApiDeps, versionId: ObjectId): Promise<ScenarioVersionDoc | null> {
  const key = versionId.toHexString();
  return deps.caches.versions.getOrLoad(key, async () => {
    const version = await findScenarioVersion(deps.database.models, versionId);
    // A missing version is not cached: it may be a publish this process has not seen yet.
    if (!version) deps.caches.versions.delete(key);
    return version;
  });
}
