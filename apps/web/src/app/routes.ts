/**
 * The app's routes as data: `parseRoute` reads a location hash (`#/runs/abc?status=failed`),
 * `routeHref` writes one. Hash URLs work behind any static server (no fallback needed).
 */

export type Route =
  | { readonly name: 'scenarios'; readonly query: string }
  | { readonly name: 'editor'; readonly scenarioId: string }
  | { readonly name: 'runs'; readonly filters: RunFilters }
  | { readonly name: 'run'; readonly runId: string }
  | { readonly name: 'deliveries'; readonly appId: string | null; readonly search?: SearchParams }
  | { readonly name: 'delivery'; readonly deliveryId: string }
  | { readonly name: 'apps' }
  | { readonly name: 'tokens' }
  | {
      readonly name: 'app';
      readonly appId: string;
      /** Set by the api's OAuth2 callback when it sends the browser back. */
      readonly oauth2?: { readonly outcome: 'connected' | 'failed'; readonly connectionId: string };
    }
  | { readonly name: 'notFound'; readonly path: string };

export interface RunFilters {
  readonly scenarioId?: string;
  readonly status?: string;
  readonly correlationId?: string;
  /** A search key's name and the exact value it had (`?key=customer&value=cus_1`). */
  readonly key?: string;
  readonly value?: string;
}

/** A search by key in a list's URL: both or neither. */
export interface SearchParams {
  readonly key: string;
  readonly value: string;
}

function searchOf(params: URLSearchParams): { search?: SearchParams } {
  const key = params.get('key');
  const value = params.get('value');
  return key && value ? { search: { key, value } } : {};
}

const ID = /^[0-9a-f]{24}$/;

function cleanFilters(params: URLSearchParams): RunFilters {
  const filters: { scenarioId?: string; status?: string; correlationId?: string; key?: string; value?: string } = {};
  const scenarioId = params.get('scenarioId');
  if (scenarioId && ID.test(scenarioId)) filters.scenarioId = scenarioId;
  const status = params.get('status');
  if (status) filters.status = status;
  const correlationId = params.get('correlationId');
  if (correlationId) filters.correlationId = correlationId;
  const search = searchOf(params).search;
  if (search) {
    filters.key = search.key;
    filters.value = search.value;
  }
  return filters;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart = '/', queryPart = ''] = raw.split('?', 2);
  const params = new URLSearchParams(queryPart);
  const segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, ...rest] = segments;
  if (rest.length > 0) return { name: 'notFound', path: pathPart };
  if (first === undefined) return { name: 'scenarios', query: '' };
  switch (first) {
    case 'scenarios':
      if (second === undefined) return { name: 'scenarios', query: params.get('q') ?? '' };
      return ID.test(second) ? { name: 'editor', scenarioId: second } : { name: 'notFound', path: pathPart };
    case 'runs':
      if (second === undefined) return { name: 'runs', filters: cleanFilters(params) };
      return ID.test(second) ? { name: 'run', runId: second } : { name: 'notFound', path: pathPart };
    case 'deliveries': {
      if (second === undefined) {
        const appId = params.get('appId');
        return { name: 'deliveries', appId: appId && ID.test(appId) ? appId : null, ...searchOf(params) };
      }
      return ID.test(second)
        ? { name: 'delivery', deliveryId: second }
        : { name: 'notFound', path: pathPart };
    }
    case 'tokens':
      return second === undefined ? { name: 'tokens' } : { name: 'notFound', path: pathPart };
    case 'apps':
      if (second === undefined) return { name: 'apps' };
      if (!ID.test(second)) return { name: 'notFound', path: pathPart };
      return { name: 'app', appId: second, ...oauth2ReturnOf(params) };
    default:
      return { name: 'notFound', path: pathPart };
  }
}

function oauth2ReturnOf(params: URLSearchParams): {
  oauth2?: { outcome: 'connected' | 'failed'; connectionId: string };
} {
  const outcome = params.get('oauth2');
  const connectionId = params.get('connection');
  if ((outcome !== 'connected' && outcome !== 'failed') || !connectionId || !ID.test(connectionId)) return {};
  return { oauth2: { outcome, connectionId } };
}

function withQuery(path: string, query: Record<string, string | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'scenarios':
      return withQuery('/scenarios', { q: route.query });
    case 'editor':
      return `#/scenarios/${route.scenarioId}`;
    case 'runs':
      return withQuery('/runs', { ...route.filters });
    case 'run':
      return `#/runs/${route.runId}`;
    case 'deliveries':
      return withQuery('/deliveries', { appId: route.appId, key: route.search?.key, value: route.search?.value });
    case 'delivery':
      return `#/deliveries/${route.deliveryId}`;
    case 'apps':
      return '#/apps';
    case 'tokens':
      return '#/tokens';
    case 'app':
      return withQuery(`/apps/${route.appId}`, {
        oauth2: route.oauth2?.outcome,
        connection: route.oauth2?.connectionId,
      });
    case 'notFound':
      return `#${route.path}`;
  }
}

/** Which top-level section a route belongs to, for the navigation. */
export function sectionOf(route: Route): 'scenarios' | 'runs' | 'deliveries' | 'apps' | 'tokens' | null {
  switch (route.name) {
    case 'scenarios':
    case 'editor':
      return 'scenarios';
    case 'runs':
    case 'run':
      return 'runs';
    case 'deliveries':
    case 'delivery':
      return 'deliveries';
    case 'apps':
    case 'app':
      return 'apps';
    case 'tokens':
      return 'tokens';
    default:
      return null;
  }
}
