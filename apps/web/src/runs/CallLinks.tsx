/** A run's scenario-call links in the run view: the run that called it, and the runs it called. */
import type { Run } from '../api/types';
import { Link, StatusBadge } from '../components/ui';
import { shortId } from '../lib/format';

export function CallFacts({ run }: { run: Pick<Run, 'parent' | 'children'> }) {
  return (
    <>
      {run.parent ? (
        <div data-testid="run-parent">
          <dt>Called by</dt>
          <dd>
            run <Link route={{ name: 'run', runId: run.parent.runId }}>{shortId(run.parent.runId)}</Link> ·
            node <code>{run.parent.nodeId}</code>
            {run.parent.wait ? ' (waits for this run)' : ''}
          </dd>
        </div>
      ) : null}
      {run.children.length > 0 ? (
        <div data-testid="run-children">
          <dt>Called runs</dt>
          <dd>
            <ul className="call-links">
              {run.children.map((child) => (
                <li key={child.runId} data-child-run={child.runId}>
                  <code>{child.nodeId}</code> →{' '}
                  <Link route={{ name: 'run', runId: child.runId }}>{shortId(child.runId)}</Link>{' '}
                  <StatusBadge status={child.status} />
                </li>
              ))}
            </ul>
          </dd>
        </div>
      ) : null}
    </>
  );
}
