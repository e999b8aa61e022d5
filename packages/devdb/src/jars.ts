import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  classesDir,
  javaSourceDir,
  launcherClass,
  libDir,
  packageRoot,
  pomFile,
  sourcesStamp,
  targetDir,
} from './paths.js';

const LOCK_DIR = path.join(targetDir, '.resolve-lock');
const LOCK_STALE_MS = 10 * 60_000;

/**
 * A hash of what the launcher is compiled from: pom.xml and every file under java/ (names and
 * contents). Compared with the hash stored at the last compile, so any change recompiles: an edit
 * whatever its file time (a checkout or copy can set an older one), a new file, a deleted one.
 */
export async function sourcesHash(): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(full);
    }
  };
  await walk(javaSourceDir);
  files.sort();
  const hash = createHash('sha256');
  for (const file of [pomFile, ...files]) {
    hash.update(`${path.relative(packageRoot, file)}\0`);
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** True when the launcher is compiled from the current sources and the server jars are in place. */
export async function jarsAreReady(): Promise<boolean> {
  if (!existsSync(launcherClass) || !existsSync(libDir)) return false;
  if (!readdirSync(libDir).some((name) => name.startsWith('mongo-java-server-core'))) return false;
  const compiledFrom = await readFile(sourcesStamp, 'utf8').catch(() => '');
  return compiledFrom.trim() === (await sourcesHash());
}

function runMaven(log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', ['-B', '-q', '-f', pomFile, 'compile'], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) =>
      reject(
        new Error(`weft-devdb: could not run Maven (mvn): ${error.message}. Install Java 17 and Maven.`),
      ),
    );
    child.on('exit', (code) => {
      if (code === 0) {
        log('weft-devdb: mongo-java-server is ready');
        resolve();
      } else reject(new Error(`weft-devdb: Maven failed with exit code ${code}:\n${output.slice(-4000)}`));
    });
  });
}

async function acquireLock(): Promise<() => void> {
  mkdirSync(targetDir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed process must not block every later start.
      if (Date.now() - statSync(LOCK_DIR).mtimeMs > LOCK_STALE_MS)
        rmSync(LOCK_DIR, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Compiles the launcher and copies mongo-java-server's jars into target/lib on first use and
 * whenever its sources changed (Maven resolves the jars from Maven Central), once across
 * concurrent processes.
 */
export async function ensureJars(log: (line: string) => void = (line) => console.error(line)): Promise<void> {
  if (await jarsAreReady()) return;
  const release = await acquireLock();
  try {
    if (await jarsAreReady()) return;
    log(
      'weft-devdb: compiling the launcher (first start, or its sources changed; Maven resolves mongo-java-server 1.47.0 from Maven Central)…',
    );
    // Maven decides what to recompile by file times and keeps the classes of deleted sources:
    // compile all of it afresh, and remember what from.
    const hash = await sourcesHash();
    rmSync(classesDir, { recursive: true, force: true });
    await runMaven(log);
    await writeFile(sourcesStamp, `${hash}\n`);
  } finally {
    release();
  }
}
