/** Where a code node's error happened: its line and column, and the frames in the code. */
import { runErrorPositions } from '../forms/code-positions';

export function CodeErrorLocation({
  error,
}: {
  error: { message: string; details?: unknown } | null | undefined;
}) {
  const [position] = runErrorPositions(error);
  if (!position) return null;
  const stack = (error?.details as { stack?: unknown } | undefined)?.stack;
  return (
    <div className="code-error-location" data-code-error-line={position.line}>
      <div>
        In the code at line {position.line}, column {position.column}
      </div>
      {typeof stack === 'string' && stack.includes('\n') ? <pre>{stack}</pre> : null}
    </div>
  );
}
