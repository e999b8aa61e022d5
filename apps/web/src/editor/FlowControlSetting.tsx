/**
 * The scenario's flow control: concurrency, throttle and debounce per key, each key an expression
 * over the trigger input. Checked here with core's schema before it is sent (the server checks the
 * same); saved on its own like the failure handler (the draft's revision stays), applied by the
 * next publish. Each problem shows under its field.
 */
import { DEBOUNCE_MODES, type DebounceMode, type FlowControl, flowControlSchema } from '@weft/core';
import { useMutation } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { describeError } from '../api/errors';
import { useTRPC } from '../api/trpc';
import { Button } from '../components/ui';

interface FormState {
  concurrency: { on: boolean; key: string; limit: string };
  throttle: { on: boolean; key: string; count: string; periodMs: string };
  debounce: { on: boolean; key: string; periodMs: string; maxWaitMs: string; mode: DebounceMode };
}

type Part = keyof FormState;

function formOf(flow: FlowControl | null): FormState {
  return {
    concurrency: {
      on: Boolean(flow?.concurrency),
      key: flow?.concurrency?.key ?? '',
      limit: String(flow?.concurrency?.limit ?? 1),
    },
    throttle: {
      on: Boolean(flow?.throttle),
      key: flow?.throttle?.key ?? '',
      count: String(flow?.throttle?.count ?? 10),
      periodMs: String(flow?.throttle?.periodMs ?? 60_000),
    },
    debounce: {
      on: Boolean(flow?.debounce),
      key: flow?.debounce?.key ?? '',
      periodMs: String(flow?.debounce?.periodMs ?? 1_000),
      maxWaitMs: String(flow?.debounce?.maxWaitMs ?? 10_000),
      mode: flow?.debounce?.mode ?? 'last',
    },
  };
}

/** A number field as typed: blank is no number (the schema names the field). */
function numberOf(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

function configOf(form: FormState): unknown {
  return {
    concurrency: form.concurrency.on ? { key: form.concurrency.key, limit: numberOf(form.concurrency.limit) } : null,
    throttle: form.throttle.on
      ? { key: form.throttle.key, count: numberOf(form.throttle.count), periodMs: numberOf(form.throttle.periodMs) }
      : null,
    debounce: form.debounce.on
      ? {
          key: form.debounce.key,
          periodMs: numberOf(form.debounce.periodMs),
          maxWaitMs: numberOf(form.debounce.maxWaitMs),
          mode: form.debounce.mode,
        }
      : null,
  };
}

export function FlowControlSetting({
  scenario,
}: {
  scenario: { readonly id: string; readonly flowControl: FlowControl | null };
}) {
  const trpc = useTRPC();
  const [form, setForm] = useState(() => formOf(scenario.flowControl));
  /** Problems by field path (`concurrency.key`), and one for the whole form. */
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation(trpc.scenarios.setFlowControl.mutationOptions());

  const set = <P extends Part>(part: P, patch: Partial<FormState[P]>) => {
    setSaved(false);
    setForm((current) => ({ ...current, [part]: { ...current[part], ...patch } }));
  };

  const submit = async () => {
    setSaved(false);
    const parsed = flowControlSchema.safeParse(configOf(form));
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join('.'), issue.message])));
      return;
    }
    try {
      const next = await save.mutateAsync({ id: scenario.id, flowControl: parsed.data });
      setErrors({});
      setForm(formOf(next.flowControl));
      setSaved(true);
    } catch (failure) {
      const info = describeError(failure);
      const byField = Object.fromEntries(
        info.fieldIssues.map((issue) => [issue.path.replace(/^flowControl\./, ''), issue.message]),
      );
      setErrors(Object.keys(byField).length > 0 ? byField : { '': info.message });
    }
  };

  const idOf = (path: string) => `flow-${scenario.id}-${path.replace('.', '-')}`;
  const field = (path: string, label: string, input: ReactNode) => (
    <div className={`field${errors[path] ? ' field-invalid' : ''}`} data-field={`flowControl.${path}`}>
      <label className="field-label" htmlFor={idOf(path)}>
        {label}
      </label>
      {input}
      {errors[path] ? (
        <div className="field-error" role="alert">
          {errors[path]}
        </div>
      ) : null}
    </div>
  );

  const text = (part: Part, name: string, value: string, placeholder = '') => (
    <input
      id={idOf(`${part}.${name}`)}
      type="text"
      value={value}
      placeholder={placeholder}
      onChange={(event) => set(part, { [name]: event.target.value } as Partial<FormState[Part]>)}
    />
  );
  const number = (part: Part, name: string, value: string) => (
    <input
      id={idOf(`${part}.${name}`)}
      type="number"
      value={value}
      onChange={(event) => set(part, { [name]: event.target.value } as Partial<FormState[Part]>)}
    />
  );
  const toggle = (part: Part, label: string) => (
    <label className="field-label" data-part={part}>
      <input type="checkbox" checked={form[part].on} onChange={(event) => set(part, { on: event.target.checked })} />{' '}
      {label}
    </label>
  );
  const keyHint = 'e.g. trigger.body.customerId';

  return (
    <details className="flow-control" data-testid="flow-control" open={Boolean(scenario.flowControl)}>
      <summary>Flow control</summary>
      <fieldset>
        {toggle('concurrency', 'Limit runs at once per key')}
        {form.concurrency.on ? (
          <>
            {field('concurrency.key', 'Key', text('concurrency', 'key', form.concurrency.key, keyHint))}
            {field('concurrency.limit', 'At most running at once (1: one after another, in order)', number('concurrency', 'limit', form.concurrency.limit))}
          </>
        ) : null}
      </fieldset>
      <fieldset>
        {toggle('throttle', 'Throttle starts per key')}
        {form.throttle.on ? (
          <>
            {field('throttle.key', 'Key', text('throttle', 'key', form.throttle.key, keyHint))}
            {field('throttle.count', 'Runs per window', number('throttle', 'count', form.throttle.count))}
            {field('throttle.periodMs', 'Window (ms)', number('throttle', 'periodMs', form.throttle.periodMs))}
          </>
        ) : null}
      </fieldset>
      <fieldset>
        {toggle('debounce', 'Debounce arrivals per key')}
        {form.debounce.on ? (
          <>
            {field('debounce.key', 'Key', text('debounce', 'key', form.debounce.key, keyHint))}
            {field('debounce.periodMs', 'Quiet time (ms)', number('debounce', 'periodMs', form.debounce.periodMs))}
            {field('debounce.maxWaitMs', 'Longest wait (ms)', number('debounce', 'maxWaitMs', form.debounce.maxWaitMs))}
            {field(
              'debounce.mode',
              'Runs with',
              <select
                id={idOf('debounce.mode')}
                value={form.debounce.mode}
                onChange={(event) => set('debounce', { mode: event.target.value as DebounceMode })}
              >
                {DEBOUNCE_MODES.map((mode) => (
                  <option key={mode} value={mode}>
                    {mode === 'last' ? 'the latest input only' : 'all inputs, as a list'}
                  </option>
                ))}
              </select>,
            )}
          </>
        ) : null}
      </fieldset>
      {errors[''] ? (
        <div className="field-error" role="alert">
          {errors['']}
        </div>
      ) : null}
      <Button small disabled={save.isPending} onClick={() => void submit()}>
        Save flow control
      </Button>
      {saved ? <span className="ok-text small"> Saved; applies from the next publish.</span> : null}
    </details>
  );
}
