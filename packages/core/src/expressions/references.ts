import type { ExpressionAstNode } from './compile.js';

/** The parts of JSONata's AST we read; its published typings omit `path` nodes, `stages` and `group`. */
interface AstNode {
  readonly type: string;
  readonly value?: unknown;
  readonly position?: number;
  readonly steps?: readonly AstNode[];
  readonly arguments?: readonly AstNode[];
  readonly procedure?: AstNode;
  readonly stages?: readonly unknown[];
  readonly group?: unknown;
}

function isAstNode(value: unknown): value is AstNode {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

function isStep(step: AstNode | undefined, type: 'name' | 'variable', value?: string): boolean {
  return step !== undefined && step.type === type && (value === undefined || step.value === value);
}

/** `step` names a node id when it is a plain field name (`http1`, `` `my-node` ``, `"my-node"`). */
function nodeIdOf(step: AstNode | undefined): string | undefined {
  return isStep(step, 'name') && typeof step?.value === 'string' ? step.value : undefined;
}

/**
 * The node id a path reads from, if it starts at the scope's `nodes`:
 * `nodes.<id>` (only where the context is the scope root), `$nodes.<id>`, `$$.nodes.<id>`, `$.nodes.<id>`.
 */
function referenceOfPath(steps: readonly AstNode[], atRoot: boolean): string | undefined {
  const [first, second, third] = steps;
  if (isStep(first, 'variable', 'nodes')) return nodeIdOf(second);
  if (atRoot && isStep(first, 'name', 'nodes')) return nodeIdOf(second);
  const rootVariable = isStep(first, 'variable', '$') || (atRoot && isStep(first, 'variable', ''));
  if (rootVariable && isStep(second, 'name', 'nodes')) return nodeIdOf(third);
  return undefined;
}

/** `$lookup(nodes, "id")` / `$lookup($nodes, "id")`. */
function referenceOfLookup(node: AstNode, atRoot: boolean): string | undefined {
  if (node.type !== 'function' || !isStep(node.procedure, 'variable', 'lookup')) return undefined;
  const [target, key] = node.arguments ?? [];
  if (target?.type !== 'path' || key?.type !== 'string' || typeof key.value !== 'string') return undefined;
  const steps = target.steps ?? [];
  const isNodes =
    steps.length === 1 &&
    (isStep(steps[0], 'variable', 'nodes') || (atRoot && isStep(steps[0], 'name', 'nodes')));
  return isNodes ? key.value : undefined;
}

/**
 * The node ids an expression reads, found by walking its JSONata AST. "At root" tracks whether
 * the context (`$`) is still the scope: inside `trigger.items[…]` a bare `nodes.x` means the
 * item's own `nodes` field, not a node's output. Dynamic access (`$lookup(nodes, $id)`,
 * `$eval(…)`) cannot be resolved statically and is not reported.
 */
export function nodeIdsInAst(ast: ExpressionAstNode): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();

  const visitChildren = (value: unknown, atRoot: boolean): void => {
    if (Array.isArray(value)) {
      for (const item of value) visitChildren(item, atRoot);
    } else if (isAstNode(value)) {
      visit(value, atRoot);
    } else if (typeof value === 'object' && value !== null && !(value instanceof RegExp)) {
      // Wrappers without a `type`, such as sort terms `{ descending, expression }` and groups `{ lhs }`.
      for (const child of Object.values(value)) visitChildren(child, atRoot);
    }
  };

  const visit = (node: AstNode, atRoot: boolean): void => {
    if (seen.has(node)) return;
    seen.add(node);

    if (node.type === 'path') {
      const steps = node.steps ?? [];
      const id = referenceOfPath(steps, atRoot);
      if (id !== undefined) found.push(id);
      steps.forEach((step, index) => {
        const { stages, group, ...rest } = step;
        // Only the first step is evaluated in the path's own context; predicates and later steps see its results.
        visitChildren(rest, index === 0 ? atRoot : false);
        visitChildren(stages, false);
        visitChildren(group, false);
      });
      visitChildren(node.group, false);
      return;
    }

    const lookedUp = referenceOfLookup(node, atRoot);
    if (lookedUp !== undefined) found.push(lookedUp);
    const { type: _type, value: _value, position: _position, ...children } = node;
    visitChildren(children, atRoot);
  };

  visit(ast as unknown as AstNode, true);
  return found;
}
