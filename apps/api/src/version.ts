import { readFileSync } from 'node:fs';

/** Name and version from this package's package.json (one level above both src/ and dist/). */
function readPackage(): { name: string; version: string } {
  try {
    const parsed = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    return {
      name: typeof parsed.name === 'string' ? parsed.name : '@weft/api',
      version: typeof parsed.version === 'string' ? parsed.version : '0.0.0',
    };
  } catch {
    return { name: '@weft/api', version: '0.0.0' };
  }
}

export const PACKAGE = readPackage();
