/** How a run relates to failure handling: the run a handler run handles, the handler a failed run started. */
import type { Run } from '../api/types';
import { Badge, Link } from '../components/ui';
import { shortId } from '../lib/format';

/** The run's trigger part: a failure handler run links to the failed run. */
export function FailureOfLink({ run }: { run: Pick<Run, 'trigger'> }) {
  if (!run.trigger.failureOf) return null;
  return (
    <>
      {' · handles the failure of '}
      <Link route={{ name: 'run', runId: run.trigger.failureOf }}>{shortId(run.trigger.failureOf)}</Link>
    </>
  );
}

/** The failure handler a failed run started: its run, still being created, or why it did not start. */
export function FailureHandlerField({ run }: { run: Pick<Run, 'failureHandler'> }) {
  const handler = run.failureHandler;
  if (!handler) return null;
  return (
    <div data-testid="failure-handler">
      <dt>Failure handler</dt>
      <dd>
        {handler.runId ? (
          <Link route={{ name: 'run', runId: handler.runId }}>run {shortId(handler.runId)}</Link>
        ) : handler.error ? (
          <span className="inline-error">not started: {handler.error}</span>
        ) : (
          <span className="muted">being started…</span>
        )}
      </dd>
    </div>
  );
}

/** Beside a failed step's status: its error path took the failure. */
export function HandledMark({ step }: { step: { handled?: boolean } | undefined }) {
  return step?.handled ? (
    <span title="Failed, and taken by its error path: the run went on">
      {' '}
      <Badge>handled</Badge>
    </span>
  ) : null;
}
