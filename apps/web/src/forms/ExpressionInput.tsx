/**
 * A text field for config values that may hold expressions: `{{ }}` parts (or a whole raw
 * JSONata value) are highlighted as you type, `{{` closes itself, and autocomplete offers the
 * roots (`trigger`, `nodes.`, `run`) and the ids of upstream nodes after `nodes.`.
 */
import { type KeyboardEvent, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  applyCompletion,
  autoCloseBraces,
  type Completion,
  type CompletionSource,
  completionAt,
  type ExpressionMode,
  tokenize,
  unknownReferences,
} from './expression';

export interface ExpressionInputProps {
  readonly id?: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly mode: ExpressionMode;
  readonly multiline?: boolean;
  readonly placeholder?: string;
  readonly source: CompletionSource;
  readonly invalid?: boolean;
  readonly ariaLabel?: string;
}

export function ExpressionInput({
  id,
  value,
  onChange,
  mode,
  multiline,
  placeholder,
  source,
  invalid,
  ariaLabel,
}: ExpressionInputProps) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const overlay = useRef<HTMLPreElement>(null);
  const pendingCursor = useRef<number | null>(null);
  const [completion, setCompletion] = useState<Completion | null>(null);
  const [active, setActive] = useState(0);
  const listId = useId();
  const known = useMemo(() => new Set(source.upstream.map((node) => node.id)), [source.upstream]);
  const tokens = useMemo(() => tokenize(value, mode, known), [value, mode, known]);
  const unknown = useMemo(() => unknownReferences(tokens), [tokens]);

  useLayoutEffect(() => {
    if (pendingCursor.current !== null && ref.current) {
      ref.current.setSelectionRange(pendingCursor.current, pendingCursor.current);
      pendingCursor.current = null;
    }
  });

  const refresh = (text: string, cursor: number) => {
    const next = completionAt(text, cursor, mode, source);
    setCompletion(next);
    setActive(0);
  };

  const change = (text: string, cursor: number, typed: string | null) => {
    let nextText = text;
    let nextCursor = cursor;
    if (typed === '{' && mode === 'template') {
      const closed = autoCloseBraces(text, cursor);
      if (closed) {
        nextText = closed.value;
        nextCursor = closed.cursor;
        pendingCursor.current = nextCursor;
      }
    }
    onChange(nextText);
    refresh(nextText, nextCursor);
  };

  const accept = (index: number) => {
    const option = completion?.options[index];
    if (!completion || !option) return;
    const applied = applyCompletion(value, completion, option);
    pendingCursor.current = applied.cursor;
    onChange(applied.value);
    // `nodes.` chains into the node ids.
    refresh(applied.value, applied.cursor);
    ref.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (completion && completion.options.length > 0) {
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        setActive((i) => (i + 1) % completion.options.length);
        return;
      }
      if (event.key === 'ArrowUp') {
        event.preventDefault();
        setActive((i) => (i - 1 + completion.options.length) % completion.options.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        accept(active);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        setCompletion(null);
        return;
      }
    }
    // Typing `}` over the `}}` that closed itself steps over it instead of adding another.
    if (event.key === '}' && mode === 'template') {
      const field = event.currentTarget;
      const at = field.selectionStart;
      const skip = field.selectionEnd === at ? /^ ?\}/.exec(value.slice(at)) : null;
      if (skip) {
        event.preventDefault();
        field.setSelectionRange(at + skip[0].length, at + skip[0].length);
        return;
      }
    }
    if (event.key === 'Enter' && !multiline) event.preventDefault();
  };

  const syncScroll = () => {
    if (overlay.current && ref.current) {
      overlay.current.scrollTop = ref.current.scrollTop;
      overlay.current.scrollLeft = ref.current.scrollLeft;
    }
  };

  const rows = multiline ? Math.min(8, Math.max(2, value.split('\n').length)) : 1;
  return (
    <div className={`expr${multiline ? ' expr-multi' : ''}${invalid ? ' expr-invalid' : ''}${mode === 'raw' ? ' expr-raw' : ''}`}>
      <pre className="expr-highlight" ref={overlay} aria-hidden>
        {tokens.map((token) => (
          <span
            key={token.start}
            className={`tok-${token.kind}`}
            title={token.kind === 'unknown-ref' ? `"${token.nodeId}" is not upstream of this node` : undefined}
          >
            {token.text}
          </span>
        ))}
        {'\u200b'}
      </pre>
      <textarea
        ref={ref}
        id={id}
        className="expr-input"
        value={value}
        rows={rows}
        wrap={multiline ? 'soft' : 'off'}
        spellCheck={false}
        autoComplete="off"
        placeholder={placeholder}
        aria-label={ariaLabel}
        aria-invalid={invalid || undefined}
        aria-autocomplete="list"
        aria-controls={completion ? listId : undefined}
        onChange={(event) => {
          const native = event.nativeEvent as InputEvent;
          const text = multiline ? event.target.value : event.target.value.replace(/\n/g, ' ');
          change(text, event.target.selectionStart, native.data ?? null);
        }}
        onKeyDown={onKeyDown}
        onClick={(event) => refresh(value, event.currentTarget.selectionStart)}
        onBlur={() => setTimeout(() => setCompletion(null), 150)}
        onScroll={syncScroll}
      />
      {completion && completion.options.length > 0 ? (
        <div className="completions" id={listId} role="listbox">
          {completion.options.map((option, index) => (
            <div
              key={option.label}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              className={index === active ? 'completion-active' : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                accept(index);
              }}
            >
              <span className="completion-label">{option.label}</span>
              <span className="completion-detail">{option.detail}</span>
            </div>
          ))}
        </div>
      ) : null}
      {unknown.length > 0 ? (
        <div className="field-warning">
          {unknown.map((nodeId) => `nodes.${nodeId}`).join(', ')} {unknown.length === 1 ? 'is' : 'are'} not upstream of
          this node: {unknown.length === 1 ? 'it' : 'they'} will be empty when it runs.
        </div>
      ) : null}
    </div>
  );
}
