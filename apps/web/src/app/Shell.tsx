/** The frame around every page: navigation, the workspace, and the route's page (lazy-loaded). */
import { useQuery } from '@tanstack/react-query';
import { Component, type ErrorInfo, lazy, type ReactNode, Suspense } from 'react';
import { useTRPC } from '../api/trpc';
import { Button, ErrorState, Loading } from '../components/ui';
import { useRoute } from './navigation';
import { type Route, routeHref, sectionOf } from './routes';

const ScenariosPage = lazy(() => import('../pages/ScenariosPage'));
const EditorPage = lazy(() => import('../editor/EditorPage'));
const RunsPage = lazy(() => import('../pages/RunsPage'));
const RunPage = lazy(() => import('../pages/RunPage'));
const DeliveriesPage = lazy(() => import('../pages/DeliveriesPage'));
const DeliveryPage = lazy(() => import('../pages/DeliveryPage'));
const AppsPage = lazy(() => import('../pages/AppsPage'));
const AppPage = lazy(() => import('../pages/AppPage'));
const TokensPage = lazy(() => import('../pages/TokensPage'));

const SECTIONS = [
  { id: 'scenarios', label: 'Scenarios', route: { name: 'scenarios', query: '' } },
  { id: 'runs', label: 'Runs', route: { name: 'runs', filters: {} } },
  { id: 'deliveries', label: 'Deliveries', route: { name: 'deliveries', appId: null } },
  { id: 'apps', label: 'Apps & connections', route: { name: 'apps' } },
  { id: 'tokens', label: 'Tokens', route: { name: 'tokens' } },
] as const satisfies readonly { id: string; label: string; route: Route }[];

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'scenarios':
      return <ScenariosPage query={route.query} />;
    case 'editor':
      return <EditorPage scenarioId={route.scenarioId} />;
    case 'runs':
      return <RunsPage filters={route.filters} />;
    case 'run':
      return <RunPage runId={route.runId} />;
    case 'deliveries':
      return <DeliveriesPage appId={route.appId} search={route.search ?? null} />;
    case 'delivery':
      return <DeliveryPage deliveryId={route.deliveryId} />;
    case 'apps':
      return <AppsPage />;
    case 'app':
      return <AppPage appId={route.appId} {...(route.oauth2 ? { oauth2: route.oauth2 } : {})} />;
    case 'tokens':
      return <TokensPage />;
    case 'notFound':
      return (
        <div className="page">
          <ErrorState title="Nothing here" error={new Error(`There is no page at ${route.path}.`)} />
        </div>
      );
  }
}

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const section = sectionOf(route);
  const trpc = useTRPC();
  const whoami = useQuery({ ...trpc.auth.whoami.queryOptions(), staleTime: 60_000 });
  const fullBleed = route.name === 'editor' || route.name === 'run';
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="#/scenarios">
          <span className="brand-mark" aria-hidden />
          Weft
        </a>
        <nav className="nav" aria-label="Sections">
          {SECTIONS.map((item) => (
            <a
              key={item.id}
              href={routeHref(item.route)}
              className={`nav-link${section === item.id ? ' nav-active' : ''}`}
              aria-current={section === item.id ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div className="topbar-end">
          {whoami.data ? (
            <span className="workspace" title={`token ${whoami.data.token.name} (${whoami.data.token.prefix}…), scope ${whoami.data.token.scope}`}>
              {whoami.data.workspace.name}
            </span>
          ) : null}
          <Button small variant="ghost" onClick={onSignOut}>
            Sign out
          </Button>
        </div>
      </header>
      <main className={fullBleed ? 'main main-full' : 'main'}>
        <ErrorBoundary key={routeHref(route)}>
          <Suspense fallback={<Loading />}>
            <Page route={route} />
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}

class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('page crashed', error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="page">
          <ErrorState
            title="This page failed"
            error={this.state.error}
            onRetry={() => this.setState({ error: null })}
          />
        </div>
      );
    }
    return this.props.children;
  }
}
