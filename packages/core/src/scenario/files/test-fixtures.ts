import { readFileSync } from 'node:fs';
import type { WorkspaceCatalog } from './references.js';

/** A JSON fixture of this folder, parsed (test helper). */
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}

export const ids = {
  shop: 'a00000000000000000000001',
  erp: 'a00000000000000000000002',
  erpProduction: 'c00000000000000000000001',
  orderSync: 'b00000000000000000000001',
  enrich: 'b00000000000000000000002',
  alert: 'b00000000000000000000003',
} as const;

export const catalog: WorkspaceCatalog = {
  apps: [
    { id: ids.shop, key: 'shop' },
    { id: ids.erp, key: 'erp' },
  ],
  connections: [{ id: ids.erpProduction, appKey: 'erp', name: 'Production' }],
  scenarios: [
    { id: ids.orderSync, name: 'Order sync' },
    { id: ids.enrich, name: 'Enrich customer' },
    { id: ids.alert, name: 'Alert on failure' },
  ],
};
