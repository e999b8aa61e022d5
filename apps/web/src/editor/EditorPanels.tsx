/** The editor's side panel: the selected node's form and dry-run output, or an overview of the graph. */
import { runErrorPositions } from '../forms/code-positions';
import { CodeErrorLocation } from '../runs/CodeErrorLocation';
import { type FlowControl, type GraphProblem, indexGraph, upstreamNodeIds } from '@weft/core';
import { useMemo, useState } from 'react';
import type { App, CatalogEntry, Connection, DryRunNode } from '../api/types';
import { Badge, Button, CopyButton, JsonView, StatusBadge, Tabs } from '../components/ui';
import { SchemaForm } from '../forms/SchemaForm';
import {
  formFields,
  numberText,
  parseNumberInput,
  pathKey,
  problemsByField,
  unplacedProblemKeys,
} from '../forms/schema-form';
import { formatDuration } from '../lib/format';
import { useCallTargets } from './call-targets';
import { FailureHandlerSetting } from './FailureHandlerSetting';
import { FlowControlSetting } from './FlowControlSetting';
import type { EditableGraph, NodeSpec } from './graph';
import type { ProblemIndex } from './problems';
import { shortMessage } from './problems';

export function NodePanel({
  scenarioId,
  spec,
  graph,
  catalog,
  apps,
  connections,
  problems,
  dryRun,
  dryRunSkipped,
  dryRunStale,
  onChange,
  onDelete,
}: {
  /** The scenario being edited (a call may not target it). */
  scenarioId: string;
  spec: NodeSpec;
  graph: EditableGraph;
  catalog: ReadonlyMap<string, CatalogEntry>;
  apps: readonly App[];
  connections: readonly Connection[];
  problems: readonly GraphProblem[];
  dryRun: DryRunNode | null;
  dryRunSkipped: boolean;
  dryRunStale: boolean;
  onChange: (spec: NodeSpec, key: string) => void;
  onDelete: () => void;
}) {
  const info = catalog.get(spec.type);
  const [tab, setTab] = useState<'settings' | 'output'>(dryRun || dryRunSkipped ? 'output' : 'settings');
  const fields = useMemo(
    () => (info ? formFields(info.configJsonSchema, { rawFields: info.rawExpressionFields, codeFields: info.codeFields }) : []),
    [info],
  );
  const byField = useMemo(() => problemsByField(problems), [problems]);
  const unplaced = useMemo(() => unplacedProblemKeys(fields, byField), [fields, byField]);
  const otherProblems = problems.filter((p) => p.code !== 'invalid_config' || !p.path || unplaced.includes(pathKey(p.path)));
  const upstream = useMemo(() => {
    const index = indexGraph(graph);
    return upstreamNodeIds(index, spec.id).map((id) => {
      const node = index.nodes.get(id);
      return { id, title: node?.name || catalog.get(node?.type ?? '')?.title || node?.type || id };
    });
  }, [graph, spec.id, catalog]);
  const appOptions = useMemo(() => apps.map((app) => ({ id: app.id, label: `${app.name} (${app.key})` })), [apps]);
  const callTargets = useCallTargets(scenarioId);
  const appNames = useMemo(() => new Map(apps.map((app) => [app.id, app.name])), [apps]);
  const connectionOptions = useMemo(
    () => connections.map((c) => ({ id: c.id, label: c.name, group: appNames.get(c.appId) ?? 'app' })),
    [connections, appNames],
  );

  return (
    <div className="panel" data-panel-node={spec.id}>
      <header className="panel-header">
        <div>
          <div className="panel-title">{spec.name?.trim() || info?.title || spec.type}</div>
          <div className="panel-sub">
            <code>nodes.{spec.id}</code> <CopyButton text={`{{ nodes.${spec.id} }}`} label="Copy ref" />
          </div>
        </div>
        <Button small variant="ghost" onClick={onDelete} title="Delete this node (Delete)">
          Delete
        </Button>
      </header>
      {info ? <p className="panel-description">{info.description}</p> : <p className="inline-error">Unknown node type {spec.type}</p>}
      <Tabs
        tabs={[
          { id: 'settings', label: problems.length > 0 ? `Settings (${problems.length} ⚠)` : 'Settings' },
          { id: 'output', label: dryRun ? `Dry-run: ${dryRun.status}` : dryRunSkipped ? 'Dry-run: skipped' : 'Dry-run' },
        ]}
        value={tab}
        onChange={setTab}
      />
      {tab === 'settings' ? (
        <div className="panel-body">
          {otherProblems.length > 0 ? (
            <ul className="problem-list">
              {otherProblems.map((problem) => (
                <li key={problem.message}>{shortMessage(problem)}</li>
              ))}
            </ul>
          ) : null}
          <div className="field">
            <label className="field-label" htmlFor={`name-${spec.id}`}>
              Label
            </label>
            <input
              id={`name-${spec.id}`}
              type="text"
              value={spec.name ?? ''}
              placeholder={info?.title}
              maxLength={120}
              onChange={(event) => {
                const { name: _old, ...rest } = spec;
                onChange(event.target.value === '' ? rest : { ...spec, name: event.target.value }, 'name');
              }}
            />
          </div>
          <SchemaForm
            fields={fields}
            value={spec.config}
            problems={byField}
            onChange={(config, key) => onChange({ ...spec, config }, `config.${key}`)}
            context={{
              expressions: true,
              completion: { upstream },
              apps: appOptions,
              connections: connectionOptions,
              scenarios: callTargets.options,
              example: info?.exampleConfig,
              codeErrors: dryRunStale ? [] : runErrorPositions(dryRun?.error),
            }}
          />
          {info && info.category !== 'trigger' ? <AdvancedSettings spec={spec} info={info} onChange={onChange} /> : null}
        </div>
      ) : (
        <div className="panel-body">
          <DryRunOutput node={dryRun} skipped={dryRunSkipped} stale={dryRunStale} />
        </div>
      )}
    </div>
  );
}

