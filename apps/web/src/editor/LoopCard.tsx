/**
 * A for-each loop on the canvas: a parent (group) node that holds its body. Its input comes in on
 * the left; the "each item" handle inside starts the body; "done" on the right fires once, after
 * every item has settled.
 */
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { formatDuration } from '../lib/format';
import { STATUS_LABEL, useCanvas, useDecoration } from './canvas-context';
import type { FlowNode } from './graph';
import { configSummary } from './summary';

export const LoopCard = memo(function LoopCard({ id, data, selected }: NodeProps<FlowNode>) {
  const canvas = useCanvas();
  const decoration = useDecoration(canvas.nodes, id);
  const { spec } = data;
  const info = canvas.catalog.get(spec.type);
  const problems = decoration?.problems ?? [];
  const status = decoration?.status;
  const title = spec.name?.trim() || info?.title || spec.type;
  const classes = [
    'loop-node',
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
      data-loop="true"
    >
      <Handle
        type="target"
        position={Position.Left}
        id="in"
        style={{ top: 28 }}
        className="handle handle-in"
        title="Input"
      />
      <div className="loop-head">
        <span className="node-title" title={`${title} (${spec.type})`}>
          ↻ {title}
        </span>
        <span className="node-id">{id}</span>
        {status ? (
          <span className={`node-status status-${status}`}>{STATUS_LABEL[status] ?? status}</span>
        ) : null}
      </div>
      <div className="node-summary loop-summary">{configSummary(spec, canvas.appName)}</div>
      {status ? (
        <div className="node-meta">
          {status}
          {decoration?.durationMs !== undefined && decoration.durationMs !== null
            ? ` · ${formatDuration(decoration.durationMs)}`
            : ''}
        </div>
      ) : null}
      {problems.length > 0 ? (
        <div className="node-problem" title={problems.join('\n')}>
          ⚠ {problems.length === 1 ? problems[0] : `${problems.length} problems`}
        </div>
      ) : null}
      <Handle
        type="source"
        position={Position.Right}
        id="body"
        style={{ top: 110, left: 18, right: 'auto' }}
        className="handle handle-out handle-body"
        title="Each item: connect the first node of the body"
      >
        <span className="handle-label">each item</span>
      </Handle>
      <Handle
        type="source"
        position={Position.Right}
        id="done"
        style={{ top: 28 }}
        className="handle handle-out handle-done"
        title="Done: fires once, after every item"
      >
        <span className="handle-label">done</span>
      </Handle>
      <div className="loop-drop-hint">Drop nodes here: they run once per item (item, index)</div>
    </div>
  );
});
