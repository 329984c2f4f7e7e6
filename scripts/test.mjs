#!/usr/bin/env node
// `pnpm test`: provision what the tests need (scripts/provision-test.mjs), run every
// package's tests through turbo, continuing past a failing package so every failure
// shows, then print the closing "N passed, N failed" line (scripts/test-summary.mjs).
// Exits non-zero when anything failed: a test case, a test file that did not load, a
// package whose tests did not finish, or turbo itself. Extra arguments go to turbo
// (e.g. `pnpm test --filter=@njord/portfolio-sizer`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, env, stdio: 'inherit' }).status ?? 1;

if (process.argv.includes('--help')) {
  console.log(
    'Usage: pnpm test [turbo flags]\nProvisions chromium/Redis/openssl where it can, runs every ' +
      "package's tests (turbo --continue), prints 'N passed, N failed' (test cases).",
  );
  process.exit(0);
}

const provisioned = run(node, ['scripts/provision-test.mjs']);
if (provisioned !== 0) process.exit(provisioned);
run(node, ['scripts/test-summary.mjs', '--clean']);
// The packages whose tests this run covers (a filter narrows them): the summary expects a
// report from each, so a package whose vitest died before writing one is not missed.
const dry = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--dry=json', ...process.argv.slice(2)],
  { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
let expected = [];
try {
  expected = JSON.parse(dry.stdout)
    .tasks.filter((task) => task.task === 'test' && task.command !== '<NONEXISTENT>')
    .map((task) => task.directory);
} catch {
  expected = []; // the summary then expects a report from every package with a test script
}
const turbo = run('pnpm', [
  'exec',
  'turbo',
  'run',
  'test',
  '--continue',
  ...process.argv.slice(2),
  '--',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=.vitest-report.json',
]);
const summary = run(node, [
  'scripts/test-summary.mjs',
  ...(expected.length > 0 ? ['--expect', expected.join(',')] : []),
]);
process.exit(turbo !== 0 ? turbo : summary);
