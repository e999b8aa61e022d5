import jsonata from 'jsonata';

/** The syntax error of a node's own JSONata field with its position, or null when it compiles. */
export function compileProblem(expression: string): string | null {
  try {
    jsonata(expression);
    return null;
  } catch (error) {
    const e = error as { message?: string; position?: number };
    const at = typeof e.position === 'number' ? ` at ${e.position}` : '';
    return `JSONata syntax error${at}: ${e.message ?? String(error)}`;
  }
}
