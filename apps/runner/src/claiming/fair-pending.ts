/**
 * The runs a runner has heard of and not yet claimed, kept per workspace and handed out in turns:
 * each claim takes its candidates from the next workspace with pending runs, oldest first there.
 * A workspace with thousands queued thus delays another's single run by one claim round at most.
 */
export class FairPending {
  /** Workspace → its run ids, oldest first (a Set keeps insertion order). */
  private readonly byWorkspace = new Map<string, Set<string>>();
  /** Workspaces in turn order; the next batch comes from the first, which then goes last. */
  private readonly turns: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(workspaceId: string, runId: string): void {
    let ids = this.byWorkspace.get(workspaceId);
    if (!ids) {
      ids = new Set();
      this.byWorkspace.set(workspaceId, ids);
      this.turns.push(workspaceId);
    }
    if (ids.has(runId)) return;
    ids.add(runId);
    this.count++;
  }

  delete(workspaceId: string, runId: string): void {
    const ids = this.byWorkspace.get(workspaceId);
    if (!ids?.delete(runId)) return;
    this.count--;
    if (ids.size === 0) this.forget(workspaceId);
  }

  /** Up to `size` candidates of the workspace whose turn it is; the turn passes to the next one. */
  nextBatch(size: number): { readonly workspaceId: string; readonly runIds: string[] } {
    const workspaceId = this.turns.shift();
    if (workspaceId === undefined) return { workspaceId: '', runIds: [] };
    this.turns.push(workspaceId);
    const runIds: string[] = [];
    for (const id of this.byWorkspace.get(workspaceId) ?? []) {
      runIds.push(id);
      if (runIds.length >= size) break;
    }
    return { workspaceId, runIds };
  }

  clear(): void {
    this.byWorkspace.clear();
    this.turns.length = 0;
    this.count = 0;
  }

  private forget(workspaceId: string): void {
    this.byWorkspace.delete(workspaceId);
    const at = this.turns.indexOf(workspaceId);
    if (at >= 0) this.turns.splice(at, 1);
  }
}
