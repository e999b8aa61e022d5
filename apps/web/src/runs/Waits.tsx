/**
 * A run's waits in the run view: approvals (`wait.approval`) with Approve / Reject while open and
 * the decision after; event waits (`wait.event`) with the key they wait for and the delivery that came.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { Run } from '../api/types';
import { Button, CopyButton, InlineError, JsonView, TimeAgo } from '../components/ui';

type Wait = Run['waits'][number];

function Decided({ wait }: { wait: Wait }) {
  const resolution = wait.resolution!;
  if (resolution.timedOut)
    return (
      <p>
        Timed out <TimeAgo date={wait.resolvedAt} />: nobody decided in time.
      </p>
    );
  return (
    <>
      <p>
        <strong>{resolution.decision === 'approved' ? 'Approved' : 'Rejected'}</strong> by {resolution.by}{' '}
        <TimeAgo date={wait.resolvedAt} />
      </p>
      {resolution.data !== null ? <JsonView value={resolution.data} /> : null}
    </>
  );
}

function OpenApproval({ runId, wait, live }: { runId: string; wait: Wait; live: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const resume = useMutation(
    trpc.runs.resume.mutationOptions({
      onSettled: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ id: runId }) }),
    }),
  );
  const decide = (decision: 'approved' | 'rejected') =>
    resume.mutate({
      runId,
      nodeId: wait.nodeId,
      ...(wait.itemIndex === null ? {} : { itemIndex: wait.itemIndex }),
      decision,
      ...(comment.trim() === '' ? {} : { data: { comment: comment.trim() } }),
    });
  const link = wait.resumePath ? `${window.location.origin}${wait.resumePath}` : null;
  return (
    <>
      <p className="muted small">
        Waiting for a decision; times out <TimeAgo date={wait.expiresAt} />.
      </p>
      <div className="approval-actions">
        <input
          aria-label="Comment"
          placeholder="Comment (optional)"
          value={comment}
          onChange={(event) => setComment(event.target.value)}
          disabled={!live}
        />
        <Button
          small
          variant="primary"
          disabled={!live}
          busy={resume.isPending && resume.variables?.decision === 'approved'}
          onClick={() => decide('approved')}
        >
          Approve
        </Button>
        <Button
          small
          variant="danger"
          disabled={!live}
          busy={resume.isPending && resume.variables?.decision === 'rejected'}
          onClick={() => decide('rejected')}
        >
          Reject
        </Button>
      </div>
      {link ? (
        <p className="muted small" data-testid="resume-link">
          Single-use resume link: <code>{link}</code> <CopyButton text={link} label="Copy link" />
        </p>
      ) : null}
      <InlineError error={resume.error} />
    </>
  );
}

function EventWait({ wait }: { wait: Wait }) {
  const resolution = wait.resolution;
  if (!resolution)
    return (
      <p className="muted small">
        Waiting for a delivery with the key <code>{wait.correlationKey}</code>; times out{' '}
        <TimeAgo date={wait.expiresAt} />.
      </p>
    );
  if (resolution.timedOut)
    return (
      <p>
        Timed out <TimeAgo date={wait.resolvedAt} />: no matching delivery came.
      </p>
    );
  const event = resolution.data as { deliveryId?: string; body?: unknown } | null;
  // The body is what a person looks for; the headers are in the step's output.
  return (
    <>
      <p>
        <strong>Arrived</strong> <TimeAgo date={wait.resolvedAt} />: delivery <code>{event?.deliveryId}</code>
      </p>
      <JsonView value={event?.body} empty="no body" />
    </>
  );
}

/** `live`: the run still waits (a finished run's open approval can no longer be decided). */
export function RunWaits({ run, live }: { run: Pick<Run, 'id' | 'waits'>; live: boolean }) {
  if (run.waits.length === 0) return null;
  return (
    <section className="approvals" aria-label="Waits">
      {run.waits.map((wait) =>
        wait.kind === 'event' ? (
          <div
            key={`${wait.nodeId}:${wait.itemIndex ?? ''}`}
            className="approval"
            data-event-wait={wait.nodeId}
            data-wait-state={wait.resolution ? (wait.resolution.timedOut ? 'timed-out' : 'arrived') : 'open'}
          >
            <h3>
              Waiting for an event{' '}
              <span className="muted small">
                <code>{wait.nodeId}</code>
                {wait.itemIndex === null ? null : ` · item ${wait.itemIndex}`}
              </span>
            </h3>
            <EventWait wait={wait} />
          </div>
        ) : (
          <div
            key={`${wait.nodeId}:${wait.itemIndex ?? ''}`}
            className="approval"
            data-approval={wait.nodeId}
            data-approval-state={
              wait.resolution ? (wait.resolution.timedOut ? 'timed-out' : wait.resolution.decision) : 'open'
            }
          >
            <h3>
              {wait.message ?? 'Approve this step?'}{' '}
              <span className="muted small">
                <code>{wait.nodeId}</code>
                {wait.itemIndex === null ? null : ` · item ${wait.itemIndex}`}
              </span>
            </h3>
            {wait.resolution ? (
              <Decided wait={wait} />
            ) : (
              <OpenApproval runId={run.id} wait={wait} live={live} />
            )}
          </div>
        ),
      )}
    </section>
  );
}