function AdvancedSettings({
  spec,
  info,
  onChange,
}: {
  spec: NodeSpec;
  info: CatalogEntry;
  onChange: (spec: NodeSpec, key: string) => void;
}) {
  const [open, setOpen] = useState(Boolean(spec.retry || spec.timeoutMs));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const setRetry = (key: 'maxAttempts' | 'initialDelayMs' | 'maxDelayMs', text: string) => {
    const parsed = parseNumberInput(text, true);
    if (!parsed.ok || typeof parsed.value === 'string') {
      setErrors({ ...errors, [key]: parsed.ok ? 'Enter a whole number' : parsed.message });
      return;
    }
    setErrors({ ...errors, [key]: '' });
    const retry = { ...(spec.retry ?? {}) };
    if (parsed.value === undefined) delete retry[key];
    else retry[key] = parsed.value as number;
    const { retry: _old, ...rest } = spec;
    onChange(Object.keys(retry).length === 0 ? rest : { ...spec, retry }, `retry.${key}`);
  };
  const setTimeoutMs = (text: string) => {
    const parsed = parseNumberInput(text, true);
    if (!parsed.ok || typeof parsed.value === 'string') {
      setErrors({ ...errors, timeoutMs: parsed.ok ? 'Enter a whole number' : parsed.message });
      return;
    }
    setErrors({ ...errors, timeoutMs: '' });
    const { timeoutMs: _old, ...rest } = spec;
    onChange(parsed.value === undefined ? rest : { ...spec, timeoutMs: parsed.value as number }, 'timeoutMs');
  };
  return (
    <details className="advanced" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Retries and timeout</summary>
      {(
        [
          ['maxAttempts', 'Max attempts', info.retry.maxAttempts],
          ['initialDelayMs', 'First retry after (ms)', info.retry.initialDelayMs],
          ['maxDelayMs', 'Longest wait (ms)', info.retry.maxDelayMs],
        ] as const
      ).map(([key, label, fallback]) => (
        <div className={`field${errors[key] ? ' field-invalid' : ''}`} key={key}>
          <label className="field-label" htmlFor={`${spec.id}-${key}`}>
            {label}
          </label>
          <input
            id={`${spec.id}-${key}`}
            type="text"
            inputMode="numeric"
            defaultValue={numberText(spec.retry?.[key])}
            placeholder={`default: ${fallback}`}
            onChange={(event) => setRetry(key, event.target.value)}
          />
          {errors[key] ? <div className="field-error">{errors[key]}</div> : null}
        </div>
      ))}
      <div className={`field${errors.timeoutMs ? ' field-invalid' : ''}`}>
        <label className="field-label" htmlFor={`${spec.id}-timeout`}>
          Timeout per attempt (ms)
        </label>
        <input
          id={`${spec.id}-timeout`}
          type="text"
          inputMode="numeric"
          defaultValue={numberText(spec.timeoutMs)}
          placeholder="default"
          onChange={(event) => setTimeoutMs(event.target.value)}
        />
        {errors.timeoutMs ? <div className="field-error">{errors.timeoutMs}</div> : null}
      </div>
    </details>
  );
}

