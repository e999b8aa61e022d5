/** One delivery: verification, headers (credentials redacted), body, its runs; redeliver. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { Delivery } from '../api/types';
import {
  Badge,
  Button,
  Dialog,
  ErrorState,
  InlineError,
  JsonView,
  Link,
  Loading,
  StatusBadge,
  TimeAgo,
  useToast,
} from '../components/ui';
import { formatBytes, formatDateTime, prettyJson, shortId } from '../lib/format';
import { WebhookReply } from '../runs/WebhookReply';
import { SearchKeyValues } from '../search/SearchKeyValues';

function bodyText(delivery: Delivery): string {
  if (delivery.bodyEncoding === 'base64') return `(binary, ${formatBytes(delivery.sizeBytes)}, base64)\n${delivery.body}`;
  if (/json/i.test(delivery.contentType ?? '')) {
    try {
      return prettyJson(JSON.parse(delivery.body));
    } catch {
      return delivery.body;
    }
  }
  return delivery.body;
}

export default function DeliveryPage({ deliveryId }: { deliveryId: string }) {
  const trpc = useTRPC();
  const delivery = useQuery(trpc.deliveries.get.queryOptions({ id: deliveryId }));
  const apps = useQuery(trpc.apps.list.queryOptions());
  const [redelivering, setRedelivering] = useState(false);
  if (delivery.isPending) return <Loading />;
  if (delivery.isError) {
    return (
      <div className="page">
        <ErrorState error={delivery.error} onRetry={() => void delivery.refetch()} />
      </div>
    );
  }
  const data = delivery.data;
  const app = apps.data?.find((a) => a.id === data.appId);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <Link route={{ name: 'deliveries', appId: null }} className="back-link">
            ← Deliveries
          </Link>
          <h1>
            Delivery <code>{shortId(data.deliveryId)}</code>
          </h1>
        </div>
        <div className="page-actions">
          <Button variant="primary" onClick={() => setRedelivering(true)} disabled={!app}>
            Redeliver
          </Button>
        </div>
      </header>
      <dl className="facts">
        <div>
          <dt>Verification</dt>
          <dd>
            <Badge tone="ok">{data.verification}</Badge> {data.scheme ? <span className="muted small">with {data.scheme}</span> : null}
          </dd>
        </div>
        <div>
          <dt>App</dt>
          <dd>{app ? <Link route={{ name: 'app', appId: app.id }}>{app.name}</Link> : <span className="muted">deleted</span>}</dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd title={formatDateTime(data.receivedAt)}>
            <TimeAgo date={data.receivedAt} />
          </dd>
        </div>
        <div>
          <dt>Delivery id</dt>
          <dd>
            <code>{data.deliveryId}</code> <span className="muted small">from {data.deliveryIdSource}</span>
          </dd>
        </div>
        <div>
          <dt>Request</dt>
          <dd>
            {data.method} · {data.contentType ?? 'no content type'} · {formatBytes(data.sizeBytes)}
          </dd>
        </div>
        <SearchKeyValues values={data.searchKeys} routeOf={(search) => ({ name: 'deliveries', appId: null, search })} />
      </dl>
      {data.replyFrom ? (
        <section className="section" data-testid="delivery-reply">
          <h2>Reply</h2>
          {data.reply ? (
            <>
              <p className="small">
                Answered by node <code>{data.reply.nodeId}</code> of run{' '}
                <Link route={{ name: 'run', runId: data.reply.runId }}>
                  <code>{shortId(data.reply.runId)}</code>
                </Link>
                ; retries of this delivery get the same answer.
              </p>
              <WebhookReply reply={data.reply} title="Sent" />
            </>
          ) : (
            <p className="muted">
              No reply within {Math.round(data.replyFrom.timeoutMs / 1000)} s: answered 202; a retry waits for the run's
              reply again.
            </p>
          )}
        </section>
      ) : null}
      <section className="section">
        <h2>Runs</h2>
        {data.runs.length === 0 ? (
          <p className="muted">No scenario matched this delivery when it arrived.</p>
        ) : (
          <table className="table table-compact">
            <tbody>
              {data.runs.map((run) => (
                <tr key={run.id}>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>
                    <Link route={{ name: 'run', runId: run.id }}>
                      <code>{shortId(run.id)}</code>
                    </Link>
                  </td>
                  <td className="small">{run.kind}</td>
                  <td className="small">
                    <TimeAgo date={run.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <div className="two-columns">
        <section className="section">
          <h2>Headers</h2>
          <table className="table table-compact headers">
            <tbody>
              {Object.entries(data.headers).map(([name, value]) => (
                <tr key={name}>
                  <td>
                    <code>{name}</code>
                  </td>
                  <td className={value === '[redacted]' ? 'muted' : undefined}>{String(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="section">
          <h2>Body</h2>
          <JsonView value={bodyText(data)} empty="empty body" />
        </section>
      </div>
      {redelivering && app ? <RedeliverDialog delivery={data} appId={app.id} onClose={() => setRedelivering(false)} /> : null}
    </div>
  );
}

function RedeliverDialog({ delivery, appId, onClose }: { delivery: Delivery; appId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const scenarios = useQuery(trpc.scenarios.list.queryOptions({ appId, limit: 100 }));
  const [mode, setMode] = useState<'all' | 'some'>('all');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const redeliver = useMutation(trpc.deliveries.redeliver.mutationOptions());
  const candidates = useMemo(() => (scenarios.data?.items ?? []).filter((s) => s.version > 0), [scenarios.data]);
  const submit = async () => {
    try {
      const result = await redeliver.mutateAsync({ id: delivery.id, ...(mode === 'some' ? { scenarioIds: [...chosen] } : {}) });
      void queryClient.invalidateQueries({ queryKey: trpc.deliveries.get.queryKey({ id: delivery.id }) });
      toast(
        result.runIds.length === 0
          ? 'No scenario matches this delivery now (enabled, published, filter)'
          : `Started ${result.runIds.length} run(s)${result.notMatched.length > 0 ? `; ${result.notMatched.length} chosen scenario(s) do not match` : ''}`,
        result.runIds.length === 0 ? 'bad' : 'ok',
      );
      onClose();
    } catch {
      // shown below
    }
  };
  return (
    <Dialog
      title="Redeliver"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={redeliver.isPending} disabled={mode === 'some' && chosen.size === 0} onClick={() => void submit()}>
            Redeliver
          </Button>
        </>
      }
    >
      <p>
        Runs the stored body and headers again, as they arrived (the signature was verified then). Scenarios are matched as
        they are <em>now</em>: enabled, published, and their trigger filter.
      </p>
      <label className="checkbox">
        <input type="radio" name="redeliver-mode" checked={mode === 'all'} onChange={() => setMode('all')} />
        <span>Every scenario that matches</span>
      </label>
      <label className="checkbox">
        <input type="radio" name="redeliver-mode" checked={mode === 'some'} onChange={() => setMode('some')} />
        <span>Only these scenarios:</span>
      </label>
      {mode === 'some' ? (
        scenarios.isPending ? (
          <Loading />
        ) : candidates.length === 0 ? (
          <p className="muted">No published scenario is triggered by this app.</p>
        ) : (
          <ul className="choice-list">
            {candidates.map((scenario) => (
              <li key={scenario.id}>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={chosen.has(scenario.id)}
                    onChange={(event) => {
                      const next = new Set(chosen);
                      if (event.target.checked) next.add(scenario.id);
                      else next.delete(scenario.id);
                      setChosen(next);
                    }}
                  />
                  <span>
                    {scenario.name} {scenario.enabled ? null : <Badge>disabled</Badge>}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )
      ) : null}
      <InlineError error={redeliver.error} />
    </Dialog>
  );
}
