#!/usr/bin/env node
// `pnpm deps` (after dependency-cruiser): packages/db is the only door to MongoDB. App source
// (apps/api/src, apps/runner/src; tests aside) reaches the database through named repository
// functions of @weft/db, which apply the workspace filter, the projection and the sort once.
// An import graph cannot see a property access, so this reads the source: a model of `models`,
// a raw driver collection or command in app code fails with file:line and the rule.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APP_SOURCES = ['apps/api/src', 'apps/runner/src'];
const RULE = 'db-is-the-only-door';

const FORBIDDEN = [
  { pattern: /\bmodels\.[A-Z]\w*/, what: 'a mongoose model used directly (`models.<Model>`)' },
  { pattern: /\bModels\[['"][A-Z]/, what: "a mongoose model's type used directly (`Models['<Model>']`)" },
  {
    pattern: /\{[^}]*\b[A-Z]\w*\b[^}]*\}\s*=\s*(?:[\w.]+\.)?models\b/,
    what: 'a mongoose model taken out of `models`',
  },
  { pattern: /\.collection\(/, what: 'a raw driver collection (`.collection(…)`)' },
  { pattern: /\.command\(/, what: 'a raw database command (`.command(…)`)' },
];

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const violations = [];
for (const dir of APP_SOURCES) {
  for (const file of sourceFiles(path.join(root, dir))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
        for (const { pattern, what } of FORBIDDEN) {
          if (pattern.test(line)) violations.push(`${path.relative(root, file)}:${index + 1}: ${what}`);
        }
      });
  }
}

if (violations.length > 0) {
  console.error(`error ${RULE}: app source reaches MongoDB without packages/db (ARCHITECTURE.md, "Layers").`);
  for (const violation of violations) console.error(`  ${violation}`);
  console.error(
    'Move the query into a function of packages/db/src/repositories/<domain>.ts that takes the workspace id and applies the filter, and call that.',
  );
  process.exit(1);
}
console.log(`${RULE}: no direct model or collection use in ${APP_SOURCES.join(', ')}.`);
