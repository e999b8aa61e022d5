/**
 * Loads what the editor needs (the scenario, the node catalog, apps and connections), then shows
 * it, with nodes that have no position of their own laid out (see `stacked.ts`).
 */
import { useQuery } from '@tanstack/react-query';
import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { Scenario } from '../api/types';
import { ErrorState, Loading } from '../components/ui';
import { Editor } from './Editor';
import { stackedNodeIds } from './stacked';

/**
 * The scenario with its stacked nodes laid out; null while the layout (dagre, loaded on first
 * use) is on its way. Only a scenario fetched for this visit is laid out (a cached copy may be
 * stale), once: the editor owns the draft from then on, so later copies keep that draft.
 */
function useLaidOut(scenario: Scenario | undefined, fresh: boolean): Scenario | null {
  const stacked = useMemo(() => (scenario ? stackedNodeIds(scenario.draft).size > 0 : false), [scenario]);
  const [laidOut, setLaidOut] = useState<{ readonly id: string; readonly draft: Scenario['draft'] } | null>(null);
  const done = laidOut !== null && laidOut.id === scenario?.id;
  useEffect(() => {
    if (!scenario || !fresh || !stacked || done) return;
    let current = true;
    void import('./place-stacked').then(({ placeStackedNodes }) => {
      if (!current) return;
      const placed = placeStackedNodes(scenario.draft);
      setLaidOut({ id: scenario.id, draft: { ...scenario.draft, nodes: [...placed.nodes], edges: [...placed.edges] } });
    });
    return () => {
      current = false;
    };
  }, [scenario, fresh, stacked, done]);
  return useMemo(() => {
    if (!scenario) return null;
    if (!stacked) return scenario;
    return done && laidOut ? { ...scenario, draft: laidOut.draft } : null;
  }, [scenario, stacked, done, laidOut]);
}

export default function EditorPage({ scenarioId }: { scenarioId: string }) {
  const trpc = useTRPC();
  // The editor owns the draft once loaded: no background refetch may replace it under the person.
  const scenario = useQuery({
    ...trpc.scenarios.get.queryOptions({ id: scenarioId }),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnMount: 'always',
    refetchOnReconnect: false,
  });
  const catalog = useQuery({ ...trpc.registry.nodes.queryOptions(), staleTime: Number.POSITIVE_INFINITY });
  const apps = useQuery(trpc.apps.list.queryOptions());
  const connections = useQuery(trpc.connections.list.queryOptions());
  const laidOut = useLaidOut(scenario.data, scenario.isFetchedAfterMount);
  const failed = [scenario, catalog, apps, connections].find((q) => q.isError);
  if (failed) {
    return (
      <div className="page">
        <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />
      </div>
    );
  }
  if (!laidOut || !scenario.isFetchedAfterMount || !catalog.data || !apps.data || !connections.data) {
    return <Loading label="Opening the editor…" />;
  }
  return (
    <ReactFlowProvider>
      <Editor
        key={laidOut.id}
        scenario={laidOut}
        catalog={catalog.data}
        apps={apps.data}
        connections={connections.data}
      />
    </ReactFlowProvider>
  );
}
