/** How a run of a flow-controlled scenario waits: the stage it waits in, its keys, a debounce's outcome. */
import type { Run, RunSummary } from '../api/types';
import { Badge, Link } from '../components/ui';
import { shortId } from '../lib/format';

const WAITING_LABELS = {
  debounce: 'waiting for more arrivals (debounce)',
  throttle: 'waiting for the next throttle window',
  concurrency: 'waiting for a concurrency slot',
} as const;

/** A queued run's wait, next to its status; nothing once it may start. */
export function WaitingForBadge({ run, status }: { run: Pick<RunSummary, 'waitingFor'>; status: string }) {
  if (status !== 'queued' || !run.waitingFor) return null;
  return (
    <span data-waiting-for={run.waitingFor}>
      <Badge tone="waiting">{WAITING_LABELS[run.waitingFor]}</Badge>
    </span>
  );
}

/** The run page's facts about flow control: the keys the run was counted under, and what became of it. */
export function FlowFacts({ run }: { run: Pick<Run, 'flow'> }) {
  const flow = run.flow;
  if (!flow) return null;
  const parts = [
    flow.debounce ? `debounce "${flow.debounce.key}" (${flow.debounce.mode})` : null,
    flow.throttle ? `throttle "${flow.throttle.key}" (${flow.throttle.count} per ${flow.throttle.periodMs} ms)` : null,
    flow.concurrency ? `concurrency "${flow.concurrency.key}" (at most ${flow.concurrency.limit})` : null,
  ].filter((part): part is string => part !== null);
  return (
    <div data-testid="run-flow">
      <dt>Flow control</dt>
      <dd>
        {parts.join(' · ')}
        {flow.supersededBy ? (
          <>
            {' · debounced into '}
            <Link route={{ name: 'run', runId: flow.supersededBy }}>{shortId(flow.supersededBy)}</Link>
          </>
        ) : null}
        {flow.collected !== null ? ` · ${flow.collected} inputs collected` : null}
      </dd>
    </div>
  );
}
