/** Publishing with a diff summary, the version history, and the shortcut help. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { GraphDiff, GraphProblem } from '@weft/core';
import { useEffect, useState } from 'react';
import { describeError } from '../api/errors';
import { useTRPC } from '../api/trpc';
import { Badge, Button, Dialog, EmptyState, ErrorState, InlineError, Loading, TimeAgo, useToast } from '../components/ui';
import { plural } from '../lib/format';
import { type AutosaveState, hasUnsavedChanges } from './autosave';
import type { EditableGraph } from './graph';
import { shortMessage } from './problems';
import { SHORTCUTS } from './shortcuts';

export function DiffSummary({ diff }: { diff: GraphDiff }) {
  if (diff.unchanged) return <p className="muted">No changes: the draft is the same as this version.</p>;
  const rows: [string, readonly string[]][] = [
    ['Nodes added', diff.nodes.added],
    ['Nodes removed', diff.nodes.removed],
    ['Nodes changed', diff.nodes.changed.map((c) => `${c.nodeId} (${c.fields.join(', ')})`)],
    ['Nodes moved', diff.nodes.moved],
    ['Connections added', diff.edges.added],
    ['Connections removed', diff.edges.removed],
  ];
  return (
    <dl className="diff" data-testid="diff-summary">
      {rows
        .filter(([, items]) => items.length > 0)
        .map(([label, items]) => (
          <div key={label} className={`diff-row diff-${label.split(' ')[1]}`}>
            <dt>
              {label} <Badge>{items.length}</Badge>
            </dt>
            <dd>{items.join(', ')}</dd>
          </div>
        ))}
    </dl>
  );
}

export function PublishDialog({
  scenarioId,
  save,
  saveNow,
  problems,
  enabled,
  onClose,
  onPublished,
}: {
  scenarioId: string;
  save: AutosaveState;
  saveNow: () => Promise<void>;
  problems: readonly GraphProblem[];
  enabled: boolean;
  onClose: () => void;
  onPublished: (version: number, enabled: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [enableAfter, setEnableAfter] = useState(!enabled);
  const unsaved = hasUnsavedChanges(save);
  useEffect(() => {
    if (unsaved && save.status !== 'saving' && save.status !== 'conflict') void saveNow();
  }, [unsaved, save.status, saveNow]);
  const diff = useQuery({
    ...trpc.scenarios.diff.queryOptions({ id: scenarioId }),
    enabled: !unsaved,
    staleTime: 0,
    gcTime: 0,
  });
  // A save while the dialog is open changes what would be published.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch on a new revision
  useEffect(() => {
    if (!unsaved) void diff.refetch();
  }, [save.revision]);
  const publish = useMutation(trpc.scenarios.publish.mutationOptions());
  const setEnabled = useMutation(trpc.scenarios.setEnabled.mutationOptions());
  const serverProblems = publish.error ? describeError(publish.error).problems : [];
  const shownProblems = serverProblems.length > 0 ? serverProblems : problems;

  const confirm = async () => {
    try {
      const result = await publish.mutateAsync({ id: scenarioId });
      let nowEnabled = result.scenario.enabled;
      if (enableAfter && !nowEnabled) nowEnabled = (await setEnabled.mutateAsync({ id: scenarioId, enabled: true })).enabled;
      void queryClient.invalidateQueries({ queryKey: trpc.scenarios.pathKey() });
      toast(`Published version ${result.version.version}${nowEnabled ? ' — enabled' : ''}`, 'ok');
      onPublished(result.version.version, nowEnabled);
    } catch {
      // shown below
    }
  };

  return (
    <Dialog
      title="Publish"
      onClose={onClose}
      wide
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="primary"
            busy={publish.isPending || setEnabled.isPending}
            disabled={unsaved || shownProblems.length > 0 || !diff.data || diff.data.diff.unchanged}
            onClick={() => void confirm()}
          >
            Publish{diff.data ? ` version ${(diff.data.against?.version ?? 0) + 1}` : ''}
          </Button>
        </>
      }
    >
      {save.status === 'conflict' ? (
        <div className="notice notice-bad">The draft could not be saved (changed elsewhere). Resolve that first.</div>
      ) : unsaved ? (
        <Loading label="Saving your changes first…" />
      ) : diff.isPending ? (
        <Loading label="Comparing with the published version…" />
      ) : diff.isError ? (
        <ErrorState error={diff.error} onRetry={() => void diff.refetch()} />
      ) : (
        <>
          <p>
            {diff.data.against
              ? `Changes of revision ${diff.data.revision} compared with the published version ${diff.data.against.version}:`
              : 'This will be the first version. Everything in the draft is new:'}
          </p>
          <DiffSummary diff={diff.data.diff} />
          <p className="muted small">
            Runs already started keep the version they started with; new runs use the new version.
          </p>
        </>
      )}
      {shownProblems.length > 0 ? (
        <div className="notice notice-bad">
          <strong>Fix {plural(shownProblems.length, 'problem')} first:</strong>
          <ul className="problem-list">
            {shownProblems.map((problem) => (
              <li key={problem.message}>{problem.nodeId ? `${problem.nodeId}: ${shortMessage(problem)}` : problem.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {!enabled ? (
        <label className="checkbox">
          <input type="checkbox" checked={enableAfter} onChange={(event) => setEnableAfter(event.target.checked)} />
          <span>Enable the scenario after publishing (webhooks start it)</span>
        </label>
      ) : null}
      {serverProblems.length === 0 ? <InlineError error={publish.error ?? setEnabled.error} /> : null}
    </Dialog>
  );
}

export function VersionsDialog({
  scenarioId,
  onClose,
  onRestore,
}: {
  scenarioId: string;
  onClose: () => void;
  onRestore: (graph: EditableGraph, version: number) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery({ ...trpc.scenarios.versions.queryOptions({ id: scenarioId }), staleTime: 0 });
  const [compare, setCompare] = useState<number | null>(null);
  const diff = useQuery({
    ...trpc.scenarios.diff.queryOptions({ id: scenarioId, version: compare ?? 1 }),
    enabled: compare !== null,
    staleTime: 0,
  });
  const [restoring, setRestoring] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const restore = async (version: number) => {
    setRestoring(version);
    setError(null);
    try {
      const detail = await queryClient.fetchQuery(trpc.scenarios.version.queryOptions({ id: scenarioId, version }));
      onRestore({ nodes: detail.nodes, edges: detail.edges }, version);
    } catch (caught) {
      setError(caught);
    } finally {
      setRestoring(null);
    }
  };
  return (
    <Dialog title="Version history" onClose={onClose} wide>
      {versions.isPending ? (
        <Loading />
      ) : versions.isError ? (
        <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />
      ) : versions.data.length === 0 ? (
        <EmptyState title="Never published">Publish the draft to create version 1. Versions never change once published.</EmptyState>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Published</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.data.map((version) => (
              <tr key={version.id}>
                <td>
                  v{version.version} {version.published ? <Badge tone="ok">live</Badge> : null}
                </td>
                <td>
                  <TimeAgo date={version.publishedAt} />
                </td>
                <td className="actions">
                  <Button small onClick={() => setCompare(compare === version.version ? null : version.version)}>
                    {compare === version.version ? 'Hide changes' : 'Compare with draft'}
                  </Button>
                  <Button small busy={restoring === version.version} onClick={() => void restore(version.version)}>
                    Load into draft
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {compare !== null ? (
        <section>
          <h3>Draft compared with v{compare}</h3>
          {diff.isPending ? <Loading /> : diff.isError ? <ErrorState error={diff.error} /> : <DiffSummary diff={diff.data.diff} />}
        </section>
      ) : null}
      <InlineError error={error} />
    </Dialog>
  );
}

export function HelpDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <table className="table shortcuts">
        <tbody>
          {SHORTCUTS.map((shortcut) => (
            <tr key={shortcut.keys}>
              <td>
                <kbd>{shortcut.keys}</kbd>
              </td>
              <td>{shortcut.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        In a field, type <code>{'{{'}</code> to write an expression: it suggests <code>trigger</code>, <code>nodes.</code> and the
        ids of the nodes before this one.
      </p>
    </Dialog>
  );
}
