import type jsonata from 'jsonata';

/**
 * Built-in functions whose cost is one pass over their arguments (no callbacks, no regular
 * expressions, no output larger than their input plus literals of the expression), with the most
 * arguments each may take. Left out: string searches with a pattern from the data (`$contains`
 * and kin, which may cost its length times the text's), `$string(x, true)` (indentation grows
 * with depth), a `$join` separator that is not a literal (the output would grow with its length
 * times the number of items).
 */
const LINEAR_FUNCTIONS: ReadonlyMap<string, number> = new Map([
  ['string', 1],
  ['number', 1],
  ['boolean', 1],
  ['not', 1],
  ['exists', 1],
  ['count', 1],
  ['length', 1],
  ['lowercase', 1],
  ['uppercase', 1],
  ['trim', 1],
  ['substring', 3],
  ['join', 2],
  ['keys', 1],
  ['sum', 1],
  ['max', 1],
  ['min', 1],
  ['average', 1],
  ['abs', 1],
  ['floor', 1],
  ['ceil', 1],
  ['round', 2],
  ['type', 1],
]);

const CHEAP_OPERATORS = new Set([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  'and',
  'or',
  '&',
  'in',
]);

/** The parts of JSONata's AST read here (its published type lacks several of them). */
interface Node {
  readonly type: string;
  readonly value?: unknown;
  readonly steps?: readonly Node[];
  readonly stages?: readonly { readonly type: string; readonly expr?: Node }[];
  readonly predicate?: unknown;
  readonly group?: unknown;
  readonly lhs?: Node | readonly (readonly [Node, Node])[];
  readonly rhs?: Node;
  readonly condition?: Node;
  readonly then?: Node;
  readonly else?: Node;
  readonly expression?: Node;
  readonly expressions?: readonly Node[];
  readonly arguments?: readonly Node[];
  readonly procedure?: Node;
}

const UNBOUNDED = Number.POSITIVE_INFINITY;
const STEP_KEYS = new Set(['type', 'value', 'position', 'stages']);
const PATH_KEYS = new Set(['type', 'steps', 'position', 'keepSingletonArray']);

function onlyKeys(node: object, allowed: ReadonlySet<string>): boolean {
  return Object.keys(node).every((key) => allowed.has(key));
}

/** A path step that looks one key up per item: a name, optionally with a literal index (`items[0]`). */
function stepCost(step: Node, first: boolean): number {
  // Focus (`@`), index (`#`), parent (`%`) and group bindings on a step join or regroup data.
  if (!onlyKeys(step, STEP_KEYS)) return UNBOUNDED;
  if (step.type === 'variable') return first ? 1 : UNBOUNDED;
  if (step.type !== 'name') return UNBOUNDED;
  for (const stage of step.stages ?? []) {
    if (stage.type !== 'filter' || stage.expr?.type !== 'number') return UNBOUNDED;
  }
  return 1;
}

function sum(nodes: readonly (Node | undefined)[]): number {
  let total = 1;
  for (const node of nodes) total += node === undefined ? 0 : cost(node);
  return total;
}

function cost(node: Node): number {
  if (node.predicate !== undefined || node.group !== undefined || node.stages !== undefined) return UNBOUNDED;
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value':
      return 1;
    case 'path': {
      if (!onlyKeys(node, PATH_KEYS)) return UNBOUNDED;
      const steps = node.steps ?? [];
      let total = 0;
      for (const [index, step] of steps.entries()) total += stepCost(step, index === 0);
      return total;
    }
    case 'variable':
      return 1;
    case 'binary':
      if (!CHEAP_OPERATORS.has(String(node.value))) return UNBOUNDED;
      return sum([node.lhs as Node | undefined, node.rhs]);
    case 'condition':
      return sum([node.condition, node.then, node.else]);
    case 'block':
      return sum(node.expressions ?? []);
    case 'unary':
      if (node.value === '-') return sum([node.expression]);
      if (node.value === '[') return sum(node.expressions ?? []);
      if (node.value === '{') return sum(((node.lhs ?? []) as readonly (readonly [Node, Node])[]).flat());
      return UNBOUNDED;
    case 'function': {
      const procedure = node.procedure;
      const args = node.arguments ?? [];
      const arity =
        procedure?.type === 'variable' ? LINEAR_FUNCTIONS.get(String(procedure.value)) : undefined;
      if (arity === undefined || args.length > arity) return UNBOUNDED;
      if (procedure?.value === 'join' && args[1] !== undefined && args[1].type !== 'string') return UNBOUNDED;
      return sum(args);
    }
    default:
      // Lambdas, bindings, regular expressions, ranges, sorts, predicates, transforms, `$eval` …
      return UNBOUNDED;
  }
}

/**
 * What evaluating a compiled expression may cost, in passes over the data it reads, when that is
 * bounded by its shape alone; `undefined` when it is not. Bounded are expressions without
 * functions of their own, regular expressions, ranges, predicates other than a literal index,
 * bindings or calls other than one-pass built-ins: every part of them is evaluated once, and
 * reads at most the data it is given. Such an expression cannot stall a process and may be
 * evaluated in it; any other one goes where a deadline can stop it (`setExpressionEvaluator`).
 */
export function boundedCost(ast: jsonata.ExprNode): number | undefined {
  const total = cost(ast as unknown as Node);
  return Number.isFinite(total) ? total : undefined;
}
