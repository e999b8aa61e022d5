/**
 * Nodes without a position of their own. The API fills a position left out of a graph with
 * (0, 0) (`scenarioNodeSchema`), so nodes created through it without positions all sit on one
 * spot. Two nodes of one level (the top level, or one loop's body) on exactly the same spot is
 * never a layout someone made: those nodes are the ones to lay out when the editor opens.
 */
import type { EditableGraph } from './editable-graph';

/** The nodes sharing their exact position with another node of their level. */
export function stackedNodeIds(graph: EditableGraph): Set<string> {
  const bySpot = new Map<string, string[]>();
  for (const node of graph.nodes) {
    const spot = `${node.parentId ?? ''}|${node.position.x}|${node.position.y}`;
    const ids = bySpot.get(spot);
    if (ids) ids.push(node.id);
    else bySpot.set(spot, [node.id]);
  }
  return new Set([...bySpot.values()].filter((ids) => ids.length > 1).flat());
}
