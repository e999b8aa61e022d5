/**
 * A for-each loop's items, in the run view and in dry-run: an item picker (one button per item,
 * coloured by status) and the selected item's body steps, output or error.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { DryRunLoopItem } from '../api/types';
import { Button, InlineError, JsonView, Loading, StatusBadge } from '../components/ui';
import { formatDuration } from '../lib/format';
import { RunHttpPages } from './HttpPages';

interface ItemStep {
  readonly nodeId: string;
  readonly status: string;
  readonly attempts: number;
  readonly durationMs: number | null;
  /** Failed, and taken by the node's error path. */
  readonly handled?: boolean;
  readonly output?: unknown;
  readonly error: { readonly message: string } | null;
}

/** What a picked item shows; the run view and dry-run both have this shape. */
export interface ItemView {
  readonly index: number;
  readonly status: string;
  readonly output?: unknown;
  readonly error: { readonly message: string } | null;
  readonly steps: readonly ItemStep[];
}

const PAGE = 200;

export function LoopItemPicker({
  items,
  selected,
  onSelect,
}: {
  items: readonly { index: number; status: string }[];
  selected: number | null;
  onSelect: (index: number) => void;
}) {
  if (items.length === 0) return <div className="muted small">No item has started yet.</div>;
  return (
    <div className="loop-items" role="listbox" aria-label="Loop items">
      {items.map((item) => (
        <button
          key={item.index}
          type="button"
          className={`loop-item status-${item.status}`}
          aria-pressed={selected === item.index}
          data-item={item.index}
          data-status={item.status}
          title={`item ${item.index}: ${item.status}`}
          onClick={() => onSelect(item.index)}
        >
          {item.index}
        </button>
      ))}
    </div>
  );
}

export function ItemDetails({ item }: { item: ItemView }) {
  return (
    <div className="loop-item-details" data-item-details={item.index}>
      <div className="kv">
        <span>Item</span>
        <span>{item.index}</span>
        <span>Status</span>
        <StatusBadge status={item.status} />
      </div>
      <table className="table table-compact">
        <tbody>
          {item.steps.map((step) => (
            <tr key={step.nodeId} data-item-step={step.nodeId}>
              <td>
                <code>{step.nodeId}</code>
              </td>
              <td>
                <StatusBadge status={step.status} />
              </td>
              <td className="num">{step.attempts}</td>
              <td className="num">{formatDuration(step.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {item.error ? (
        <>
          <h4>Error</h4>
          <JsonView value={item.error} className="json-error" />
        </>
      ) : (
        <>
          <h4>Output</h4>
          <JsonView value={item.output} empty="no output yet" />
        </>
      )}
      {item.steps.map((step) => (
        <details key={step.nodeId}>
          <summary>
            <code>{step.nodeId}</code> output
          </summary>
          <JsonView value={step.error ?? step.output} empty="no output" />
        </details>
      ))}
    </div>
  );
}

/** A loop of a stored run: pages of item summaries (live while the run goes on) and the picked item. */
export function RunLoopItems({
  runId,
  loopId,
  live,
  onItem,
}: {
  runId: string;
  loopId: string;
  live: boolean;
  /** The picked item's steps, for the canvas to show the body's status for that item. */
  onItem?: (item: ItemView | null) => void;
}) {
  const trpc = useTRPC();
  const [fromIndex, setFromIndex] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const summaries = useQuery({
    ...trpc.runs.loopItems.queryOptions({ runId, loopId, fromIndex, limit: PAGE }),
    refetchInterval: live ? 1_000 : false,
  });
  const detail = useQuery({
    ...trpc.runs.loopItem.queryOptions({ runId, loopId, index: selected ?? 0 }),
    enabled: selected !== null,
    refetchInterval: live ? 1_000 : false,
  });
  useEffect(() => {
    onItem?.(selected !== null && detail.data ? detail.data : null);
  }, [detail.data, onItem, selected]);
  useEffect(() => () => onItem?.(null), [onItem]);
  return (
    <section className="loop-panel" data-loop-items={loopId}>
      <h4>Items of {loopId}</h4>
      {summaries.isPending ? (
        <Loading label="Loading items…" />
      ) : summaries.isError ? (
        <InlineError error={summaries.error} />
      ) : (
        <>
          <LoopItemPicker items={summaries.data.items} selected={selected} onSelect={setSelected} />
          <div className="row">
            {fromIndex > 0 ? (
              <Button small variant="ghost" onClick={() => setFromIndex(Math.max(0, fromIndex - PAGE))}>
                ← Earlier items
              </Button>
            ) : null}
            {summaries.data.nextFromIndex !== null ? (
              <Button small variant="ghost" onClick={() => setFromIndex(summaries.data.nextFromIndex ?? 0)}>
                Later items →
              </Button>
            ) : null}
          </div>
        </>
      )}
      {selected === null ? (
        <div className="muted small">Pick an item to see its body steps.</div>
      ) : detail.data ? (
        <>
          <ItemDetails item={detail.data} />
          {detail.data.steps
            .filter((step) => step.nodeType === 'http.request')
            .map((step) => (
              <RunHttpPages key={step.nodeId} runId={runId} nodeId={step.nodeId} itemIndex={selected} live={live} />
            ))}
        </>
      ) : detail.isError ? (
        <InlineError error={detail.error} />
      ) : (
        <Loading label="Loading the item…" />
      )}
    </section>
  );
}

/** A loop of a dry-run: every item came back with the result. */
export function DryRunLoopItems({ loopId, items }: { loopId: string; items: readonly DryRunLoopItem[] }) {
  const [selected, setSelected] = useState<number | null>(items.length > 0 ? 0 : null);
  const item = items.find((candidate) => candidate.index === selected);
  return (
    <section className="loop-panel" data-loop-items={loopId}>
      <h4>Items of {loopId}</h4>
      <LoopItemPicker items={items} selected={selected} onSelect={setSelected} />
      {item ? <ItemDetails item={item} /> : null}
    </section>
  );
}
