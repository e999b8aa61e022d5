import type { WeftClient } from '../client.js';
import { readScenarioFiles, writeScenarioFiles } from '../files.js';
import type { Output } from '../output.js';
import { formatPlan } from '../print.js';

/** Writes every live scenario of the workspace into `dir`, one file each. */
export async function exportScenarios(client: WeftClient, dir: string, out: Output): Promise<number> {
  const { files } = await client.scenarios.export.query({});
  await writeScenarioFiles(dir, files);
  out.print(`Wrote ${files.length} scenario file${files.length === 1 ? '' : 's'} to ${dir}:`);
  for (const file of files) out.print(`  ${file.path}  ${file.scenario.name}`);
  return 0;
}

/** What `apply` would do, and every problem; exit code 1 when there is one. */
export async function planScenarios(client: WeftClient, dir: string, out: Output): Promise<number> {
  const files = await readScenarioFiles(dir);
  const result = await client.scenarios.import.mutate({ files, dryRun: true });
  out.print(formatPlan(result));
  return result.problems.length > 0 ? 1 : 0;
}

/** Saves the drafts the files describe (and publishes them with `publish`), or nothing when any problem exists. */
export async function applyScenarios(
  client: WeftClient,
  dir: string,
  options: { publish: boolean },
  out: Output,
): Promise<number> {
  const files = await readScenarioFiles(dir);
  const result = await client.scenarios.import.mutate({ files, dryRun: false, publish: options.publish });
  out.print(formatPlan(result));
  if (!result.applied) return 1;
  const changed = result.scenarios.filter((s) => s.action !== 'unchanged').length;
  out.print(`Applied: ${changed} draft${changed === 1 ? '' : 's'} saved.`);
  for (const published of result.published)
    out.print(`Published "${published.name}" as version ${published.version}.`);
  return 0;
}
