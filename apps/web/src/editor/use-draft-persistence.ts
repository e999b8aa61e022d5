/**
 * Persistence of the draft: autosave after edits (see `autosave.ts` for when), a save when the
 * editor is left within the app, the browser's question when the page is left with unsaved
 * changes, and the two ways out of a conflict (load their version, or keep mine).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useReactFlow } from '@xyflow/react';
import { type Dispatch, type RefObject, useCallback, useEffect, useRef } from 'react';
import { conflictRevision, describeError, isConflict } from '../api/errors';
import { useTRPC, useTRPCClient } from '../api/trpc';
import type { Scenario } from '../api/types';
import { useToast } from '../components/ui';
import { type AutosaveEvent, type AutosaveState, hasUnsavedChanges, saveDelay } from './autosave';
import type { EditableGraph, FlowEdge, FlowNode } from './graph';
import { graphOf } from './use-editor-graph';

export interface DraftPersistenceOptions {
  readonly scenario: Scenario;
  readonly save: AutosaveState;
  readonly dispatch: Dispatch<AutosaveEvent>;
  readonly currentGraph: () => EditableGraph;
  /** The name typed in the toolbar (a ref: the save reads it when it runs). */
  readonly nameRef: RefObject<string>;
  /** Shows the server's draft in place of this one (after "Load their version"). */
  readonly onReloaded: (graph: EditableGraph, name: string) => void;
}

export function useDraftPersistence({ scenario, save, dispatch, currentGraph, nameRef, onReloaded }: DraftPersistenceOptions) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const saveRef = useRef(save);
  saveRef.current = save;

  const updateDraft = useMutation(trpc.scenarios.updateDraft.mutationOptions());
  const saving = useRef(false);
  const saveNow = useCallback(async () => {
    const state = saveRef.current;
    if (saving.current || state.status === 'saving' || state.status === 'conflict' || !hasUnsavedChanges(state)) return;
    saving.current = true;
    dispatch({ type: 'saveStarted' });
    const graph = currentGraph();
    try {
      const saved = await updateDraft.mutateAsync({
        id: scenario.id,
        revision: state.revision,
        name: nameRef.current.trim() || scenario.name,
        draft: { nodes: [...graph.nodes], edges: [...graph.edges], viewport: flow.getViewport() },
      });
      dispatch({ type: 'saveSucceeded', revision: saved.revision });
      queryClient.setQueryData(trpc.scenarios.get.queryKey({ id: scenario.id }), saved);
      void queryClient.invalidateQueries({ queryKey: trpc.scenarios.list.queryKey() });
    } catch (error) {
      if (isConflict(error)) {
        dispatch({ type: 'saveConflicted', currentRevision: conflictRevision(error) });
      } else {
        const info = describeError(error);
        dispatch({
          type: 'saveFailed',
          message: info.message,
          at: Date.now(),
          retryable: info.code === null || info.code === 'SERVICE_UNAVAILABLE' || info.code === 'INTERNAL_SERVER_ERROR',
        });
      }
    } finally {
      saving.current = false;
    }
  }, [currentGraph, dispatch, flow, nameRef, queryClient, scenario.id, scenario.name, trpc, updateDraft]);

  useEffect(() => {
    const delay = saveDelay(save, Date.now());
    if (delay === null) return;
    const timer = setTimeout(() => void saveNow(), delay);
    return () => clearTimeout(timer);
  }, [save, saveNow]);

  // Leaving the page with unsaved changes: the browser asks; leaving the editor within the app saves them.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (hasUnsavedChanges(saveRef.current)) event.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      const state = saveRef.current;
      if (hasUnsavedChanges(state) && state.status !== 'conflict' && !saving.current) {
        const graph = currentGraph();
        void client.scenarios.updateDraft
          .mutate({
            id: scenario.id,
            revision: state.revision,
            name: nameRef.current.trim() || scenario.name,
            draft: { nodes: [...graph.nodes], edges: [...graph.edges], viewport: null },
          })
          .then(() => queryClient.invalidateQueries({ queryKey: trpc.scenarios.pathKey() }))
          .catch(() => undefined);
      }
    };
  }, [client, currentGraph, nameRef, queryClient, scenario.id, scenario.name, trpc]);

  const reloadTheirs = useCallback(async () => {
    const fresh = await queryClient.fetchQuery({ ...trpc.scenarios.get.queryOptions({ id: scenario.id }), staleTime: 0 });
    // Theirs may come from the API without positions: laid out like a draft opened in the editor.
    const { placeStackedNodes } = await import('./place-stacked');
    onReloaded(placeStackedNodes(graphOf(fresh.draft)), fresh.name);
    dispatch({ type: 'reloaded', revision: fresh.revision });
    toast(`Loaded revision ${fresh.revision} from the server`, 'ok');
  }, [dispatch, onReloaded, queryClient, scenario.id, toast, trpc]);

  const keepMine = useCallback(async () => {
    const fresh = await queryClient.fetchQuery({ ...trpc.scenarios.get.queryOptions({ id: scenario.id }), staleTime: 0 });
    dispatch({ type: 'keepMine', revision: fresh.revision });
  }, [dispatch, queryClient, scenario.id, trpc]);

  return { saveNow, reloadTheirs, keepMine };
}
