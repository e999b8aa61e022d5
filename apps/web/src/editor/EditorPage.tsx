/** Loads what the editor needs (the scenario, the node catalog, apps and connections), then shows it. */
import { useQuery } from '@tanstack/react-query';
import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useTRPC } from '../api/trpc';
import { ErrorState, Loading } from '../components/ui';
import { Editor } from './Editor';

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
  const failed = [scenario, catalog, apps, connections].find((q) => q.isError);
  if (failed) {
    return (
      <div className="page">
        <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />
      </div>
    );
  }
  if (!scenario.data || !scenario.isFetchedAfterMount || !catalog.data || !apps.data || !connections.data) {
    return <Loading label="Opening the editor…" />;
  }
  return (
    <ReactFlowProvider>
      <Editor
        key={scenario.data.id}
        scenario={scenario.data}
        catalog={catalog.data}
        apps={apps.data}
        connections={connections.data}
      />
    </ReactFlowProvider>
  );
}
