/**
 * The code field of a code node: CodeMirror with JavaScript highlighting; the syntax error core
 * finds (the check validation runs) and the error of the last dry-run are marked at their line.
 */
import { javascript } from '@codemirror/lang-javascript';
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint';
import CodeMirror, { EditorView } from '@uiw/react-codemirror';
import { useMemo } from 'react';
import { markAt, syntaxMarks } from './code-diagnostics';
import type { CodePosition } from './code-positions';

export interface CodeInputProps {
  readonly id: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly invalid: boolean;
  /** Errors of a run of this code (the last dry-run), marked where they happened. */
  readonly runErrors: readonly CodePosition[];
}

export default function CodeInput({ id, value, onChange, invalid, runErrors }: CodeInputProps) {
  const extensions = useMemo(
    () => [
      javascript(),
      lintGutter(),
      linter(
        (view): Diagnostic[] => {
          const text = view.state.doc.toString();
          const syntax = syntaxMarks(text).map((mark) => ({
            ...mark,
            severity: 'error' as const,
            source: 'syntax',
          }));
          // A run error no longer applies once the code has a syntax error of its own.
          const ran =
            syntax.length > 0
              ? []
              : runErrors.map((error) => ({
                  ...markAt(text, error),
                  severity: 'error' as const,
                  source: 'dry-run',
                }));
          return [...syntax, ...ran];
        },
        { delay: 300 },
      ),
      EditorView.contentAttributes.of({ 'aria-label': 'Code', id, 'data-code-field': 'true' }),
    ],
    [id, runErrors],
  );
  return (
    <div className="code-input" data-invalid={invalid || undefined}>
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        basicSetup={{ foldGutter: false }}
        minHeight="8rem"
        maxHeight="28rem"
      />
    </div>
  );
}
