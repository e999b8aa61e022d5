/**
 * Scenario calls in the editor: the scenarios a `scenario.call` may target (the workspace's
 * published scenarios, from `scenarios.list`) and the canvas problems of calls whose target is
 * missing, unpublished or the scenario itself. Cycles through other scenarios' published
 * versions are the server's to find (`scenarios.validate`, publish).
 */
import { type CallTarget, callProblems, type GraphProblem } from '@weft/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '../api/trpc';
import type { PickerOption } from '../forms/SchemaForm';
import type { EditableGraph } from './graph';

export interface CallTargets {
  /** Published scenarios other than this one, for the picker. */
  readonly options: readonly PickerOption[];
  /** Every listed scenario by id; null until the list has loaded. */
  readonly targets: ReadonlyMap<string, CallTarget> | null;
  /** Whether the list holds every scenario of the workspace (then a missing id is really missing). */
  readonly complete: boolean;
}

export function useCallTargets(selfId: string): CallTargets {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.scenarios.list.queryOptions({ limit: 200 }), staleTime: 15_000 });
  return useMemo(() => {
    const items = list.data?.items ?? [];
    return {
      options: items
        .filter((item) => item.id !== selfId && item.publishedVersionId !== null)
        .map((item) => ({ id: item.id, label: `${item.name} (v${item.version})` })),
      targets: list.data
        ? new Map(
            items.map((item) => [
              item.id,
              { name: item.name, published: item.publishedVersionId !== null, calls: [] },
            ]),
          )
        : null,
      complete: list.data?.nextCursor === null,
    };
  }, [list.data, selfId]);
}

/** The call problems of the graph, recomputed on graph edits and when the list of scenarios changes. */
export function useCallTargetProblems(
  self: { readonly id: string; readonly name: string },
  currentGraph: () => EditableGraph,
  specVersion: number,
): readonly GraphProblem[] {
  const { targets, complete } = useCallTargets(self.id);
  // biome-ignore lint/correctness/useExhaustiveDependencies: specVersion marks graph edits (the graph lives in refs)
  return useMemo(() => {
    if (!targets) return [];
    const problems = callProblems(self, currentGraph(), targets);
    // With more scenarios than one page, an id not listed may exist: only listed facts are reported.
    return complete ? problems : problems.filter((p) => !p.message.includes('no scenario with the id'));
  }, [targets, complete, self.id, self.name, specVersion, currentGraph]);
}
