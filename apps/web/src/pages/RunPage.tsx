/**
 * One run: its version's graph coloured by step status (live), each step's attempts, duration,
 * input, output, error and logs; approve or reject its approvals; replay from the start or from the
 * failed step; cancel.
 */
import { FlowFacts, WaitingForBadge } from '../runs/FlowFacts';
import { CodeErrorLocation } from '../runs/CodeErrorLocation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { stepFiredHandle } from '@weft/core/handles';
import { useTRPC } from '../api/trpc';
import type { Run, RunStep } from '../api/types';
import { WebhookReply, type WebhookReplyShape } from '../runs/WebhookReply';
import { navigate } from '../app/navigation';
import {
  Badge,
  Button,
  ConfirmDialog,
  ErrorState,
  InlineError,
  JsonView,
  Link,
  Loading,
  StatusBadge,
  Tabs,
  TimeAgo,
  useToast,
} from '../components/ui';
import { edgeTypes, nodeTypes } from '../editor/canvas';
import { CanvasContext, createCanvasStores, type EdgeDecoration, type NodeDecoration } from '../editor/canvas-context';
import { type FlowEdge, type FlowNode, toFlow } from '../editor/graph';
import { usePlacedGraph } from '../editor/use-placed-graph';
import { formatDateTime, formatDuration, shortId } from '../lib/format';
import { RunWaits } from '../runs/Waits';
import { CallFacts } from '../runs/CallLinks';
import { FailureHandlerField, FailureOfLink, HandledMark } from '../runs/FailureLinks';
import { ReconnectLink } from '../runs/ReconnectLink';
import { canCancel, isFinal, replayOptions, type RunEvent, stepStates } from '../runs/live';
import { RunHttpPages } from '../runs/HttpPages';
import { type ItemView, RunLoopItems } from '../runs/LoopItems';
import { LiveIndicator } from './RunsPage';
import { SearchKeyValues } from '../search/SearchKeyValues';

