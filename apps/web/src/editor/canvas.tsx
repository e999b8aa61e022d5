/**
 * What the editor and the run view draw on the React Flow canvas: the node card and the edge.
 * Per-node decorations (problems, dry-run or run status) live in keyed stores, so a status
 * change re-renders only the node it concerns; node objects themselves change only when their
 * spec or position does.
 */
import {
  BaseEdge,
  type EdgeProps,
  EdgeLabelRenderer,
  getBezierPath,
  Handle,
  type NodeProps,
  Position,
} from '@xyflow/react';
import { nodeOutputHandles } from '@weft/core/handles';
import { memo, useMemo } from 'react';
import { formatDuration } from '../lib/format';
import type { FlowEdge, FlowNode } from './graph';
import { STATUS_LABEL, useCanvas, useDecoration } from './canvas-context';
import { LoopCard } from './LoopCard';
import { configSummary } from './summary';

function handleTop(index: number, count: number): string {
  return `${((index + 1) / (count + 1)) * 100}%`;
}

export const NodeCard = memo(function NodeCard({ id, data, selected }: NodeProps<FlowNode>) {
  const canvas = useCanvas();
  const decoration = useDecoration(canvas.nodes, id);
  const { spec } = data;
  const info = canvas.catalog.get(spec.type);
  const problems = decoration?.problems ?? [];
  const status = decoration?.status;
  const statusText = decoration?.handled ? 'failed, handled' : status;
  const title = spec.name?.trim() || info?.title || spec.type;
  const inputs = info?.inputs ?? [];
  const missing = decoration?.missingOutputs;
  const outputs = useMemo(() => {
    const own = info ? nodeOutputHandles(info, spec.config) : [];
    const gone = (missing ?? []).filter((id) => !own.some((handle) => handle.id === id));
    return [...own, ...gone.map((id) => ({ id, label: `${id} (removed)`, missing: true }))];
  }, [info, spec.config, missing]);
  const classes = [
    'node',
    `cat-${info?.category ?? 'unknown'}`,
    problems.length > 0 ? 'node-invalid' : '',
    status ? `node-status-${status}` : '',
    selected ? 'node-selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={classes}
      data-node-id={id}
      data-status={status}
      data-problems={problems.length}
      data-handled={decoration?.handled ? 'true' : undefined}
      // Room for every output's label when a node has many (a switch's cases).
      style={outputs.length > 3 ? { minHeight: outputs.length * 22 } : undefined}
    >
      {inputs.map((handle, index) => (
        <Handle
          key={handle.id}
          type="target"
          position={Position.Left}
          id={handle.id}
          style={{ top: handleTop(index, inputs.length) }}
          className="handle handle-in"
          title={handle.label}
        />
      ))}
      <div className="node-head">
        <span className="node-icon" aria-hidden />
        <span className="node-title" title={`${title} (${spec.type})`}>
          {title}
        </span>
        {status ? (
          <span className={`node-status status-${status}`} title={`${status}${decoration?.attempts ? `, ${decoration.attempts} attempt(s)` : ''}`}>
            {STATUS_LABEL[status] ?? status}
          </span>
        ) : null}
      </div>
      <div className="node-id">{id}</div>
      <div className="node-summary">{configSummary(spec, canvas.appName)}</div>
      {status && decoration?.durationMs !== undefined && decoration.durationMs !== null ? (
        <div className="node-meta">
          {statusText}
          {decoration.pinned ? ' (pinned)' : ''} · {formatDuration(decoration.durationMs)}
          {decoration.attempts && decoration.attempts > 1 ? ` · ${decoration.attempts} attempts` : ''}
        </div>
      ) : status ? (
        <div className="node-meta">{statusText}</div>
      ) : null}
      {problems.length > 0 ? (
        <div className="node-problem" title={problems.join('\n')}>
          ⚠ {problems.length === 1 ? problems[0] : `${problems.length} problems`}
        </div>
      ) : null}
      {outputs.map((handle, index) => (
        <Handle
          key={handle.id}
          type="source"
          position={Position.Right}
          id={handle.id}
          style={{ top: handleTop(index, outputs.length) }}
          className={`handle handle-out handle-${handle.id}${'missing' in handle ? ' handle-missing' : ''}`}
          title={handle.label}
        >
          {outputs.length > 1 ? <span className="handle-label">{handle.label}</span> : null}
        </Handle>
      ))}
    </div>
  );
});

export function WeftEdge({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  markerEnd,
  selected,
}: EdgeProps<FlowEdge>) {
  const canvas = useCanvas();
  const decoration = useDecoration(canvas.edges, id);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const className = [
    'edge',
    decoration?.problem ? 'edge-invalid' : '',
    decoration?.state ? `edge-${decoration.state}` : '',
    selected ? 'edge-selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={className} />
      {decoration?.problem ? (
        <EdgeLabelRenderer>
          <div
            className="edge-problem"
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={decoration.problem}
            data-edge-id={id}
          >
            !
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

export const nodeTypes = { weft: NodeCard, weftLoop: LoopCard };
export const edgeTypes = { weft: WeftEdge };
