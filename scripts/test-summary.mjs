#!/usr/bin/env node
// Sums the vitest JSON reports of every workspace package into one closing line that
// counts test CASES: "N passed, N failed" (", N skipped" when some were).
// A test file that fails to load (an import or syntax error, a throw at the top level,
// a hook that fails before any test) is not a test case: it is counted on its own line
// above the closing line, and makes this script exit 1 as a failed case does.
// A package with a test script that wrote no report (vitest itself crashed) is named and
// also makes the exit code 1.
// --expect dir,dir names the packages (relative to the root) the run covered.
// With --clean, removes old reports before a run.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const REPORT = '.vitest-report.json';
const dirs = ['packages', 'apps'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .sort()
        .map((name) => join(root, group, name))
    : [],
);

if (process.argv.includes('--clean')) {
  for (const dir of dirs) rmSync(join(dir, REPORT), { force: true });
  process.exit(0);
}

const expectAt = process.argv.indexOf('--expect');
const expected =
  expectAt >= 0 ? new Set((process.argv[expectAt + 1] ?? '').split(',').filter(Boolean)) : null;

/** Whether a report is expected from the package in `dir` (--expect lists them; else any with a test script). */
function reportExpected(dir) {
  if (expected !== null) return expected.has(dir.slice(root.length));
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  const scripts = JSON.parse(readFileSync(manifest, 'utf8')).scripts ?? {};
  return typeof scripts.test === 'string';
}

let passed = 0;
let failed = 0;
let skipped = 0;
const brokenFiles = [];
const missingReports = [];
for (const dir of dirs) {
  const name = dir.slice(root.length);
  const path = join(dir, REPORT);
  if (!existsSync(path)) {
    if (reportExpected(dir)) missingReports.push(name);
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  let pkgPassed = 0;
  let pkgFailed = 0;
  let pkgSkipped = 0;
  for (const file of report.testResults ?? []) {
    const cases = file.assertionResults ?? [];
    for (const test of cases) {
      if (test.status === 'passed') pkgPassed += 1;
      else if (test.status === 'failed') pkgFailed += 1;
      else pkgSkipped += 1;
    }
    // A failed file with no failed case: it failed to load or in a hook outside any test.
    if (file.status === 'failed' && !cases.some((test) => test.status === 'failed')) {
      const firstLine = String(file.message ?? 'failed outside any test').split('\n')[0];
      brokenFiles.push(
        `${join(name, file.name.startsWith(dir) ? file.name.slice(dir.length + 1) : file.name)}: ${firstLine}`,
      );
    }
  }
  passed += pkgPassed;
  failed += pkgFailed;
  skipped += pkgSkipped;
  console.log(`${name}: ${pkgPassed} passed, ${pkgFailed} failed`);
}
for (const name of missingReports) {
  console.log(`${name}: no test report (vitest did not finish; see its output above)`);
}
if (brokenFiles.length > 0) {
  console.log(
    `${brokenFiles.length} test file(s) failed outside any test case (not counted below):`,
  );
  for (const line of brokenFiles) console.log(`  ${line}`);
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || brokenFiles.length > 0 || missingReports.length > 0 ? 1 : 0;
