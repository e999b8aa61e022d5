/** Scenarios: search, status, last run; create, enable/disable, duplicate, delete. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { issueFor, describeError } from '../api/errors';
import { useTRPC } from '../api/trpc';
import type { App, ScenarioSummary } from '../api/types';
import { navigate } from '../app/navigation';
import {
  Badge,
  Button,
  ConfirmDialog,
  Dialog,
  EmptyState,
  ErrorState,
  Field,
  InlineError,
  Link,
  Loading,
  Pager,
  StatusBadge,
  TimeAgo,
  useErrorToast,
  useToast,
} from '../components/ui';
import { useCursorPager } from '../lib/pager';
import { StartRunDialog } from '../runs/StartRunDialog';

const PAGE_SIZE = 25;

function triggerText(trigger: ScenarioSummary['trigger'], apps: ReadonlyMap<string, App>): string {
  switch (trigger.kind) {
    case 'webhook':
      return trigger.appId ? `Webhook · ${apps.get(trigger.appId)?.name ?? 'unknown app'}` : 'Webhook · no app';
    case 'schedule':
      return `Schedule · ${trigger.cron}`;
    case 'manual':
      return 'Manual';
    default:
      return 'No trigger';
  }
}

function LastRun({ scenarioId }: { scenarioId: string }) {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runs.list.queryOptions({ scenarioId, limit: 1 }));
  if (runs.isPending) return <span className="muted">…</span>;
  if (runs.isError) return <span className="muted">?</span>;
  const run = runs.data.items[0];
  if (!run) return <span className="muted">never</span>;
  return (
    <a href={`#/runs/${run.id}`} className="last-run">
      <StatusBadge status={run.status} /> <TimeAgo date={run.createdAt} />
    </a>
  );
}

export default function ScenariosPage({ query }: { query: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const errorToast = useErrorToast();
  const [search, setSearch] = useState(query);
  const [enabledFilter, setEnabledFilter] = useState<'all' | 'enabled' | 'disabled'>('all');
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ScenarioSummary | null>(null);
  const [running, setRunning] = useState<ScenarioSummary | null>(null);

  // The search box writes the URL (debounced), so a search can be shared and survives a reload.
  useEffect(() => {
    if (search === query) return;
    const timer = setTimeout(() => navigate({ name: 'scenarios', query: search.trim() }, { replace: true }), 250);
    return () => clearTimeout(timer);
  }, [search, query]);

  const filterKey = `${query}|${enabledFilter}`;
  const pager = useCursorPager(filterKey);
  const list = useQuery({
    ...trpc.scenarios.list.queryOptions({
      limit: PAGE_SIZE,
      cursor: pager.cursor,
      ...(query ? { name: query } : {}),
      ...(enabledFilter === 'all' ? {} : { enabled: enabledFilter === 'enabled' }),
    }),
    placeholderData: (previous) => previous,
  });
  const apps = useQuery(trpc.apps.list.queryOptions());
  const appMap = new Map((apps.data ?? []).map((app) => [app.id, app]));

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.scenarios.list.queryKey() });
  const setEnabled = useMutation(trpc.scenarios.setEnabled.mutationOptions({ onSuccess: invalidate, onError: errorToast }));
  const duplicate = useMutation(
    trpc.scenarios.duplicate.mutationOptions({
      onSuccess: (copy) => {
        void invalidate();
        toast(`Created “${copy.name}”`, 'ok');
      },
      onError: errorToast,
    }),
  );
  const remove = useMutation(
    trpc.scenarios.delete.mutationOptions({
      onSuccess: () => {
        void invalidate();
        setDeleting(null);
        toast('Scenario deleted; its runs stay readable', 'ok');
      },
    }),
  );

  return (
    <div className="page">
      <header className="page-header">
        <h1>Scenarios</h1>
        <div className="page-actions">
          <input
            type="search"
            className="search"
            placeholder="Search by name…"
            aria-label="Search scenarios"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <select aria-label="Status" value={enabledFilter} onChange={(event) => setEnabledFilter(event.target.value as typeof enabledFilter)}>
            <option value="all">All</option>
            <option value="enabled">Enabled</option>
            <option value="disabled">Disabled</option>
          </select>
          <Button variant="primary" onClick={() => setCreating(true)}>
            New scenario
          </Button>
        </div>
      </header>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        query || enabledFilter !== 'all' ? (
          <EmptyState title="No scenario matches">Try another name or status.</EmptyState>
        ) : (
          <EmptyState
            title="No scenarios yet"
            action={
              <Button variant="primary" onClick={() => setCreating(true)}>
                Create your first scenario
              </Button>
            }
          >
            A scenario runs when a partner’s webhook arrives: verify it, call APIs, branch, transform, and send webhooks on.
          </EmptyState>
        )
      ) : (
        <>
          <table className="table" data-testid="scenario-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Trigger</th>
                <th>Status</th>
                <th>Last run</th>
                <th>Updated</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((scenario) => (
                <tr key={scenario.id}>
                  <td>
                    <Link route={{ name: 'editor', scenarioId: scenario.id }} className="strong">
                      {scenario.name}
                    </Link>
                    {scenario.description ? <div className="muted small">{scenario.description}</div> : null}
                  </td>
                  <td className="small">{triggerText(scenario.trigger, appMap)}</td>
                  <td>
                    <label className="switch" title={scenario.enabled ? 'Disable' : 'Enable'}>
                      <input
                        type="checkbox"
                        checked={scenario.enabled}
                        aria-label={`${scenario.enabled ? 'Disable' : 'Enable'} ${scenario.name}`}
                        onChange={(event) => setEnabled.mutate({ id: scenario.id, enabled: event.target.checked })}
                      />
                      <span>{scenario.enabled ? 'Enabled' : 'Disabled'}</span>
                    </label>{' '}
                    {scenario.version > 0 ? <Badge tone="ok">v{scenario.version}</Badge> : <Badge>draft only</Badge>}
                  </td>
                  <td>
                    <LastRun scenarioId={scenario.id} />
                  </td>
                  <td className="small">
                    <TimeAgo date={scenario.updatedAt} />
                  </td>
                  <td className="actions">
                    {scenario.trigger.kind === 'manual' || scenario.publishedTrigger?.kind === 'manual' ? (
                      <Button small variant="ghost" onClick={() => setRunning(scenario)} aria-label={`Run ${scenario.name}`}>
                        Run
                      </Button>
                    ) : null}
                    <Link route={{ name: 'runs', filters: { scenarioId: scenario.id } }} className="btn btn-ghost btn-sm">
                      Runs
                    </Link>
                    <Button small variant="ghost" onClick={() => duplicate.mutate({ id: scenario.id })}>
                      Duplicate
                    </Button>
                    <Button small variant="ghost" onClick={() => setDeleting(scenario)}>
                      Delete
                    </Button>
                  </td>
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
      {creating ? <CreateScenarioDialog apps={apps.data ?? []} onClose={() => setCreating(false)} /> : null}
      {running ? (
        <StartRunDialog
          scenarioId={running.id}
          scenarioName={running.name}
          onClose={() => setRunning(null)}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete"
          danger
          busy={remove.isPending}
          error={remove.error}
          onClose={() => setDeleting(null)}
          onConfirm={() => remove.mutate({ id: deleting.id })}
        >
          It stops running at once and leaves this list. Its versions and runs are kept and stay readable.
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function CreateScenarioDialog({ apps, onClose }: { apps: readonly App[]; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [start, setStart] = useState<string>(apps.length > 0 ? `app:${apps[0]?.id}` : 'manual');
  const create = useMutation(trpc.scenarios.create.mutationOptions());
  const info = create.error ? describeError(create.error) : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trigger =
      start.startsWith('app:')
        ? { id: 'webhook', type: 'trigger.webhook', version: 1, config: { appId: start.slice(4) }, position: { x: 0, y: 0 } }
        : start === 'manual'
          ? { id: 'manual', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } }
          : null;
    try {
      const scenario = await create.mutateAsync({
        name,
        description,
        ...(trigger ? { draft: { nodes: [trigger], edges: [], viewport: null } } : {}),
      });
      void queryClient.invalidateQueries({ queryKey: trpc.scenarios.list.queryKey() });
      onClose();
      navigate({ name: 'editor', scenarioId: scenario.id });
    } catch {
      // shown in the form
    }
  };

  return (
    <Dialog
      title="New scenario"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="create-scenario" busy={create.isPending}>
            Create and open
          </Button>
        </>
      }
    >
      <form id="create-scenario" onSubmit={submit}>
        <Field label="Name" htmlFor="scenario-name" required error={info ? issueFor(info, 'name') : undefined}>
          <input id="scenario-name" value={name} onChange={(event) => setName(event.target.value)} placeholder="Orders to fulfilment" />
        </Field>
        <Field label="Description" htmlFor="scenario-description">
          <textarea id="scenario-description" rows={2} value={description} onChange={(event) => setDescription(event.target.value)} />
        </Field>
        <Field label="Starts with" htmlFor="scenario-start" hint="You can change the trigger in the editor.">
          <select id="scenario-start" value={start} onChange={(event) => setStart(event.target.value)}>
            {apps.map((app) => (
              <option key={app.id} value={`app:${app.id}`}>
                A webhook from {app.name}
              </option>
            ))}
            <option value="manual">A manual trigger</option>
            <option value="empty">Nothing (an empty canvas)</option>
          </select>
        </Field>
        {info && !issueFor(info, 'name') ? <InlineError error={create.error} /> : null}
      </form>
    </Dialog>
  );
}