export default function RunPage({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const runOptions = trpc.runs.get.queryOptions({ id: runId });
  const run = useQuery(runOptions);
  const [event, setEvent] = useState<RunEvent | null>(null);
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const live = useSubscription(
    trpc.runs.onChange.subscriptionOptions(
      { runId },
      {
        enabled: !run.data || !isFinal(run.data.status) || event !== null,
        onData: (data) => {
          setEvent(data);
          // Outputs, timings and logs come with the full run: refetch at once when it settles,
          // else at most a few times a second.
          if (refetchTimer.current) clearTimeout(refetchTimer.current);
          const refetch = () => {
            void queryClient.invalidateQueries({ queryKey: runOptions.queryKey });
            void queryClient.invalidateQueries({ queryKey: trpc.runs.logs.queryKey({ runId }) });
          };
          if (isFinal(data.status)) refetch();
          else refetchTimer.current = setTimeout(refetch, 250);
        },
      },
    ),
  );
  useEffect(() => () => {
    if (refetchTimer.current) clearTimeout(refetchTimer.current);
  }, []);

  const [confirm, setConfirm] = useState<'cancel' | null>(null);
  const replay = useMutation(
    trpc.runs.replay.mutationOptions({
      onSuccess: (created) => {
        toast('Replay started', 'ok');
        void queryClient.invalidateQueries({ queryKey: trpc.runs.list.queryKey() });
        navigate({ name: 'run', runId: created.id });
      },
      onError: (error) => toast(error.message, 'bad'),
    }),
  );
  const cancel = useMutation(
    trpc.runs.cancel.mutationOptions({
      onSuccess: (result) => {
        setConfirm(null);
        toast(result.outcome === 'cancelled' ? 'Run cancelled' : 'Cancel requested: it stops before its next step', 'ok');
        void queryClient.invalidateQueries({ queryKey: runOptions.queryKey });
      },
    }),
  );

  if (run.isPending) return <Loading label="Loading the run…" />;
  if (run.isError) {
    return (
      <div className="page">
        <ErrorState error={run.error} onRetry={() => void run.refetch()} />
      </div>
    );
  }
  const data = run.data;
  const status = event && event.updatedAt >= data.updatedAt ? event.status : data.status;
  const replayable = replayOptions(status);

  return (
    <div className="run-view" data-run-status={status}>
      <header className="run-header">
        <div className="run-title">
          <Link route={{ name: 'runs', filters: { scenarioId: data.scenarioId } }} className="back-link">
            ← Runs
          </Link>
          <h1>
            Run <code>{shortId(data.id)}</code>
          </h1>
          <span data-testid="run-status">
            <StatusBadge status={status} />
          </span>
          <WaitingForBadge run={data} status={status} />
          <LiveIndicator status={isFinal(status) && !event ? 'idle' : live.status} />
        </div>
        <dl className="run-facts">
          <div>
            <dt>Scenario</dt>
            <dd>
              <ScenarioName scenarioId={data.scenarioId} /> <Badge>v{data.version}</Badge>
            </dd>
          </div>
          <div>
            <dt>Trigger</dt>
            <dd>
              {data.trigger.kind}
              {data.trigger.deliveryId ? (
                <>
                  {' · '}
                  <Link route={{ name: 'delivery', deliveryId: data.trigger.deliveryId }}>delivery</Link>
                </>
              ) : null}
              {data.trigger.replayOf ? (
                <>
                  {' · replay of '}
                  <Link route={{ name: 'run', runId: data.trigger.replayOf }}>{shortId(data.trigger.replayOf)}</Link>
                </>
              ) : null}
              <FailureOfLink run={data} />
            </dd>
          </div>
          <CallFacts run={data} />
          <FailureHandlerField run={data} />
          <FlowFacts run={data} />
          <div>
            <dt>Correlation</dt>
            <dd>
              <Link route={{ name: 'runs', filters: { correlationId: data.correlationId } }}>
                <code>{shortId(data.correlationId)}</code>
              </Link>
            </dd>
          </div>
          <SearchKeyValues values={data.searchKeys} routeOf={(search) => ({ name: 'runs', filters: search })} />
          <div>
            <dt>Created</dt>
            <dd>
              <TimeAgo date={data.createdAt} />
            </dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(data.durationMs)}</dd>
          </div>
          {data.resumeAt && status === 'waiting' ? (
            <div>
              <dt>Resumes</dt>
              <dd>
                <TimeAgo date={data.resumeAt} />
              </dd>
            </div>
          ) : null}
        </dl>
        <div className="run-actions">
          <Button small disabled={!replayable.start} busy={replay.isPending && replay.variables?.from === 'start'} onClick={() => replay.mutate({ id: data.id, from: 'start' })} title={replayable.start ? 'Run again with the same input' : 'Only a finished run can be replayed'}>
            Replay from start
          </Button>
          <Button small disabled={!replayable.failure} busy={replay.isPending && replay.variables?.from === 'failure'} onClick={() => replay.mutate({ id: data.id, from: 'failure' })} title="Keep the steps that succeeded; run the failed step and what follows">
            Replay from failed step
          </Button>
          <Button small variant="danger" disabled={!canCancel(status) || data.cancelRequested} onClick={() => setConfirm('cancel')}>
            {data.cancelRequested ? 'Cancel requested' : 'Cancel'}
          </Button>
        </div>
      </header>
      {data.error ? (
        <div className="banner banner-bad" role="alert">
          <code>{data.error.code}</code> {data.error.message}
        </div>
      ) : null}
      <RunWaits run={data} live={!isFinal(status)} />
      <ReactFlowProvider>
        <RunBody run={data} event={event} fetchedAt={run.dataUpdatedAt} />
      </ReactFlowProvider>
      {confirm === 'cancel' ? (
        <ConfirmDialog
          title="Cancel this run?"
          confirmLabel="Cancel run"
          danger
          busy={cancel.isPending}
          error={cancel.error}
          onClose={() => setConfirm(null)}
          onConfirm={() => cancel.mutate({ id: data.id })}
        >
          A queued or waiting run stops at once; a running one stops before its next step. Steps already done are not undone.
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function ScenarioName({ scenarioId }: { scenarioId: string }) {
  const trpc = useTRPC();
  const scenario = useQuery({ ...trpc.scenarios.get.queryOptions({ id: scenarioId }), retry: false, staleTime: 60_000 });
  return (
    <Link route={{ name: 'editor', scenarioId }}>{scenario.data?.name ?? (scenario.isError ? 'deleted scenario' : shortId(scenarioId))}</Link>
  );
}

function RunBody({ run, event, fetchedAt }: { run: Run; event: RunEvent | null; fetchedAt: number }) {
  const trpc = useTRPC();
  const version = useQuery({
    ...trpc.scenarios.version.queryOptions({ id: run.scenarioId, version: run.version }),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const catalog = useQuery({ ...trpc.registry.nodes.queryOptions(), staleTime: Number.POSITIVE_INFINITY });
  const apps = useQuery(trpc.apps.list.queryOptions());
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<'step' | 'input' | 'logs'>('step');
  const stores = useMemo(() => createCanvasStores(), []);
  const catalogMap = useMemo(() => new Map((catalog.data ?? []).map((e) => [e.type as string, e])), [catalog.data]);
  const appNames = useMemo(() => new Map((apps.data ?? []).map((a) => [a.id, a.name])), [apps.data]);
  const context = useMemo(
    () => ({ nodes: stores.nodes, edges: stores.edges, catalog: catalogMap, appName: (id: string) => appNames.get(id) }),
    [stores, catalogMap, appNames],
  );
  const graph = useMemo(() => (version.data ? { nodes: version.data.nodes, edges: version.data.edges } : undefined), [version.data]);
  const placed = usePlacedGraph(graph);
  const flow = useMemo(() => (placed ? toFlow(placed) : null), [placed]);
  const states = useMemo(() => stepStates(run.steps, event, new Date(fetchedAt)), [run.steps, event, fetchedAt]);
  const stepsById = useMemo(() => new Map(run.steps.map((step) => [step.nodeId, step])), [run.steps]);
  // A loop body's steps are per item: the canvas shows those of the item picked in the side panel.
  const [item, setItem] = useState<ItemView | null>(null);
  const loopOf = (nodeId: string | null) => {
    const node = nodeId ? version.data?.nodes.find((n) => n.id === nodeId) : undefined;
    return node?.type === 'loop.forEach' ? node.id : (node?.parentId ?? null);
  };

  useEffect(() => {
    if (!flow) return;
    const nodes = new Map<string, NodeDecoration>();
    const itemSteps = new Map((item?.steps ?? []).map((step) => [step.nodeId, step]));
    for (const node of flow.nodes) {
      const state = node.parentId ? itemSteps.get(node.id) : states.get(node.id);
      const step = node.parentId ? itemSteps.get(node.id) : stepsById.get(node.id);
      nodes.set(node.id, {
        problems: [],
        status: state?.status ?? 'pending',
        attempts: state?.attempts ?? 0,
        durationMs: step?.durationMs ?? null,
        handled: step?.handled === true,
      });
    }
    stores.nodes.replace(nodes);
    const edges = new Map<string, EdgeDecoration>();
    for (const edge of flow.edges) {
      const source = stepsById.get(edge.source);
      const sourceState = states.get(edge.source);
      if (!sourceState || sourceState.status === 'pending') continue;
      const fired = stepFiredHandle({ ...source, status: sourceState.status }, edge.sourceHandle ?? 'out');
      edges.set(edge.id, { state: fired ? 'active' : 'idle' });
    }
    stores.edges.replace(edges);
  }, [flow, states, stepsById, stores, item]);

  const selectedStep = selected ? (stepsById.get(selected) ?? null) : null;
  return (
    <CanvasContext.Provider value={context}>
      <div className="run-body">
        <div className="canvas" data-testid="run-canvas">
          {version.isPending || (graph && !flow) ? (
            <Loading label="Loading the graph…" />
          ) : version.isError || !flow ? (
            <StepList run={run} states={states} onSelect={setSelected} />
          ) : (
            <ReactFlow<FlowNode, FlowEdge>
              nodes={flow.nodes}
              edges={flow.edges}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable
              onNodeClick={(_, node) => {
                setSelected(node.id);
                setTab('step');
              }}
              onPaneClick={() => setSelected(null)}
              fitView
              fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
              minZoom={0.1}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} size={1} />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable style={{ width: 150, height: 100 }} />
            </ReactFlow>
          )}
        </div>
        <aside className="side-panel" aria-label="Run details">
          <Tabs
            tabs={[
              { id: 'step', label: selected ? `Step ${selected}` : 'Steps' },
              { id: 'input', label: 'Input' },
              { id: 'logs', label: 'Logs' },
            ]}
            value={tab}
            onChange={setTab}
          />
          <div className="panel-body">
            {tab === 'input' ? (
              <JsonView value={run.input} empty="no input" />
            ) : tab === 'logs' ? (
              <Logs runId={run.id} nodeId={null} />
            ) : selected && loopOf(selected) ? (
              <>
                {selectedStep ? (
                  <StepDetails runId={run.id} nodeId={selected} step={selectedStep} state={states.get(selected) ?? null} live={!isFinal(run.status)} onBack={() => setSelected(null)} />
                ) : (
                  <Button small variant="ghost" onClick={() => setSelected(null)}>
                    ← All steps
                  </Button>
                )}
                <RunLoopItems runId={run.id} loopId={loopOf(selected)!} live={!isFinal(run.status)} onItem={setItem} />
              </>
            ) : selected ? (
              <StepDetails runId={run.id} nodeId={selected} step={selectedStep} state={states.get(selected) ?? null} live={!isFinal(run.status)} onBack={() => setSelected(null)} />
            ) : (
              <StepList run={run} states={states} onSelect={setSelected} />
            )}
          </div>
        </aside>
      </div>
    </CanvasContext.Provider>
  );
}

function StepList({
  run,
  states,
  onSelect,
}: {
  run: Run;
  states: ReadonlyMap<string, { status: string; attempts: number }>;
  onSelect: (nodeId: string) => void;
}) {
  if (run.steps.length === 0 && states.size === 0) return <div className="muted small">No step has started yet.</div>;
  const ids = [...new Set([...run.steps.map((s) => s.nodeId), ...states.keys()])];
  const steps = new Map(run.steps.map((s) => [s.nodeId, s]));
  return (
    <table className="table table-compact" data-testid="step-list">
      <thead>
        <tr>
          <th>Step</th>
          <th>Status</th>
          <th className="num">Tries</th>
          <th className="num">Took</th>
        </tr>
      </thead>
      <tbody>
        {ids.map((nodeId) => (
          <tr key={nodeId} className="clickable" onClick={() => onSelect(nodeId)} data-step={nodeId}>
            <td>
              <code>{nodeId}</code>
            </td>
            <td>
              <StatusBadge status={states.get(nodeId)?.status ?? steps.get(nodeId)?.status ?? 'pending'} />
              <HandledMark step={steps.get(nodeId)} />
            </td>
            <td className="num">{states.get(nodeId)?.attempts ?? steps.get(nodeId)?.attempts ?? 0}</td>
            <td className="num">{formatDuration(steps.get(nodeId)?.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StepDetails({
  runId,
  nodeId,
  step,
  state,
  live,
  onBack,
}: {
  runId: string;
  nodeId: string;
  step: RunStep | null;
  state: { status: string; attempts: number } | null;
  live: boolean;
  onBack: () => void;
}) {
  return (
    <div className="step-details" data-step-details={nodeId}>
      <Button small variant="ghost" onClick={onBack}>
        ← All steps
      </Button>
      <div className="kv">
        <span>Status</span>
        <span>
          <StatusBadge status={state?.status ?? step?.status ?? 'pending'} />
          <HandledMark step={step ?? undefined} />
        </span>
        <span>Attempts</span>
        <span>{state?.attempts ?? step?.attempts ?? 0}</span>
        <span>Duration</span>
        <span>{formatDuration(step?.durationMs)}</span>
        <span>Started</span>
        <span>{formatDateTime(step?.startedAt)}</span>
        <span>Finished</span>
        <span>{formatDateTime(step?.finishedAt)}</span>
        {step?.firedHandles ? (
          <>
            <span>Took</span>
            <span>{step.firedHandles.join(', ')}</span>
          </>
        ) : null}
        {step?.resumeAt ? (
          <>
            <span>Resumes</span>
            <span>
              <TimeAgo date={step.resumeAt} />
            </span>
          </>
        ) : null}
      </div>
      {step?.error ? (
        <>
          <h4>Error</h4>
          <CodeErrorLocation error={step.error} />
          <ReconnectLink error={step.error} />
          <JsonView value={step.error} className="json-error" />
        </>
      ) : null}
      {step?.nodeType === 'http.request' ? <RunHttpPages runId={runId} nodeId={nodeId} live={live} /> : null}
      <h4>Input</h4>
      <JsonView value={step?.inputSummary} empty="no input recorded" />
      {step?.nodeType === 'webhook.respond' && step.status === 'succeeded' && isReply(step.output) ? (
        <WebhookReply reply={step.output} title="Reply to the webhook's caller" />
      ) : (
        <>
          <h4>Output{step?.outputTruncated ? ' (truncated: over 256 KiB)' : ''}</h4>
          <JsonView value={step?.output} empty="no output" />
        </>
      )}
      <h4>Logs</h4>
      <Logs runId={runId} nodeId={nodeId} />
    </div>
  );
}

/** A respond step's output is its reply (the caller got it unless the request had already been answered 202). */
function isReply(output: unknown): output is WebhookReplyShape {
  return typeof output === 'object' && output !== null && typeof (output as { status?: unknown }).status === 'number';
}

function Logs({ runId, nodeId }: { runId: string; nodeId: string | null }) {
  const trpc = useTRPC();
  const logs = useQuery(trpc.runs.logs.queryOptions({ runId, limit: 200, ...(nodeId ? { nodeId } : {}) }));
  if (logs.isPending) return <Loading label="Loading logs…" />;
  if (logs.isError) return <InlineError error={logs.error} />;
  if (logs.data.items.length === 0) return <div className="muted small">No log lines.</div>;
  return (
    <ul className="log-list">
      {logs.data.items.map((log) => (
        <li key={log.id} className={`log log-${log.level}`}>
          <span className="log-time">{log.ts.toLocaleTimeString()}</span> <span className="log-level">{log.level}</span>
          {nodeId ? null : <code> {log.nodeId}</code>}
          {log.attempt !== null && log.attempt > 1 ? <span className="muted"> (attempt {log.attempt})</span> : null} {log.message}
          {log.data !== null ? <JsonView value={log.data} /> : null}
        </li>
      ))}
      {logs.data.nextCursor ? <li className="muted small">Only the first 200 lines are shown.</li> : null}
    </ul>
  );
}
