/**
 * Dry-run: the current (unsaved) graph runs on the server through the same node code with
 * simulated effects, fed a sample payload, a payload typed here, or a recent delivery of the
 * trigger's app. Results show on the canvas (node status) and per node in the side panel.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { DryRunResult } from '../api/types';
import { Button, InlineError, StatusBadge } from '../components/ui';
import { HandledMark } from '../runs/FailureLinks';
import { JsonInput } from '../forms/SchemaForm';
import { formatDuration, shortId } from '../lib/format';
import { PageTable, perPageOf } from '../runs/HttpPages';
import { DryRunLoopItems } from '../runs/LoopItems';
import { WebhookReply } from '../runs/WebhookReply';
import type { EditableGraph } from './graph';

type Source = 'sample' | 'custom' | 'delivery';

function defaultPayload(graph: EditableGraph): unknown {
  const trigger = graph.nodes.find((node) => node.type.startsWith('trigger.'));
  if (trigger?.type === 'trigger.manual') return trigger.config.sampleInput ?? {};
  if (trigger?.type === 'trigger.webhook') return { body: { id: 'evt_1', type: 'order.created', amount: 42 }, headers: {} };
  return {};
}

export function DryRunPanel({
  scenarioId,
  graph,
  currentGraph,
  result,
  stale,
  runRequest,
  onResult,
  onSelectNode,
  onClose,
}: {
  scenarioId: string;
  graph: EditableGraph;
  currentGraph: () => EditableGraph;
  result: DryRunResult | null;
  stale: boolean;
  runRequest: number;
  onResult: (result: DryRunResult | null) => void;
  onSelectNode: (nodeId: string) => void;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const trigger = graph.nodes.find((node) => node.type.startsWith('trigger.'));
  const appId = trigger?.type === 'trigger.webhook' && typeof trigger.config.appId === 'string' ? trigger.config.appId : null;
  const [source, setSource] = useState<Source>('custom');
  const [payload, setPayload] = useState<unknown>(() => defaultPayload(graph));
  const [payloadError, setPayloadError] = useState<string | null>(null);
  const [deliveryId, setDeliveryId] = useState('');
  const deliveries = useQuery({
    ...trpc.deliveries.list.queryOptions({ appId: appId ?? undefined, limit: 20 }),
    enabled: source === 'delivery' && appId !== null,
  });
  const dryRun = useMutation(trpc.scenarios.dryRun.mutationOptions());

  const run = async () => {
    const current = currentGraph();
    try {
      const answer = await dryRun.mutateAsync({
        id: scenarioId,
        draft: { nodes: [...current.nodes], edges: [...current.edges], viewport: null },
        ...(source === 'custom' ? { trigger: payload ?? {} } : {}),
        ...(source === 'delivery' && deliveryId ? { deliveryId } : {}),
      });
      onResult(answer);
    } catch {
      // shown below
    }
  };

  // Ctrl/⌘ Enter in the editor asks for a run.
  const lastRequest = useRef(runRequest);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per request
  useEffect(() => {
    if (runRequest !== lastRequest.current) {
      lastRequest.current = runRequest;
      void run();
    }
  }, [runRequest]);

  const rows = useMemo(() => {
    if (!result) return [];
    const ran = result.nodes.map((node) => ({
      nodeId: node.nodeId,
      status: node.status,
      handled: node.handled,
      durationMs: node.durationMs as number | null,
    }));
    const skipped = result.skipped
      .filter((id) => !ran.some((row) => row.nodeId === id))
      .map((nodeId) => ({ nodeId, status: 'skipped', durationMs: null }));
    return [...ran, ...skipped];
  }, [result]);

  const canRun = !(source === 'delivery' && !deliveryId) && !(source === 'custom' && payloadError);

  return (
    <section className="dry-run" aria-label="Dry-run">
      <div className="dry-run-input">
        <div className="dry-run-head">
          <strong>Dry-run</strong>
          <span className="muted small">Nothing is sent or stored: HTTP calls are simulated.</span>
          <Button small variant="ghost" onClick={onClose} aria-label="Close dry-run">
            ×
          </Button>
        </div>
        <div className="segmented" role="radiogroup" aria-label="Trigger payload">
          {(
            [
              ['custom', 'Payload'],
              ['delivery', 'Delivery'],
              ['sample', 'Sample'],
            ] as const
          ).map(([id, label]) => (
            <label key={id} className={source === id ? 'segment segment-active' : 'segment'}>
              <input type="radio" name="dry-run-source" value={id} checked={source === id} onChange={() => setSource(id)} />
              {label}
            </label>
          ))}
        </div>
        {source === 'custom' ? (
          <>
            <JsonInput value={payload} onValue={setPayload} onError={setPayloadError} rows={5} invalid={payloadError !== null} />
            <div className={payloadError ? 'field-error' : 'field-hint'}>
              {payloadError ??
                (trigger?.type === 'trigger.webhook'
                  ? 'What the webhook trigger outputs: { body, headers } (as `trigger` in expressions).'
                  : 'What the trigger outputs (`trigger` in expressions).')}
            </div>
          </>
        ) : source === 'delivery' ? (
          appId === null ? (
            <div className="muted small">Choose the webhook trigger’s app first: deliveries are listed per app.</div>
          ) : deliveries.isPending ? (
            <div className="muted small">Loading deliveries…</div>
          ) : deliveries.isError ? (
            <InlineError error={deliveries.error} />
          ) : deliveries.data.items.length === 0 ? (
            <div className="muted small">No webhook has been received for this app yet.</div>
          ) : (
            <select value={deliveryId} onChange={(event) => setDeliveryId(event.target.value)} aria-label="Delivery">
              <option value="">Choose a delivery…</option>
              {deliveries.data.items.map((delivery) => (
                <option key={delivery.id} value={delivery.id}>
                  {shortId(delivery.deliveryId)} · {delivery.receivedAt.toLocaleString()} · {delivery.sizeBytes} B
                </option>
              ))}
            </select>
          )
        ) : (
          <div className="muted small">A minimal payload for the trigger type (an empty webhook body).</div>
        )}
        <Button variant="primary" busy={dryRun.isPending} disabled={!canRun} onClick={() => void run()} data-testid="run-dry-run">
          Run dry-run
        </Button>
        <InlineError error={dryRun.error} />
      </div>
      <div className="dry-run-result" data-testid="dry-run-result">
        {result ? (
          <>
            <div className="dry-run-summary">
              <StatusBadge status={result.status} />
              {stale ? <span className="muted small">graph changed since</span> : null}
              {result.problems.length > 0 ? (
                <span className="warn-text small">{result.problems.length} validation problem(s)</span>
              ) : null}
              <Button small variant="ghost" onClick={() => onResult(null)}>
                Clear
              </Button>
            </div>
            {result.error ? <div className="inline-error">{result.error.message}</div> : null}
            <table className="table table-compact">
              <tbody>
                {rows.map((row) => (
                  <tr key={row.nodeId} className="clickable" onClick={() => onSelectNode(row.nodeId)}>
                    <td>
                      <code>{row.nodeId}</code>
                    </td>
                    <td>
                      <StatusBadge status={row.status} />
                      <HandledMark step={'handled' in row ? row : undefined} />
                    </td>
                    <td className="num">{formatDuration(row.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {result.nodes.map((node) =>
              node.items ? <DryRunLoopItems key={node.nodeId} loopId={node.nodeId} items={node.items} /> : null,
            )}
            {result.nodes.map((node) => {
              const type = graph.nodes.find((candidate) => candidate.id === node.nodeId)?.type;
              const paged = type === 'http.request' ? perPageOf(node.output) : null;
              return paged ? <PageTable key={node.nodeId} nodeId={node.nodeId} pages={paged.pages} more={!paged.complete} /> : null;
            })}
            {result.webhookReply ? (
              <WebhookReply reply={result.webhookReply} title="The webhook's caller would get" />
            ) : null}
            <div className="muted small">Trigger payload: {result.trigger.source}</div>
          </>
        ) : (
          <div className="muted small">Run it to see each node’s output, logs and skipped branches.</div>
        )}
      </div>
    </section>
  );
}
