import type { GraphProblem, GraphShape } from '../graph/types.js';
import { isPlainObject } from '../expressions/field-path.js';

const OBJECT_ID = /^[0-9a-f]{24}$/;

/** A connection as these checks see it. */
export interface ConnectionFacts {
  readonly name: string;
  readonly oauth2: boolean;
}

/** The fixed connection ids of the nodes that authenticate with OAuth2. */
export function oauth2ConnectionIds(graph: GraphShape): string[] {
  return oauth2Uses(graph).map((use) => use.connectionId);
}

function oauth2Uses(graph: GraphShape): { nodeId: string; connectionId: string }[] {
  return graph.nodes.flatMap((node) => {
    const { auth, connectionId } = node.config;
    const usesOAuth2 = node.type === 'http.request' && isPlainObject(auth) && auth.kind === 'oauth2';
    return usesOAuth2 && typeof connectionId === 'string' && OBJECT_ID.test(connectionId)
      ? [{ nodeId: node.id, connectionId }]
      : [];
  });
}

/**
 * An HTTP request with `auth: oauth2` whose connection has no OAuth2 configuration cannot get a
 * token. Only connections listed in `connections` are judged (one not listed may exist).
 */
export function oauth2ConnectionProblems(
  graph: GraphShape,
  connections: ReadonlyMap<string, ConnectionFacts>,
): GraphProblem[] {
  return oauth2Uses(graph).flatMap(({ nodeId, connectionId }) => {
    const connection = connections.get(connectionId);
    if (!connection || connection.oauth2) return [];
    return [
      {
        code: 'invalid_config' as const,
        nodeId,
        path: ['connectionId'],
        message: `Node "${nodeId}" (http.request) field "connectionId": connection "${connection.name}" has no OAuth2 configuration; auth "oauth2" needs an OAuth2 connection`,
      },
    ];
  });
}
