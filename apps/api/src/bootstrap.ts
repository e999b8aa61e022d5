import {
  countApiTokens,
  createApiToken,
  createWorkspace,
  findActiveToken,
  findFirstWorkspaceId,
  type Models,
} from '@weft/db';

export type BootstrapOutcome =
  | { readonly kind: 'existing' }
  | { readonly kind: 'created'; readonly token: string; readonly workspaceId: string }
  | { readonly kind: 'registered'; readonly workspaceId: string };

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap';

async function firstWorkspaceId(models: Models, now: Date) {
  return (await findFirstWorkspaceId(models)) ?? (await createWorkspace(models, 'Default', now))._id;
}

/**
 * Makes sure someone can call the API. With `configured` (WEFT_BOOTSTRAP_TOKEN): that token is
 * registered for the first workspace unless it is known already. Without it: on the first start
 * (no token at all), a workspace and a token are created and the token is returned, to be shown
 * once; it is never stored in clear.
 */
export async function ensureBootstrapToken(
  models: Models,
  configured: string | null,
  now = new Date(),
): Promise<BootstrapOutcome> {
  if (configured) {
    if (await findActiveToken(models, configured)) return { kind: 'existing' };
    const workspaceId = await firstWorkspaceId(models, now);
    await createApiToken(models, workspaceId, BOOTSTRAP_TOKEN_NAME, configured, now);
    return { kind: 'registered', workspaceId: workspaceId.toHexString() };
  }
  if ((await countApiTokens(models)) > 0) return { kind: 'existing' };
  const workspaceId = await firstWorkspaceId(models, now);
  const { token } = await createApiToken(models, workspaceId, BOOTSTRAP_TOKEN_NAME, undefined, now);
  return { kind: 'created', token, workspaceId: workspaceId.toHexString() };
}
