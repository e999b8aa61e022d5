/**
 * One app: its webhook URL, signature settings, and connections (create, edit, set or rotate the
 * secret — never shown again —, test health, enable/disable, make default); delete the app.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { Connection, ConnectionTest } from '../api/types';
import { Button, CopyButton, EmptyState, ErrorState, Link, Loading } from '../components/ui';
import { ConnectionDialog, SecretDialog } from '../connections/ConnectionDialog';
import { ConnectionTable, TestResultDialog } from '../connections/ConnectionTable';
import { DeleteAppDialog, SignatureSettings } from './AppSettings';
import { SearchKeySettings } from '../search/SearchKeySettings';
import { webhookUrl } from './AppsPage';

/** Where the api's OAuth2 callback sent the browser back to: the outcome for one connection. */
export interface OAuth2Return {
  readonly outcome: 'connected' | 'failed';
  readonly connectionId: string;
}

export default function AppPage({ appId, oauth2 }: { appId: string; oauth2?: OAuth2Return }) {
  const trpc = useTRPC();
  const app = useQuery(trpc.apps.get.queryOptions({ id: appId }));
  // Health and OAuth2 state change behind the page's back (a run finds a token refused): read them on every visit.
  const connections = useQuery({ ...trpc.connections.list.queryOptions({ appId }), refetchOnMount: 'always' });
  const [dialog, setDialog] = useState<
    | { kind: 'create' }
    | { kind: 'edit'; connection: Connection }
    | { kind: 'secret'; connection: Connection }
    | { kind: 'test'; result: ConnectionTest }
    | { kind: 'delete' }
    | null
  >(null);
  if (app.isPending) return <Loading />;
  if (app.isError) {
    return (
      <div className="page">
        <ErrorState error={app.error} onRetry={() => void app.refetch()} />
      </div>
    );
  }
  const url = webhookUrl(app.data.webhookPath);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <Link route={{ name: 'apps' }} className="back-link">
            ← Apps
          </Link>
          <h1>{app.data.name}</h1>
        </div>
        <div className="page-actions">
          <Link route={{ name: 'deliveries', appId }} className="btn btn-secondary">
            Deliveries
          </Link>
          <Button variant="danger" onClick={() => setDialog({ kind: 'delete' })}>
            Delete app
          </Button>
        </div>
      </header>
      <section className="section">
        <h2>Webhook URL</h2>
        <div className="url-box">
          <code className="url" data-testid="webhook-url">
            {url}
          </code>
          <CopyButton text={url} label="Copy URL" />
        </div>
        <p className="muted small">
          Give this URL to {app.data.name}. Requests must be signed ({app.data.signature.scheme}) with the secret of the
          default connection; anything else is refused with 401 and never stored.
        </p>
      </section>
      <section className="section">
        <div className="section-header">
          <h2>Connections</h2>
          <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
            New connection
          </Button>
        </div>
        {oauth2 ? <OAuth2ReturnBanner appId={appId} result={oauth2} connections={connections.data ?? []} /> : null}
        {connections.isPending ? (
          <Loading />
        ) : connections.isError ? (
          <ErrorState error={connections.error} onRetry={() => void connections.refetch()} />
        ) : connections.data.length === 0 ? (
          <EmptyState
            title="No connection yet"
            action={
              <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
                Add the webhook secret
              </Button>
            }
          >
            A connection holds the secret this app’s webhooks are signed with (and credentials for calling it back).
            Until there is one, every webhook to this app is refused.
          </EmptyState>
        ) : (
          <ConnectionTable
            app={app.data}
            connections={connections.data}
            onEdit={(connection) => setDialog({ kind: 'edit', connection })}
            onSecret={(connection) => setDialog({ kind: 'secret', connection })}
            onTested={(result) => setDialog({ kind: 'test', result })}
          />
        )}
      </section>
      <SignatureSettings app={app.data} />
      <SearchKeySettings key={app.data.updatedAt.toString()} app={app.data} />
      {dialog?.kind === 'create' ? <ConnectionDialog app={app.data} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'edit' ? <ConnectionDialog app={app.data} connection={dialog.connection} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'secret' ? <SecretDialog app={app.data} connection={dialog.connection} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'test' ? <TestResultDialog result={dialog.result} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'delete' ? <DeleteAppDialog app={app.data} onClose={() => setDialog(null)} /> : null}
    </div>
  );
}


function OAuth2ReturnBanner({ appId, result, connections }: { appId: string; result: OAuth2Return; connections: readonly Connection[] }) {
  const connection = connections.find((c) => c.id === result.connectionId);
  const name = connection ? `“${connection.name}”` : 'The connection';
  return (
    <div className={`banner ${result.outcome === 'connected' ? 'banner-ok' : 'banner-bad'}`} role="status" data-testid="oauth2-return">
      {result.outcome === 'connected'
        ? `${name} is connected: its OAuth2 tokens are stored encrypted and renewed when they expire.`
        : `${name} could not be connected: ${connection?.oauth2?.lastError ?? 'the authorization failed'}.`}{' '}
      <Link route={{ name: 'app', appId }}>Dismiss</Link>
    </div>
  );
}

