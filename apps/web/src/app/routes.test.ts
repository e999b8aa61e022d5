import { describe, expect, it } from 'vitest';
import { parseRoute, type Route, routeHref, sectionOf } from './routes';

const id = '0123456789abcdef01234567';

describe('routes', () => {
  it('parses every route and writes it back', () => {
    const routes: Route[] = [
      { name: 'scenarios', query: '' },
      { name: 'scenarios', query: 'orders' },
      { name: 'editor', scenarioId: id },
      { name: 'runs', filters: {} },
      { name: 'runs', filters: { scenarioId: id, status: 'failed', correlationId: 'abc' } },
      { name: 'runs', filters: { key: 'customer', value: 'cus 1' } },
      { name: 'run', runId: id },
      { name: 'deliveries', appId: null },
      { name: 'deliveries', appId: id },
      { name: 'deliveries', appId: id, search: { key: 'customer', value: 'cus_1' } },
      { name: 'delivery', deliveryId: id },
      { name: 'apps' },
      { name: 'tokens' },
      { name: 'app', appId: id },
      { name: 'app', appId: id, oauth2: { outcome: 'connected', connectionId: id } },
      { name: 'app', appId: id, oauth2: { outcome: 'failed', connectionId: id } },
    ];
    for (const route of routes) expect(parseRoute(routeHref(route))).toEqual(route);
  });

  it('reads where the OAuth2 callback sent the browser back, ignoring anything malformed', () => {
    expect(parseRoute(`#/apps/${id}?oauth2=connected&connection=${id}`)).toEqual({
      name: 'app',
      appId: id,
      oauth2: { outcome: 'connected', connectionId: id },
    });
    expect(parseRoute(`#/apps/${id}?oauth2=maybe&connection=${id}`)).toEqual({ name: 'app', appId: id });
    expect(parseRoute(`#/apps/${id}?oauth2=failed&connection=bad`)).toEqual({ name: 'app', appId: id });
  });

  it('treats the empty hash as the scenarios list', () => {
    expect(parseRoute('')).toEqual({ name: 'scenarios', query: '' });
    expect(parseRoute('#/')).toEqual({ name: 'scenarios', query: '' });
  });

  it('rejects malformed ids and unknown paths', () => {
    expect(parseRoute('#/runs/nope').name).toBe('notFound');
    expect(parseRoute('#/whatever').name).toBe('notFound');
    expect(parseRoute(`#/runs/${id}/extra`).name).toBe('notFound');
  });

  it('drops malformed filter ids', () => {
    expect(parseRoute('#/runs?scenarioId=bad&status=failed')).toEqual({
      name: 'runs',
      filters: { status: 'failed' },
    });
    expect(parseRoute('#/deliveries?appId=bad')).toEqual({ name: 'deliveries', appId: null });
  });

  it('knows the section of a route', () => {
    expect(sectionOf({ name: 'editor', scenarioId: id })).toBe('scenarios');
    expect(sectionOf({ name: 'delivery', deliveryId: id })).toBe('deliveries');
    expect(sectionOf({ name: 'tokens' })).toBe('tokens');
    expect(sectionOf({ name: 'notFound', path: '/x' })).toBeNull();
  });
});
