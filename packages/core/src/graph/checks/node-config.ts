import { formatConfigPath, quote } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/** `invalid_config`, one per issue the node type reports, in node order. */
export function checkNodeConfig(context: CheckContext): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const node of context.graph.nodes) {
    const info = context.lookup(node.type);
    if (info === undefined) continue;
    for (const issue of info.validateConfig(node.config)) {
      const where = issue.path.length === 0 ? 'config' : `field ${quote(formatConfigPath(issue.path))}`;
      problems.push({
        code: 'invalid_config',
        nodeId: node.id,
        path: [...issue.path],
        ...(issue.position ? { position: issue.position } : {}),
        message: `Node ${quote(node.id)} (${node.type}) ${where}: ${issue.message}`,
      });
    }
  }
  return problems;
}
