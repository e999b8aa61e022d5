import type { HttpPage } from '../schemas/entities.js';
import type { EngineHost } from './types.js';

const keyOf = (nodeId: string, itemIndex: number | null | undefined) => `${nodeId}#${itemIndex ?? ''}`;

/** Pages of paginated requests kept in memory (a dry-run, tests), as the runner keeps them in the database. */
export function memoryHttpPages(): Pick<EngineHost, 'loadHttpPages' | 'saveHttpPage'> & {
  readonly pages: Map<string, HttpPage[]>;
} {
  const pages = new Map<string, HttpPage[]>();
  return {
    pages,
    async loadHttpPages(nodeId, itemIndex) {
      return structuredClone(pages.get(keyOf(nodeId, itemIndex)) ?? []);
    },
    async saveHttpPage(page) {
      const key = keyOf(page.nodeId, page.itemIndex);
      const stored = (pages.get(key) ?? []).filter((p) => p.page !== page.page);
      pages.set(
        key,
        [...stored, structuredClone(page)].sort((a, b) => a.page - b.page),
      );
    },
  };
}
