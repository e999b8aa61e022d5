import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root, whether running from src/ (tsx, vitest) or dist/ (built). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const pomFile = path.join(packageRoot, 'pom.xml');
export const javaSourceDir = path.join(packageRoot, 'java');
export const targetDir = path.join(packageRoot, 'target');
export const classesDir = path.join(targetDir, 'classes');
export const libDir = path.join(targetDir, 'lib');
export const launcherClass = path.join(classesDir, 'weft', 'devdb', 'Launcher.class');
/** The hash of the sources target/classes was compiled from (see jars.ts). */
export const sourcesStamp = path.join(targetDir, '.sources-sha256');
