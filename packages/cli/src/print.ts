import type { RouterOutputs } from '@weft/api/types';

export type ImportResult = RouterOutputs['scenarios']['import'];
type Planned = ImportResult['scenarios'][number];
type Run = RouterOutputs['runs']['list']['items'][number];

const MARK: Record<Planned['action'], string> = { create: '+', update: '~', unchanged: '=' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What changes in one scenario's draft, in a few words. */
function changes(planned: Planned): string {
  const { nodes, edges } = planned.diff;
  const parts: string[] = [];
  if (nodes.added.length > 0) parts.push(`nodes added: ${nodes.added.join(', ')}`);
  if (nodes.removed.length > 0) parts.push(`nodes removed: ${nodes.removed.join(', ')}`);
  if (nodes.changed.length > 0)
    parts.push(
      `nodes changed: ${nodes.changed.map((c) => `${c.nodeId} (${c.fields.join(', ')})`).join(', ')}`,
    );
  if (nodes.moved.length > 0) parts.push(`nodes moved: ${nodes.moved.join(', ')}`);
  if (edges.added.length > 0) parts.push(`edges added: ${edges.added.join(', ')}`);
  if (edges.removed.length > 0) parts.push(`edges removed: ${edges.removed.join(', ')}`);
  if (planned.descriptionChanged) parts.push('description changed');
  if (planned.onFailureChanged) parts.push('failure handler changed');
  if (planned.flowControlChanged) parts.push('flow control changed');
  return parts.join('; ');
}

/** The plan, one line per scenario with its changes below, then the problems. */
export function formatPlan(result: ImportResult): string {
  const lines: string[] = [];
  for (const planned of result.scenarios) {
    lines.push(`${MARK[planned.action]} ${planned.action.padEnd(9)} ${planned.name}  (${planned.path})`);
    const detail = planned.action === 'unchanged' ? '' : changes(planned);
    if (detail) lines.push(`    ${detail}`);
  }
  const count = (action: Planned['action']) => result.scenarios.filter((s) => s.action === action).length;
  lines.push(
    `${plural(count('create'), 'scenario')} to create, ${count('update')} to update, ${count('unchanged')} unchanged.`,
  );
  if (result.problems.length > 0) {
    lines.push('', `${plural(result.problems.length, 'problem')}; nothing was changed:`);
    for (const problem of result.problems) lines.push(`  ${problem.path}: ${problem.message}`);
  }
  return lines.join('\n');
}

/** One line per run state: when it was created, its id, its scenario, its status (and error). */
export function formatRun(run: Run, scenarioName: string): string {
  const error = run.error ? `  ${run.error.code}: ${run.error.message}` : '';
  const duration = run.durationMs === null ? '' : `  ${run.durationMs} ms`;
  return `${run.createdAt.toISOString()}  ${run.id}  ${scenarioName}  ${run.trigger.kind}  ${run.status}${duration}${error}`;
}
