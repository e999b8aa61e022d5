/**
 * Handshakes partners make before (or besides) sending events: answered by the api without
 * storing a delivery or starting runs.
 */

/**
 * Slack's Events API `url_verification`: a signed POST whose JSON body is
 * `{ "type": "url_verification", "challenge": "…" }`; Slack expects the challenge back. Only
 * for requests whose signature verified (the caller checks first).
 */
export function slackUrlVerificationChallenge(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { type, challenge } = body as Record<string, unknown>;
  if (type !== 'url_verification' || typeof challenge !== 'string' || challenge.length === 0) return null;
  return challenge.length <= 1_000 ? challenge : null;
}

/**
 * A `GET` verification challenge (Meta's `hub.challenge`, …): the value of the app's configured
 * query parameter, echoed back as text. One value only, at most 1,000 characters.
 */
export function queryChallenge(query: Readonly<Record<string, unknown>>, param: string): string | null {
  const value = query[param];
  if (typeof value !== 'string' || value.length === 0 || value.length > 1_000) return null;
  return value;
}
