import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './errors.js';

export interface LocalFile {
  readonly path: string;
  readonly content: unknown;
}

/** Every `*.json` of `dir` (not recursive), parsed, by name; a file that is not JSON is named with the reason. */
export async function readScenarioFiles(dir: string): Promise<LocalFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new CliError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  if (names.length === 0) throw new CliError(`${dir} holds no .json file`);
  const files: LocalFile[] = [];
  const broken: string[] = [];
  for (const name of names) {
    const text = await readFile(path.join(dir, name), 'utf8');
    try {
      files.push({ path: name, content: JSON.parse(text) });
    } catch (error) {
      broken.push(`  ${name}: not valid JSON: ${(error as Error).message}`);
    }
  }
  if (broken.length > 0)
    throw new CliError(`${broken.length} file(s) could not be read:\n${broken.join('\n')}`);
  return files;
}

/** Writes each file as indented JSON with a final newline, so files diff well under version control. */
export async function writeScenarioFiles(
  dir: string,
  files: readonly { path: string; scenario: unknown }[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    await writeFile(path.join(dir, file.path), `${JSON.stringify(file.scenario, null, 2)}\n`);
  }
}
