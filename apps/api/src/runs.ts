import type { ScenarioVersionDoc } from '@weft/db';
import type { ApiDeps } from './deps.js';
import type { ObjectId } from './ids.js';

/** A published version, from the process's version cache (packages/db `VersionCache`). */
export function loadVersion(deps: ApiDeps, versionId: ObjectId): Promise<ScenarioVersionDoc | null> {
  return deps.caches.versions.get(deps.database.models, versionId);
}
