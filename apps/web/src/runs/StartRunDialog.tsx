/**
 * The Run button's dialog: a manual run of the scenario's published version (`runs.start`, what
 * `POST /trigger/:id` does) with a JSON input, prefilled with the sample input of that version's
 * manual trigger; once started, the live run page opens.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useTRPC } from '../api/trpc';
import { navigate } from '../app/navigation';
import { Button, Dialog, ErrorState, InlineError, Loading } from '../components/ui';
import { JsonInput } from '../forms/SchemaForm';

export interface StartRunDialogProps {
  readonly scenarioId: string;
  readonly scenarioName: string;
  readonly onClose: () => void;
}

export function StartRunDialog({ scenarioId, scenarioName, onClose }: StartRunDialogProps) {
  const trpc = useTRPC();
  // Which version is published is asked when the dialog opens: the page behind it may show an older state.
  const versions = useQuery({ ...trpc.scenarios.versions.queryOptions({ id: scenarioId }), staleTime: 0 });
  const version = versions.data?.find((row) => row.published)?.version ?? 0;
  const published = useQuery({
    ...trpc.scenarios.version.queryOptions({ id: scenarioId, version: Math.max(version, 1) }),
    enabled: version > 0,
  });
  const trigger = published.data?.nodes.find((node) => node.type === 'trigger.manual');
  const close = <Button onClick={onClose}>Close</Button>;
  let body: ReactNode;
  if (versions.isError || published.isError) {
    const failed = versions.isError ? versions : published;
    body = <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />;
  } else if (!versions.data || !versions.isFetchedAfterMount) {
    body = <Loading label="Loading the published version…" />;
  } else if (version === 0) {
    body = (
      <NotRunnable>
        “{scenarioName}” is not published yet. Run starts the published version: publish the scenario first (Publish in
        the editor), then run it.
      </NotRunnable>
    );
  } else if (!published.data) {
    body = <Loading label="Loading the published version…" />;
  } else if (published.data.trigger.kind !== 'manual' || !trigger) {
    body = (
      <NotRunnable>
        The published version (v{version}) does not start with a manual trigger. Publish the draft with its manual
        trigger first, then run it.
      </NotRunnable>
    );
  } else {
    return (
      <RunForm
        scenarioId={scenarioId}
        scenarioName={scenarioName}
        version={version}
        sampleInput={trigger.config.sampleInput ?? {}}
        onClose={onClose}
      />
    );
  }
  return (
    <Dialog title={`Run “${scenarioName}”`} onClose={onClose} footer={close}>
      {body}
    </Dialog>
  );
}

function NotRunnable({ children }: { children: ReactNode }) {
  return (
    <p className="banner banner-info" role="alert" data-testid="run-not-runnable">
      {children}
    </p>
  );
}

function RunForm({
  scenarioId,
  scenarioName,
  version,
  sampleInput,
  onClose,
}: {
  scenarioId: string;
  scenarioName: string;
  version: number;
  sampleInput: unknown;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const [input, setInput] = useState<unknown>(sampleInput);
  const [inputError, setInputError] = useState<string | null>(null);
  const start = useMutation(
    trpc.runs.start.mutationOptions({ onSuccess: ({ runId }) => navigate({ name: 'run', runId }) }),
  );
  return (
    <Dialog
      title={`Run “${scenarioName}”`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="start-run" busy={start.isPending} disabled={inputError !== null}>
            Run v{version}
          </Button>
        </>
      }
    >
      <form
        id="start-run"
        onSubmit={(event) => {
          event.preventDefault();
          if (inputError === null) start.mutate({ scenarioId, input: input ?? null });
        }}
      >
        <p className="muted small">
          Starts version {version}, the published one, with this input as <code>trigger</code>; changes to the draft
          since are not part of it.
        </p>
        <label className="field-label" htmlFor="run-input">
          Input (JSON)
        </label>
        <JsonInput id="run-input" value={input} onValue={setInput} onError={setInputError} rows={6} invalid={inputError !== null} />
        <div className={inputError ? 'field-error' : 'field-hint'}>
          {inputError ?? 'Prefilled with the trigger’s sample input; empty runs it with null.'}
        </div>
        <InlineError error={start.error} />
      </form>
    </Dialog>
  );
}
