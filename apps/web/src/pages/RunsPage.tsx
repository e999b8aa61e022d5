/** Runs: filters, pages, and statuses that change live (SSE subscription to `runs.onChange`). */
import { WaitingForBadge } from '../runs/FlowFacts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useMemo, useRef, useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { RunSummary } from '../api/types';
import { navigate } from '../app/navigation';
import type { RunFilters } from '../app/routes';
import { Badge, EmptyState, ErrorState, Link, Loading, Pager, StatusBadge, TimeAgo } from '../components/ui';
import { formatDuration, shortId } from '../lib/format';
import { useCursorPager } from '../lib/pager';
import { applyRunEvent, isFinal, type RunEvent } from '../runs/live';
import { RUN_STATUS_LIST } from '../runs/statuses';
import { BulkReplayButton, RecentBulkJobs } from '../bulk/BulkJobs';
import { SearchKeyFilter } from '../search/SearchKeyFilter';

const PAGE_SIZE = 25;
const RANGES = [
  { id: 'any', label: 'Any time', ms: 0 },
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
] as const;

export function LiveIndicator({ status }: { status: string }) {
  const label = status === 'pending' ? 'Live' : status === 'connecting' ? 'Connecting…' : status === 'error' ? 'Live updates lost' : 'Paused';
  return (
    <span className={`live live-${status}`} title="Run statuses update as they change" data-testid="live-status">
      <span className="dot" aria-hidden /> {label}
    </span>
  );
}

