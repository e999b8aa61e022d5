/** Where in a code node's code something went wrong: 1-based, as core reports it. */
export interface CodePosition {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A step error's place in the code (a code node's error carries `details.line` and `column`). */
export function runErrorPositions(
  error: { readonly message: string; readonly details?: unknown } | null | undefined,
): CodePosition[] {
  const details = error?.details as { line?: unknown; column?: unknown } | null | undefined;
  if (!error || typeof details?.line !== 'number') return [];
  return [
    {
      line: details.line,
      column: typeof details.column === 'number' ? details.column : 1,
      message: error.message,
    },
  ];
}
