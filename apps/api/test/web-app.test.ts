import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { request, useApi } from './harness.js';

const dist = mkdtempSync(path.join(os.tmpdir(), 'weft-web-'));
writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Weft</title>');
mkdirSync(path.join(dist, 'assets'));
writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'console.log(1)');

const h = useApi({ deps: { webDist: dist } });

describe('the web app served by the api', () => {
  it('serves index.html at / and for client-side routes, hashed assets with a long cache', async () => {
    const home = await fetch(`${h.baseUrl}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<title>Weft</title>');
    const deep = await fetch(`${h.baseUrl}/scenarios/abc/edit`);
    expect(await deep.text()).toContain('<title>Weft</title>');
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${h.baseUrl}/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${h.baseUrl}/assets/missing.js`)).status).toBe(404);
  });

  it('leaves the API routes to the API', async () => {
    const health = await request(`${h.baseUrl}/health`);
    expect(health.json).toMatchObject({ status: 'ok' });
    const unknownApi = await request(`${h.baseUrl}/system/nope`);
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.json).toMatchObject({ error: 'not_found' });
  });
});