export default function RunsPage({ filters }: { filters: RunFilters }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [range, setRange] = useState<(typeof RANGES)[number]['id']>('any');
  const [correlation, setCorrelation] = useState(filters.correlationId ?? '');
  const status = RUN_STATUS_LIST.find((s) => s === filters.status);
  // `from` is fixed when the range is chosen, so pages stay stable.
  const from = useMemo(() => {
    const chosen = RANGES.find((r) => r.id === range);
    return chosen && chosen.ms > 0 ? new Date(Date.now() - chosen.ms) : undefined;
  }, [range]);
  const search = filters.key && filters.value ? { key: filters.key, value: filters.value } : null;
  const pager = useCursorPager(`${filters.scenarioId}|${status}|${filters.correlationId}|${range}|${filters.key}|${filters.value}`);
  // What the list shows is what "Replay all matching" replays.
  const filter = {
    ...(filters.scenarioId ? { scenarioId: filters.scenarioId } : {}),
    ...(status ? { status } : {}),
    ...(filters.correlationId ? { correlationId: filters.correlationId } : {}),
    ...(from ? { from } : {}),
    ...(search ? { search: { name: search.key, value: search.value } } : {}),
  };
  const input = { limit: PAGE_SIZE, cursor: pager.cursor, ...filter };
  const listOptions = trpc.runs.list.queryOptions(input);
  const list = useQuery({ ...listOptions, placeholderData: (previous) => previous });
  const scenarios = useQuery(trpc.scenarios.list.queryOptions({ limit: 200 }));
  const scenarioNames = new Map((scenarios.data?.items ?? []).map((s) => [s.id, s.name]));
  const [newRuns, setNewRuns] = useState(0);
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const onEvent = (event: RunEvent) => {
    const current = queryClient.getQueryData(listOptions.queryKey);
    if (!current) return;
    const applied = applyRunEvent(current.items, event);
    if (applied.changed) queryClient.setQueryData(listOptions.queryKey, { ...current, items: applied.items });
    const wanted = !status || status === event.status;
    const refetchSoon = () => {
      // At most twice a second, however many events arrive.
      if (refetchTimer.current) clearTimeout(refetchTimer.current);
      refetchTimer.current = setTimeout(() => void list.refetch(), 500);
    };
    if (applied.known) {
      // A finished run gets its duration and error from a refetch.
      if (isFinal(event.status)) refetchSoon();
    } else if (wanted && pager.page === 1) {
      refetchSoon();
    } else if (wanted) {
      setNewRuns((n) => n + 1);
    }
  };
  const live = useSubscription(
    trpc.runs.onChange.subscriptionOptions(filters.scenarioId ? { scenarioId: filters.scenarioId } : undefined, {
      onData: onEvent,
      // Events are not replayed after a reconnect: refetch what is shown.
      onStarted: () => void list.refetch(),
    }),
  );

  const setFilters = (next: RunFilters) => navigate({ name: 'runs', filters: next }, { replace: true });

  return (
    <div className="page">
      <header className="page-header">
        <h1>Runs</h1>
        <LiveIndicator status={live.status} />
        <div className="page-actions">
          <BulkReplayButton filter={filter} describe={describeFilter(filter, scenarioNames)} />
        </div>
      </header>
      <RecentBulkJobs kind="replay" />
      <div className="filters">
        <select
          aria-label="Scenario"
          value={filters.scenarioId ?? ''}
          onChange={(event) => setFilters({ ...filters, scenarioId: event.target.value || undefined } as RunFilters)}
        >
          <option value="">All scenarios</option>
          {(scenarios.data?.items ?? []).map((scenario) => (
            <option key={scenario.id} value={scenario.id}>
              {scenario.name}
            </option>
          ))}
        </select>
        <select
          aria-label="Status"
          value={status ?? ''}
          onChange={(event) => setFilters({ ...filters, status: event.target.value || undefined } as RunFilters)}
        >
          <option value="">Any status</option>
          {RUN_STATUS_LIST.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select aria-label="Created" value={range} onChange={(event) => setRange(event.target.value as typeof range)}>
          {RANGES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setFilters({ ...filters, correlationId: correlation.trim() || undefined } as RunFilters);
          }}
        >
          <input
            type="search"
            placeholder="Correlation / delivery id"
            aria-label="Correlation id"
            value={correlation}
            onChange={(event) => setCorrelation(event.target.value)}
          />
        </form>
        <SearchKeyFilter
          search={search}
          onChange={(next) => {
            const { key: _key, value: _value, ...rest } = filters;
            setFilters(next ? { ...rest, key: next.key, value: next.value } : rest);
          }}
        />
      </div>
      {newRuns > 0 ? (
        <button type="button" className="banner banner-info linkish" onClick={() => { setNewRuns(0); pager.goNewer(); }}>
          {newRuns} new run{newRuns === 1 ? '' : 's'} since — show the newest
        </button>
      ) : null}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <EmptyState title={Object.keys(filters).length > 0 || range !== 'any' ? 'No run matches these filters' : 'No runs yet'}>
          Runs appear here as soon as a webhook starts a published, enabled scenario.
        </EmptyState>
      ) : (
        <>
          <RunTable runs={list.data.items} scenarioNames={scenarioNames} />
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

/** The filter in words, for the confirmation of a bulk replay. */
function describeFilter(
  filter: { scenarioId?: string; status?: string; correlationId?: string; from?: Date; search?: { name: string; value: string } },
  scenarioNames: ReadonlyMap<string, string>,
): string {
  const parts: string[] = [];
  if (filter.scenarioId) parts.push(`scenario ${scenarioNames.get(filter.scenarioId) ?? filter.scenarioId}`);
  if (filter.status) parts.push(`status ${filter.status}`);
  if (filter.correlationId) parts.push(`correlation id ${filter.correlationId}`);
  if (filter.from) parts.push(`created since ${filter.from.toLocaleString()}`);
  if (filter.search) parts.push(`${filter.search.name} = ${filter.search.value}`);
  return parts.length > 0 ? parts.join(', ') : 'all runs';
}

export function RunTable({ runs, scenarioNames }: { runs: readonly RunSummary[]; scenarioNames: ReadonlyMap<string, string> }) {
  return (
    <table className="table" data-testid="run-table">
      <thead>
        <tr>
          <th>Status</th>
          <th>Run</th>
          <th>Scenario</th>
          <th>Trigger</th>
          <th>Started</th>
          <th className="num">Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run-id={run.id} data-status={run.status}>
            <td>
              <StatusBadge status={run.status} title={run.error?.message} /> <WaitingForBadge run={run} status={run.status} />
            </td>
            <td>
              <Link route={{ name: 'run', runId: run.id }}>
                <code>{shortId(run.id)}</code>
              </Link>
            </td>
            <td>
              <Link route={{ name: 'editor', scenarioId: run.scenarioId }}>{scenarioNames.get(run.scenarioId) ?? shortId(run.scenarioId)}</Link>{' '}
              <Badge>v{run.version}</Badge>
            </td>
            <td className="small">
              {run.trigger.kind}
              {run.trigger.replayOf ? ' (replay)' : ''}
            </td>
            <td className="small">
              <TimeAgo date={run.createdAt} />
            </td>
            <td className="num small">{formatDuration(run.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
