import { createClient } from '../client.js';
import { type Env, normalizeUrl, saveConfig } from '../config.js';
import { CliError } from '../errors.js';
import type { Output } from '../output.js';

/** Checks the token against the server, then keeps both in the config file. */
export async function login(
  options: { url?: string; token?: string },
  env: Env,
  out: Output,
): Promise<number> {
  const url = options.url ?? env.WEFT_URL;
  const token = options.token ?? env.WEFT_TOKEN;
  if (!url) throw new CliError('weft login needs --url <url> (or WEFT_URL)');
  if (!token) throw new CliError('weft login needs --token <token> (or WEFT_TOKEN)');
  const config = { url: normalizeUrl(url), token };
  const me = await createClient(config).auth.whoami.query();
  const file = await saveConfig(env, config);
  out.print(
    `Logged in to ${config.url}: workspace "${me.workspace.name}", token "${me.token.name}". Saved to ${file}.`,
  );
  return 0;
}
