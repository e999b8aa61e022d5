/** Bulk replays and redeliveries: starting one for what a list shows, and their progress with Cancel. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { BulkJob, RouterInputs } from '../api/types';
import { Badge, Button, ConfirmDialog, Field, InlineError, TimeAgo, useToast } from '../components/ui';
import { bulkJobActive, bulkJobPercent, bulkJobSummary } from './progress';

const POLL_MS = 1_000;

function BulkJobProgress({ job }: { job: BulkJob }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cancel = useMutation(
    trpc.bulkJobs.cancel.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.bulkJobs.pathKey() }),
    }),
  );
  const percent = bulkJobPercent(job);
  const label = job.kind === 'replay' ? 'Replay' : 'Redelivery';
  return (
    <div className="bulk-job" data-testid="bulk-job" data-status={job.status} data-job-id={job.id}>
      <div className="bulk-job-head">
        <strong>
          {label} of {job.total ?? 'the matching'} {job.kind === 'replay' ? 'runs' : 'deliveries'}
        </strong>{' '}
        <Badge tone={job.status === 'done' ? 'ok' : job.status === 'cancelled' ? 'waiting' : 'active'}>
          {job.status}
        </Badge>{' '}
        {job.options ? (
          <span className="muted small">
            from {job.options.from}, {job.options.version} version
          </span>
        ) : null}{' '}
        <span className="muted small">
          <TimeAgo date={job.createdAt} /> by {job.createdBy}
        </span>
        {bulkJobActive(job) ? (
          <Button small busy={cancel.isPending} onClick={() => cancel.mutate({ id: job.id })}>
            Cancel
          </Button>
        ) : null}
      </div>
      <progress
        max={100}
        value={percent ?? undefined}
        aria-label={`${label} progress`}
        data-testid="bulk-progress"
      />
      <div className="small" data-testid="bulk-counts">
        {bulkJobSummary(job)}
      </div>
      {job.problems.length > 0 ? (
        <details className="small">
          <summary>
            {job.problems.length} item{job.problems.length === 1 ? '' : 's'} not{' '}
            {job.kind === 'replay' ? 'replayed' : 'redelivered'}
          </summary>
          <ul>
            {job.problems.map((problem) => (
              <li key={problem.sourceId}>
                <code>{problem.sourceId}</code> {problem.outcome}: {problem.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <InlineError error={cancel.error} />
    </div>
  );
}

/** The latest jobs of a kind, polled while one of them is queued or running. */
export function RecentBulkJobs({ kind }: { kind: BulkJob['kind'] }) {
  const trpc = useTRPC();
  const jobs = useQuery({
    ...trpc.bulkJobs.list.queryOptions({ kind, limit: 3 }),
    refetchInterval: (query) => (query.state.data?.items.some(bulkJobActive) ? POLL_MS : false),
  });
  const items = jobs.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section className="bulk-jobs" aria-label={kind === 'replay' ? 'Bulk replays' : 'Bulk redeliveries'}>
      {items.map((job) => (
        <BulkJobProgress key={job.id} job={job} />
      ))}
    </section>
  );
}

type RunFilter = RouterInputs['runs']['bulkReplay']['filter'];
type DeliveryFilter = RouterInputs['deliveries']['bulkRedeliver']['filter'];

/** "Replay all matching": the runs the list's filters select, from the start or the failure, with the pinned or the published version. */
export function BulkReplayButton({ filter, describe }: { filter: RunFilter; describe: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState<'start' | 'failure'>('start');
  const [version, setVersion] = useState<'original' | 'published'>('original');
  const start = useMutation(
    trpc.runs.bulkReplay.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.bulkJobs.pathKey() });
        toast('Replay started', 'ok');
        setOpen(false);
      },
    }),
  );
  return (
    <>
      <Button onClick={() => setOpen(true)}>Replay all matching…</Button>
      {open ? (
        <ConfirmDialog
          title="Replay all matching runs"
          confirmLabel="Replay"
          busy={start.isPending}
          error={start.error}
          onClose={() => setOpen(false)}
          onConfirm={() => start.mutate({ filter, from, version })}
        >
          <p>
            Every finished run matching <strong>{describe}</strong> now is replayed once, in the background.
            Runs still in progress are skipped.
          </p>
          <Field label="Start from" htmlFor="bulk-from">
            <select
              id="bulk-from"
              value={from}
              onChange={(event) => setFrom(event.target.value as typeof from)}
            >
              <option value="start">the start (every step again)</option>
              <option value="failure">the failure (succeeded steps keep their outputs)</option>
            </select>
          </Field>
          <Field label="Version" htmlFor="bulk-version">
            <select
              id="bulk-version"
              value={version}
              onChange={(event) => setVersion(event.target.value as typeof version)}
            >
              <option value="original">the version each run used</option>
              <option value="published">the published version now</option>
            </select>
          </Field>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/** "Redeliver all matching": the deliveries the list's filters select, each to the scenarios matching it now. */
export function BulkRedeliverButton({ filter, describe }: { filter: DeliveryFilter; describe: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const start = useMutation(
    trpc.deliveries.bulkRedeliver.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.bulkJobs.pathKey() });
        toast('Redelivery started', 'ok');
        setOpen(false);
      },
    }),
  );
  return (
    <>
      <Button onClick={() => setOpen(true)}>Redeliver all matching…</Button>
      {open ? (
        <ConfirmDialog
          title="Redeliver all matching deliveries"
          confirmLabel="Redeliver"
          busy={start.isPending}
          error={start.error}
          onClose={() => setOpen(false)}
          onConfirm={() => start.mutate({ filter })}
        >
          <p>
            Every delivery matching <strong>{describe}</strong> now runs again, once, for each enabled,
            published scenario whose trigger matches it.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
