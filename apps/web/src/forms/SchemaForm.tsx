/** Renders the form model of `schema-form.ts`: one input per field, messages under each. */
import { lazy, Suspense, useEffect, useId, useState } from 'react';
import { Button } from '../components/ui';
import { prettyJson } from '../lib/format';
import type { CompletionSource } from './expression';
import { ExpressionInput } from './ExpressionInput';
import type { CodePosition } from './code-positions';
import { ListInput } from './ListInput';

// CodeMirror is loaded with the first code field, not with the editor.
const CodeInput = lazy(() => import('./CodeInput'));
import {
  type FormField,
  getAt,
  itemProblems,
  mapRows,
  numberText,
  parseNumberInput,
  pathKey,
  rowsToMap,
  setAt,
  type VariantField,
} from './schema-form';

export interface PickerOption {
  readonly id: string;
  readonly label: string;
  readonly group?: string;
}

export interface FormContext {
  /** Whether fields take `{{ }}` expressions (node configs) or plain values (app settings). */
  readonly expressions: boolean;
  readonly completion: CompletionSource;
  readonly apps: readonly PickerOption[];
  readonly connections: readonly PickerOption[];
  /** Scenarios a call may target (published ones of the workspace). */
  readonly scenarios?: readonly PickerOption[];
  /** Example values shown as placeholders. */
  readonly example?: unknown;
  /** Errors of the last dry-run of this node's code, with their lines (code fields mark them). */
  readonly codeErrors?: readonly CodePosition[];
}

export interface SchemaFormProps {
  readonly fields: readonly FormField[];
  readonly value: Record<string, unknown>;
  /** `key` names the field that changed (undo coalesces typing per field). */
  readonly onChange: (value: Record<string, unknown>, key: string) => void;
  readonly problems: ReadonlyMap<string, readonly string[]>;
  readonly context: FormContext;
}

export function SchemaForm({ fields, value, onChange, problems, context }: SchemaFormProps) {
  return (
    <div className="schema-form">
      {fields.map((field) => (
        <FieldView key={pathKey(field.path)} field={field} config={value} onChange={onChange} problems={problems} context={context} />
      ))}
    </div>
  );
}

interface FieldViewProps {
  readonly field: FormField;
  readonly config: Record<string, unknown>;
  readonly onChange: SchemaFormProps['onChange'];
  readonly problems: SchemaFormProps['problems'];
  readonly context: FormContext;
}

function placeholderOf(field: FormField, context: FormContext): string | undefined {
  const example = getAt(context.example, field.path);
  if (typeof example === 'string' && !/^0{24}$/.test(example)) return `e.g. ${example}`;
  if (typeof example === 'number') return `e.g. ${example}`;
  if (field.default !== undefined && typeof field.default !== 'object') return `default: ${String(field.default)}`;
  return undefined;
}

