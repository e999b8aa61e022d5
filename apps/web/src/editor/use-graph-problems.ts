/**
 * Every problem of the graph being edited: core's validation (debounced; positions do not matter
 * to it), the scenario calls' targets, and OAuth2 requests judged with the connections listed.
 */
import { type GraphProblem, oauth2ConnectionProblems, registryLookup, validateGraph } from '@weft/core';
import { useEffect, useMemo, useState } from 'react';
import type { Connection as ConnectionView, Scenario } from '../api/types';
import { useCallTargetProblems } from './call-targets';
import type { EditableGraph } from './graph';
import { indexProblems } from './problems';

const VALIDATE_DEBOUNCE_MS = 120;

export function useGraphProblems(
  scenario: Scenario,
  initial: EditableGraph,
  currentGraph: () => EditableGraph,
  specVersion: number,
  connections: readonly ConnectionView[],
) {
  const [problems, setProblems] = useState<readonly GraphProblem[]>(() => validateGraph(initial, registryLookup));
  useEffect(() => {
    if (specVersion === 0) return;
    const timer = setTimeout(() => setProblems(validateGraph(currentGraph(), registryLookup)), VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [specVersion, currentGraph]);
  const callProblems = useCallTargetProblems(scenario, currentGraph, specVersion);
  const connectionFacts = useMemo(() => new Map(connections.map((c) => [c.id, { name: c.name, oauth2: c.oauth2 !== null }])), [connections]);
  // An OAuth2 request needs an OAuth2 connection: judged with the connections listed here.
  // biome-ignore lint/correctness/useExhaustiveDependencies: specVersion marks graph edits (the graph lives in refs)
  const oauth2Problems = useMemo(() => oauth2ConnectionProblems(currentGraph(), connectionFacts), [specVersion, currentGraph, connectionFacts]);
  const allProblems = useMemo(() => [...problems, ...callProblems, ...oauth2Problems], [problems, callProblems, oauth2Problems]);
  const problemIndex = useMemo(() => indexProblems(allProblems), [allProblems]);
  return { allProblems, problemIndex };
}
