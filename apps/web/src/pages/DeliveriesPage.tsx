/** Inbound webhooks, newest first, per app; each opens with its headers, body and runs. */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import { navigate } from '../app/navigation';
import { Badge, EmptyState, ErrorState, Link, Loading, Pager, TimeAgo } from '../components/ui';
import { formatBytes, shortId } from '../lib/format';
import { useCursorPager } from '../lib/pager';
import type { SearchParams } from '../app/routes';
import { BulkRedeliverButton, RecentBulkJobs } from '../bulk/BulkJobs';
import { SearchKeyFilter } from '../search/SearchKeyFilter';

export default function DeliveriesPage({ appId, search }: { appId: string | null; search: SearchParams | null }) {
  const trpc = useTRPC();
  const pager = useCursorPager(`${appId ?? ''}|${search?.key}|${search?.value}`);
  // What the list shows is what "Redeliver all matching" redelivers.
  const filter = {
    ...(appId ? { appId } : {}),
    ...(search ? { search: { name: search.key, value: search.value } } : {}),
  };
  const list = useQuery({
    ...trpc.deliveries.list.queryOptions({ limit: 25, cursor: pager.cursor, ...filter }),
    placeholderData: (previous) => previous,
    refetchInterval: 15_000,
  });
  const apps = useQuery(trpc.apps.list.queryOptions());
  const appNames = new Map((apps.data ?? []).map((app) => [app.id, app]));
  return (
    <div className="page">
      <header className="page-header">
        <h1>Deliveries</h1>
        <div className="page-actions">
          <select
            aria-label="App"
            value={appId ?? ''}
            onChange={(event) =>
              navigate({ name: 'deliveries', appId: event.target.value || null, ...(search ? { search } : {}) }, { replace: true })
            }
          >
            <option value="">All apps</option>
            {(apps.data ?? []).map((app) => (
              <option key={app.id} value={app.id}>
                {app.name}
              </option>
            ))}
          </select>
          <SearchKeyFilter
            appId={appId}
            search={search}
            onChange={(next) => navigate({ name: 'deliveries', appId, ...(next ? { search: next } : {}) }, { replace: true })}
          />
          <BulkRedeliverButton
            filter={filter}
            describe={
              [
                appId ? `app ${appNames.get(appId)?.name ?? appId}` : null,
                search ? `${search.key} = ${search.value}` : null,
              ]
                .filter(Boolean)
                .join(', ') || 'all deliveries'
            }
          />
        </div>
      </header>
      <RecentBulkJobs kind="redeliver" />
      <p className="muted small">
        Every webhook that passed its signature check. Requests that fail verification are answered 401 and never stored.
      </p>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <EmptyState title={appId || search ? 'No delivery matches these filters' : 'No deliveries yet'}>
          Give a partner the webhook URL of an app (Apps &amp; connections); what it posts shows up here.
        </EmptyState>
      ) : (
        <>
          <table className="table" data-testid="delivery-table">
            <thead>
              <tr>
                <th>Received</th>
                <th>App</th>
                <th>Delivery id</th>
                <th>Verification</th>
                <th className="num">Size</th>
                <th className="num">Runs</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <Link route={{ name: 'delivery', deliveryId: delivery.id }}>
                      <TimeAgo date={delivery.receivedAt} />
                    </Link>
                  </td>
                  <td>{appNames.get(delivery.appId)?.name ?? <span className="muted">deleted app</span>}</td>
                  <td>
                    <code title={delivery.deliveryId}>{shortId(delivery.deliveryId)}</code>{' '}
                    <span className="muted small">{delivery.deliveryIdSource}</span>
                    {delivery.idConflict ? (
                      <>
                        {' '}
                        <Badge
                          tone="bad"
                          title="Another delivery of this app has the same delivery id and a different body. The id is not signed: one of them may be a replay carrying a forged id."
                        >
                          id conflict
                        </Badge>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <Badge tone="ok">{delivery.verification}</Badge>
                    {delivery.quarantine ? (
                      <>
                        {' '}
                        <Badge
                          tone="bad"
                          title={`Its runs could not be created after ${delivery.quarantine.attempts} attempts; the sweeper leaves it alone. Last error: ${delivery.quarantine.error ?? 'unknown'}`}
                        >
                          quarantined
                        </Badge>
                      </>
                    ) : null}
                  </td>
                  <td className="num small">{formatBytes(delivery.sizeBytes)}</td>
                  <td className="num">{delivery.runIds.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={pager.page}
            hasPrev={pager.page > 1}
            hasNext={Boolean(list.data.nextCursor)}
            onPrev={pager.goNewer}
            onNext={() => pager.goOlder(list.data.nextCursor)}
            busy={list.isFetching}
          />
        </>
      )}
    </div>
  );
}