function FieldView({ field, config, onChange, problems, context }: FieldViewProps) {
  const id = useId();
  const key = pathKey(field.path);
  const current = getAt(config, field.path);
  const set = (next: unknown) => onChange(setAt(config, field.path, next), key);
  const [localError, setLocalError] = useState<string | null>(null);
  // An empty required field says so, whatever the schema's own wording for "missing" is.
  const fieldProblems = problems.get(key) ?? [];
  const missing = field.required && current === undefined && fieldProblems.length > 0;
  const messages = [...(localError ? [localError] : []), ...(missing ? ['Required'] : fieldProblems)];
  // Problems of entries inside a map field (`headers.X-Id`) show under the map.
  if (field.kind === 'map') {
    for (const [problemKey, list] of problems) {
      if (problemKey.startsWith(`${key}.`)) messages.push(...list.map((m) => `${problemKey.slice(key.length + 1)}: ${m}`));
    }
  }
  const invalid = messages.length > 0;

  let input: React.ReactNode;
  switch (field.kind) {
    case 'string': {
      const text = typeof current === 'string' ? current : current === undefined ? '' : String(current);
      if (field.reference) {
        const options =
          field.reference === 'app' ? context.apps : field.reference === 'connection' ? context.connections : (context.scenarios ?? []);
        const article = field.reference === 'app' ? 'an' : 'a';
        const none = field.reference === 'scenario' ? 'No published scenarios yet' : `No ${field.reference}s yet`;
        input = (
          <select id={id} value={text} onChange={(event) => set(event.target.value || undefined)} aria-invalid={invalid || undefined}>
            <option value="">{options.length === 0 ? none : `Choose ${article} ${field.reference}…`}</option>
            {text !== '' && !options.some((option) => option.id === text) ? <option value={text}>unknown ({text})</option> : null}
            {options.map((option) => (
              <option key={option.id} value={option.id}>
                {option.group ? `${option.group} · ${option.label}` : option.label}
              </option>
            ))}
          </select>
        );
      } else if (context.expressions) {
        input = (
          <ExpressionInput
            id={id}
            value={text}
            onChange={(next) => set(next === '' ? undefined : next)}
            mode={field.expression}
            multiline={field.multiline}
            placeholder={placeholderOf(field, context)}
            source={context.completion}
            invalid={invalid}
          />
        );
      } else {
        input = (
          <input
            id={id}
            type="text"
            value={text}
            placeholder={placeholderOf(field, context)}
            aria-invalid={invalid || undefined}
            onChange={(event) => set(event.target.value === '' ? undefined : event.target.value)}
          />
        );
      }
      break;
    }
    case 'code': {
      const text = typeof current === 'string' ? current : '';
      const change = (next: string) => set(next === '' ? undefined : next);
      input = (
        <Suspense fallback={<textarea id={id} value={text} rows={8} aria-invalid={invalid || undefined} onChange={(event) => change(event.target.value)} />}>
          <CodeInput id={id} value={text} onChange={change} invalid={invalid} runErrors={context.codeErrors ?? []} />
        </Suspense>
      );
      break;
    }
    case 'select': {
      const text = typeof current === 'string' ? current : '';
      input = (
        <select id={id} value={text} onChange={(event) => set(event.target.value || undefined)} aria-invalid={invalid || undefined}>
          {!field.required || field.default !== undefined ? (
            <option value="">{field.default !== undefined ? `Default (${String(field.default)})` : '—'}</option>
          ) : (
            <option value="">Choose…</option>
          )}
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'number':
      input = (
        <NumberInput
          id={id}
          value={current}
          integer={field.integer}
          placeholder={placeholderOf(field, context)}
          invalid={invalid}
          onValue={(next) => set(next)}
          onError={setLocalError}
        />
      );
      break;
    case 'boolean': {
      const checked = typeof current === 'boolean' ? current : field.default === true;
      input = (
        <label className="checkbox">
          <input id={id} type="checkbox" checked={checked} onChange={(event) => set(event.target.checked)} />
          <span>{checked ? 'Yes' : 'No'}</span>
        </label>
      );
      break;
    }
    case 'map':
      input = <MapInput value={current} onChange={set} context={context} invalid={invalid} label={field.label} />;
      break;
    case 'list':
      input = (
        <ListInput
          field={field}
          value={current}
          onChange={set}
          renderItem={(item, index, onItem) =>
            field.itemFields.map((child) => (
              <FieldView
                key={pathKey(child.path)}
                field={child}
                config={item}
                onChange={(next) => onItem(next)}
                problems={itemProblems(problems, key, index)}
                context={context}
              />
            ))
          }
        />
      );
      break;
    case 'json':
      input = <JsonInput id={id} value={current} onValue={set} onError={setLocalError} invalid={invalid} />;
      break;
    case 'variant':
      return <VariantView field={field} config={config} onChange={onChange} problems={problems} context={context} messages={messages} />;
    case 'object':
      return (
        <fieldset className="form-group" data-field={key}>
          <legend>{field.label}</legend>
          {field.fields.map((child) => (
            <FieldView key={pathKey(child.path)} field={child} config={config} onChange={onChange} problems={problems} context={context} />
          ))}
        </fieldset>
      );
  }

  return (
    <div className={`field${invalid ? ' field-invalid' : ''}`} data-field={key}>
      <label className="field-label" htmlFor={id}>
        {field.label}
        {field.required ? <span className="required" aria-hidden> *</span> : null}
        {field.kind === 'string' && field.expression === 'raw' && context.expressions ? <span className="field-tag">JSONata</span> : null}
        {field.kind === 'code' ? <span className="field-tag">JavaScript</span> : null}
      </label>
      {input}
      {messages.map((message) => (
        <div className="field-error" role="alert" key={message}>
          {message}
        </div>
      ))}
      {field.description ? <div className="field-hint">{field.description}</div> : null}
    </div>
  );
}

function VariantView({
  field,
  config,
  onChange,
  problems,
  context,
  messages,
}: Omit<FieldViewProps, 'field'> & { field: VariantField; messages: string[] }) {
  const id = useId();
  const key = pathKey(field.path);
  const current = getAt(config, field.path);
  const chosen =
    typeof current === 'object' && current !== null
      ? String((current as Record<string, unknown>)[field.discriminator] ?? '')
      : typeof field.default === 'object' && field.default !== null
        ? String((field.default as Record<string, unknown>)[field.discriminator] ?? '')
        : '';
  const variant = field.variants.find((v) => v.value === chosen);
  return (
    <fieldset className="form-group" data-field={key}>
      <legend>{field.label}</legend>
      <div className="field">
        <label className="field-label" htmlFor={id}>
          {field.discriminator === 'kind' ? 'Kind' : field.discriminator}
        </label>
        <select
          id={id}
          value={chosen}
          onChange={(event) =>
            onChange(
              setAt(config, field.path, event.target.value ? { [field.discriminator]: event.target.value } : undefined),
              key,
            )
          }
        >
          {/* An optional group (pagination) can be left out. */}
          {field.required || field.default !== undefined ? null : <option value="">none</option>}
          {field.variants.map((v) => (
            <option key={v.value} value={v.value}>
              {v.value}
            </option>
          ))}
        </select>
        {messages.map((message) => (
          <div className="field-error" role="alert" key={message}>
            {message}
          </div>
        ))}
      </div>
      {variant?.fields.map((child) => (
        <FieldView key={pathKey(child.path)} field={child} config={config} onChange={onChange} problems={problems} context={context} />
      ))}
    </fieldset>
  );
}

function NumberInput({
  id,
  value,
  integer,
  placeholder,
  invalid,
  onValue,
  onError,
}: {
  id: string;
  value: unknown;
  integer: boolean;
  placeholder: string | undefined;
  invalid: boolean;
  onValue: (value: unknown) => void;
  onError: (message: string | null) => void;
}) {
  const [text, setText] = useState(() => numberText(value));
  // Follow outside changes (undo) unless they are what this field just produced.
  useEffect(() => {
    setText((previous) => {
      const parsed = parseNumberInput(previous, integer);
      return parsed.ok && parsed.value === value ? previous : numberText(value);
    });
  }, [value, integer]);
  return (
    <input
      id={id}
      type="text"
      inputMode="numeric"
      value={text}
      placeholder={placeholder}
      aria-invalid={invalid || undefined}
      onChange={(event) => {
        setText(event.target.value);
        const parsed = parseNumberInput(event.target.value, integer);
        if (parsed.ok) {
          onError(null);
          onValue(parsed.value);
        } else {
          onError(parsed.message);
        }
      }}
    />
  );
}

export function JsonInput({
  id,
  value,
  onValue,
  onError,
  invalid,
  rows = 4,
}: {
  id?: string;
  value: unknown;
  onValue: (value: unknown) => void;
  onError: (message: string | null) => void;
  invalid?: boolean;
  rows?: number;
}) {
  const [text, setText] = useState(() => (value === undefined ? '' : prettyJson(value)));
  useEffect(() => {
    setText((previous) => {
      try {
        if (previous.trim() === '' ? value === undefined : JSON.stringify(JSON.parse(previous)) === JSON.stringify(value)) {
          return previous;
        }
      } catch {
        // The text is being typed; outside changes win only when they differ from the last good value.
      }
      return value === undefined ? '' : prettyJson(value);
    });
  }, [value]);
  return (
    <textarea
      id={id}
      className="code"
      rows={Math.min(14, Math.max(rows, text.split('\n').length))}
      spellCheck={false}
      value={text}
      aria-invalid={invalid || undefined}
      placeholder='JSON, e.g. { "id": "{{ trigger.body.id }}" }'
      onChange={(event) => {
        setText(event.target.value);
        if (event.target.value.trim() === '') {
          onError(null);
          onValue(undefined);
          return;
        }
        try {
          onValue(JSON.parse(event.target.value));
          onError(null);
        } catch (error) {
          onError(`Not valid JSON yet: ${error instanceof Error ? error.message : 'parse error'}`);
        }
      }}
    />
  );
}

function MapInput({
  value,
  onChange,
  context,
  invalid,
  label,
}: {
  value: unknown;
  onChange: (value: unknown) => void;
  context: FormContext;
  invalid: boolean;
  label: string;
}) {
  const [rows, setRows] = useState(() => mapRows(value));
  useEffect(() => {
    setRows((previous) => {
      const same = JSON.stringify(rowsToMap(previous) ?? {}) === JSON.stringify(value ?? {});
      return same ? previous : mapRows(value);
    });
  }, [value]);
  const update = (next: { name: string; value: string }[]) => {
    setRows(next);
    onChange(rowsToMap(next));
  };
  return (
    <div className={`map-input${invalid ? ' map-invalid' : ''}`}>
      {rows.map((row, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position while edited
        <div className="map-row" key={index}>
          <input
            type="text"
            aria-label={`${label} name ${index + 1}`}
            placeholder="Name"
            value={row.name}
            onChange={(event) => update(rows.map((r, i) => (i === index ? { ...r, name: event.target.value } : r)))}
          />
          {context.expressions ? (
            <ExpressionInput
              value={row.value}
              ariaLabel={`${label} value ${index + 1}`}
              placeholder="Value"
              mode="template"
              source={context.completion}
              onChange={(next) => update(rows.map((r, i) => (i === index ? { ...r, value: next } : r)))}
            />
          ) : (
            <input
              type="text"
              aria-label={`${label} value ${index + 1}`}
              placeholder="Value"
              value={row.value}
              onChange={(event) => update(rows.map((r, i) => (i === index ? { ...r, value: event.target.value } : r)))}
            />
          )}
          <Button small variant="ghost" aria-label={`Remove ${row.name || 'row'}`} onClick={() => update(rows.filter((_, i) => i !== index))}>
            ×
          </Button>
        </div>
      ))}
      <Button small variant="ghost" onClick={() => setRows([...rows, { name: '', value: '' }])}>
        + Add
      </Button>
    </div>
  );
}
