import { evaluateExpression } from '../expressions/resolve.js';
import { isTruthy } from '../nodes/truthy.js';
import type { HttpResponse } from '../nodes/types.js';

function bodyOf(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    return response.body;
  }
}

/**
 * Whether an API's answer says the access token is no longer good: a 401, or the connection's
 * `expiredWhen` expression (over `response` with a JSON body parsed) evaluating truthy.
 */
export async function signalsExpiredToken(
  response: HttpResponse,
  expiredWhen: string | undefined,
): Promise<boolean> {
  if (response.status === 401) return true;
  if (expiredWhen === undefined) return false;
  const scope = {
    trigger: null,
    nodes: {},
    response: { status: response.status, headers: response.headers, body: bodyOf(response) },
  };
  const value = await evaluateExpression(expiredWhen, scope, { field: 'oauth2.expiredWhen' });
  return isTruthy(value);
}
