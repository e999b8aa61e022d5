import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError } from './errors.js';

/** Where `weft login` keeps the server and the token. */
export interface CliConfig {
  readonly url: string;
  readonly token: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/weft/config.json`, by default `~/.config/weft/config.json`. */
export function configPath(env: Env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'weft', 'config.json');
}

async function readConfigFile(file: string): Promise<Partial<CliConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as Partial<CliConfig>;
    return {
      ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}),
      ...(typeof parsed.token === 'string' ? { token: parsed.token } : {}),
    };
  } catch {
    throw new CliError(`${file} is not valid JSON; run weft login again`);
  }
}

/** The config file, with WEFT_URL and WEFT_TOKEN taking precedence over it. */
export async function loadConfig(env: Env): Promise<CliConfig> {
  const file = await readConfigFile(configPath(env));
  const url = env.WEFT_URL || file.url;
  const token = env.WEFT_TOKEN || file.token;
  if (!url || !token) {
    throw new CliError(
      `no ${!url ? 'server' : 'token'}: run "weft login --url <url> --token <token>" or set WEFT_URL and WEFT_TOKEN`,
    );
  }
  return { url: normalizeUrl(url), token };
}

export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`"${url}" is not a URL (e.g. http://localhost:8080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`"${url}" must be an http:// or https:// URL`);
  }
  return parsed.toString().replace(/\/+$/, '');
}

/** Written readable by its owner only: it holds a token. */
export async function saveConfig(env: Env, config: CliConfig): Promise<string> {
  const file = configPath(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}
