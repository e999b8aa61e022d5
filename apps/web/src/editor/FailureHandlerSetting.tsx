/**
 * The scenario's failure handler: another scenario (with a manual trigger) that runs when a run of
 * this one ends failed or dead. Saved on its own (the draft's revision stays), applied by the next
 * publish; the server checks it and its message shows under the picker.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../api/errors';
import { useTRPC } from '../api/trpc';

export function FailureHandlerSetting({
  scenario,
}: {
  scenario: { readonly id: string; readonly onFailure: string | null };
}) {
  const trpc = useTRPC();
  const [value, setValue] = useState(scenario.onFailure);
  const [error, setError] = useState<string | null>(null);
  const candidates = useQuery(trpc.scenarios.list.queryOptions({ limit: 200 }));
  const save = useMutation(trpc.scenarios.setOnFailure.mutationOptions());
  const options = (candidates.data?.items ?? []).filter((item) => item.id !== scenario.id);
  const change = async (next: string | null) => {
    setError(null);
    try {
      const saved = await save.mutateAsync({ id: scenario.id, onFailure: next });
      setValue(saved.onFailure);
    } catch (failure) {
      setError(describeError(failure).message);
    }
  };
  return (
    <div className={`field${error ? ' field-invalid' : ''}`} data-field="onFailure">
      <label className="field-label" htmlFor={`on-failure-${scenario.id}`}>
        On failure, run
      </label>
      <select
        id={`on-failure-${scenario.id}`}
        value={value ?? ''}
        disabled={save.isPending}
        onChange={(event) => void change(event.target.value || null)}
      >
        <option value="">No failure handler</option>
        {value && !options.some((option) => option.id === value) ? (
          <option value={value}>unknown ({value})</option>
        ) : null}
        {options.map((option) => (
          <option key={option.id} value={option.id}>
            {option.name}
            {option.publishedTrigger?.kind === 'manual' ? '' : ' (needs a manual trigger)'}
          </option>
        ))}
      </select>
      {error ? (
        <div className="field-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="field-hint">
        Gets {'{ run, failedStep, error, trigger }'} as its trigger input; applies from the next publish.
      </div>
    </div>
  );
}
