#!/usr/bin/env node
// Packs every publishable package (`pnpm pack`, which builds first through `prepack`) and
// installs the tarballs with npm into a throwaway copy of examples/consumer (TypeScript
// strict, module/moduleResolution nodenext), then typechecks and runs the usage example,
// once with the lowest supported zod 4.x (and the lowest TypeScript the READMEs state)
// and once with the latest zod 4.x and TypeScript. It also checks that
//   - no packed file mentions DESIGN.md (the team's notes are not shipped),
//   - every tarball holds LICENSE, CHANGELOG.md, README.md and dist/,
//   - importing the report, the allocator, the sizer, the rebalancer, the risk package (and its
//     `stats` entry) or the contracts' `core` entry
//     loads neither zod nor yaml, and
//     importing the tracker loads no yaml (the parsers sit behind subpath exports).
// Usage: node scripts/consumer-check.mjs [--keep]   (--keep leaves the temp dir for a look)
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
/** The lowest zod 4.x the packages work with (tested here) and the range they declare. */
const ZOD_LOWEST = '4.0.16';
const ZOD_LATEST = '^4';
const TS_LOWEST = '5.4.5';
const TS_LATEST = '5.9.3';

const work = mkdtempSync(join(tmpdir(), 'njord-consumer-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const run = (cmd, args, cwd, quiet = false) =>
  execFileSync(cmd, args, {
    cwd,
    stdio: quiet ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
let failures = 0;
const fail = (line) => {
  failures += 1;
  console.error(`✗ ${line}`);
};

try {
  // 1. Pack.
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    run('pnpm', ['pack', '--pack-destination', tarballs], dir, true);
  }
  const packed = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'));
  console.log(`packed ${packed.length} packages`);

  // 2. What is in the tarballs.
  for (const file of packed) {
    const listing = run('tar', ['-tzf', join(tarballs, file)], work, true).split('\n');
    for (const needed of ['package/LICENSE', 'package/CHANGELOG.md', 'package/README.md']) {
      if (!listing.includes(needed)) fail(`${file}: no ${needed.slice('package/'.length)}`);
    }
    if (!listing.some((entry) => entry.startsWith('package/dist/'))) fail(`${file}: no dist/`);
    const out = join(work, 'unpacked', file);
    mkdirSync(out, { recursive: true });
    run('tar', ['-xzf', join(tarballs, file), '-C', out], work, true);
    try {
      const hits = run('grep', ['-rIl', 'DESIGN.md', out], work, true).trim();
      if (hits !== '') fail(`${file}: mentions DESIGN.md in ${hits.split('\n').join(', ')}`);
    } catch {
      // grep exits 1 when nothing matches: what we want.
    }
  }

  // 3. Install into a fresh consumer project and run it, with the lowest and latest zod.
  for (const [zod, typescript] of [
    [ZOD_LOWEST, TS_LOWEST],
    [ZOD_LATEST, TS_LATEST],
  ]) {
    const app = join(work, `consumer-zod-${zod.replace(/[^0-9a-z.]/g, '')}`);
    mkdirSync(app);
    for (const entry of ['package.json', 'tsconfig.json', 'portfolio.yaml', 'src']) {
      cpSync(join(root, 'examples', 'consumer', entry), join(app, entry), { recursive: true });
    }
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...packed.map((file) => join(tarballs, file)),
        `zod@${zod}`,
        `typescript@${typescript}`,
        '@types/node@20',
      ],
      app,
    );
    const zodVersion = JSON.parse(
      readFileSync(join(app, 'node_modules', 'zod', 'package.json'), 'utf8'),
    ).version;
    const tsVersion = run('npx', ['tsc', '--version'], app, true).trim();
    console.log(`consumer with zod ${zodVersion}, ${tsVersion}: typecheck`);
    run('npx', ['tsc', '--noEmit'], app);
    run('npx', ['tsc'], app);
    const output = run('node', ['dist/main.js'], app, true);
    process.stdout.write(output);
    if (!output.includes('consumer example: ok'))
      fail(`zod ${zodVersion}: the example did not finish`);
    for (const [entry, zodAllowed, yamlAllowed] of [
      ['@njord/portfolio-contracts/core', false, false],
      ['@njord/portfolio-report', false, false],
      ['@njord/portfolio-allocator', false, false],
      ['@njord/portfolio-risk/stats', false, false],
      ['@njord/portfolio-risk', false, false],
      ['@njord/portfolio-sizer', false, false],
      ['@njord/portfolio-rebalancer', false, false],
      ['@njord/portfolio-tracker', true, false],
      ['@njord/portfolio-contracts', true, false],
      ['@njord/portfolio-contracts/yaml', true, true],
    ]) {
      const seen = JSON.parse(run('node', ['dist/load-check.js', entry], app, true));
      console.log(
        `  import ${entry}: zod ${seen.zod ? 'loaded' : 'not loaded'}, yaml ${seen.yaml ? 'loaded' : 'not loaded'}`,
      );
      if (seen.zod && !zodAllowed) fail(`${entry} loads zod`);
      if (seen.yaml && !yamlAllowed) fail(`${entry} loads yaml`);
    }
  }
} catch (error) {
  fail(error instanceof Error ? error.message.split('\n')[0] : String(error));
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`consumer check: ${failures} failure(s)`);
  process.exit(1);
}
console.log('consumer check: ok');