export function DryRunOutput({ node, skipped, stale }: { node: DryRunNode | null; skipped: boolean; stale: boolean }) {
  if (!node) {
    return (
      <div className="muted small">
        {skipped
          ? 'Skipped in the last dry-run: a branch before it was not taken, or a node before it failed.'
          : 'No dry-run output yet. Open “Dry-run” in the toolbar (Ctrl/⌘ Enter) to preview this scenario.'}
      </div>
    );
  }
  return (
    <div className="dry-run-output" data-dry-run-node={node.nodeId}>
      {stale ? <div className="notice">The graph changed since this dry-run; run it again to refresh.</div> : null}
      <div className="kv">
        <span>Status</span>
        <span>
          <StatusBadge status={node.status} />
          {node.handled ? ' handled by its error path' : ''}
        </span>
        <span>Duration</span>
        <span>{formatDuration(node.durationMs)}</span>
        <span>Attempts</span>
        <span>{node.attempts}</span>
        {node.firedHandles ? (
          <>
            <span>Took</span>
            <span>{node.firedHandles.join(', ')}</span>
          </>
        ) : null}
        {node.pinned ? (
          <>
            <span>Output</span>
            <Badge>pinned</Badge>
          </>
        ) : null}
      </div>
      {node.error ? (
        <>
          <h4>Error</h4>
          <CodeErrorLocation error={node.error} />
          <JsonView value={node.error} className="json-error" />
        </>
      ) : null}
      <h4>Output</h4>
      <JsonView value={node.output} empty="no output" />
      {node.requests.length > 0 ? (
        <>
          <h4>Requests it would send</h4>
          <JsonView value={node.requests} />
        </>
      ) : null}
      <h4>Logs</h4>
      {node.logs.length === 0 ? (
        <div className="muted small">no log lines</div>
      ) : (
        <ul className="log-list">
          {node.logs.map((log, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no id in a dry-run
            <li key={index} className={`log log-${log.level}`}>
              <span className="log-level">{log.level}</span> {log.message}
              {log.data !== null ? <JsonView value={log.data} /> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function OverviewPanel({
  scenario,
  problems,
  selectedCount,
  edgeId,
  graph,
  onDeleteEdge,
  onSelectNode,
}: {
  scenario: { readonly id: string; readonly onFailure: string | null; readonly flowControl: FlowControl | null };
  problems: ProblemIndex;
  selectedCount: number;
  edgeId: string | null;
  graph: EditableGraph;
  onDeleteEdge: (edgeId: string) => void;
  onSelectNode: (nodeId: string) => void;
}) {
  const edge = edgeId ? graph.edges.find((e) => e.id === edgeId) : undefined;
  return (
    <div className="panel">
      {edge ? (
        <section className="panel-body">
          <div className="panel-title">Connection</div>
          <p>
            <code>{edge.source}</code>
            {edge.sourceHandle !== 'out' ? ` (${edge.sourceHandle})` : ''} → <code>{edge.target}</code>
          </p>
          {(problems.byEdge.get(edge.id) ?? []).map((problem) => (
            <div className="inline-error" key={problem.message}>
              {problem.message}
            </div>
          ))}
          <Button small onClick={() => onDeleteEdge(edge.id)}>
            Delete connection
          </Button>
        </section>
      ) : null}
      <section className="panel-body">
        <div className="panel-title">
          {selectedCount > 1 ? `${selectedCount} nodes selected` : `${graph.nodes.length} nodes, ${graph.edges.length} connections`}
        </div>
        {problems.all.length === 0 ? (
          graph.nodes.length > 0 ? (
            <p className="ok-text">No problems: this draft can be published.</p>
          ) : (
            <p className="muted">Add a trigger from the palette to begin.</p>
          )
        ) : (
          <>
            <p className="muted small">
              {problems.all.length} problem{problems.all.length === 1 ? '' : 's'} to fix before publishing:
            </p>
            <ul className="problem-list" data-testid="problem-list">
              {problems.all.map((problem) => (
                <li key={`${problem.code}:${problem.message}`}>
                  {problem.nodeId ? (
                    <button type="button" className="linkish" onClick={() => onSelectNode(problem.nodeId!)}>
                      {problem.nodeId}
                    </button>
                  ) : null}{' '}
                  {problem.nodeId ? shortMessage(problem) : problem.message}
                </li>
              ))}
            </ul>
          </>
        )}
        <FailureHandlerSetting scenario={scenario} />
        {/* Keyed by the stored value too: a scenario read again with another flow control starts the form afresh. */}
        <FlowControlSetting key={`${scenario.id}:${JSON.stringify(scenario.flowControl)}`} scenario={scenario} />
        <p className="muted small">
          Select a node to edit it. Connect an output (right) to an input (left). Shift-drag selects an area; press ? for
          shortcuts.
        </p>
      </section>
    </div>
  );
}
