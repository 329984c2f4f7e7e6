#!/usr/bin/env node
// Writes the publishing metadata every publishable package shares (repository, homepage,
// bugs, keywords, engines, files, types fallback, prepack, zod as a peer) into
// packages/*/package.json, keeping everything else (dependencies, scripts, exports) as is.
// Idempotent: run it after adding a package; `--check` fails when a package is out of date
// (CI runs the check through scripts/check-packages.mjs).
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const REPO = 'https://github.com/njord-portfolio/njord';
const NODE_RANGE = '>=20.19';
/** The zod versions the packages are tested with (lowest and latest 4.x in CI). */
export const ZOD_PEER_RANGE = '^4.0.16';

const KEYWORDS = ['njord', 'portfolio', 'trading', 'capital-allocation', 'rebalancing'];
const order = [
  'name',
  'version',
  'description',
  'keywords',
  'homepage',
  'bugs',
  'repository',
  'license',
  'private',
  'type',
  'sideEffects',
  'types',
  'exports',
  'bin',
  'files',
  'engines',
  'scripts',
  'dependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'devDependencies',
  'publishConfig',
];

let stale = 0;
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name);
  const path = join(dir, 'package.json');
  if (!existsSync(path)) continue;
  const before = readFileSync(path, 'utf8');
  const pkg = JSON.parse(before);
  if (pkg.private) continue;
  pkg.keywords = [...new Set([...KEYWORDS, ...(pkg.keywords ?? [])])];
  pkg.homepage = `${REPO}/tree/main/packages/${name}#readme`;
  pkg.bugs = { url: `${REPO}/issues` };
  pkg.repository = { type: 'git', url: `git+${REPO}.git`, directory: `packages/${name}` };
  pkg.license = 'MIT';
  pkg.types = './dist/index.d.ts';
  pkg.files = [...new Set(['dist', 'LICENSE', 'CHANGELOG.md', ...(pkg.files ?? [])])];
  pkg.engines = { ...pkg.engines, node: NODE_RANGE };
  pkg.scripts = { ...pkg.scripts, prepack: 'pnpm run build' };
  pkg.publishConfig = { access: 'public', ...pkg.publishConfig };
  // zod's types are part of every package's API (through the contracts): one copy, the app's.
  if (pkg.dependencies?.zod) delete pkg.dependencies.zod;
  pkg.peerDependencies = { ...pkg.peerDependencies, zod: ZOD_PEER_RANGE };
  if (name === 'portfolio-contracts') {
    pkg.devDependencies = { ...pkg.devDependencies, zod: '4.6.7' };
  }
  const sorted = {};
  for (const key of order) if (key in pkg) sorted[key] = pkg[key];
  for (const key of Object.keys(pkg)) if (!(key in sorted)) sorted[key] = pkg[key];
  const after = `${JSON.stringify(sorted, null, 2)}\n`;
  // TypeDoc (pnpm docs) documents exactly the package's exports, from their sources.
  const docEntries = Object.entries(pkg.exports ?? {})
    .filter(([subpath]) => subpath !== './package.json')
    .map(([, target]) => target.default.replace('./dist/', 'src/').replace(/\.js$/, '.ts'));
  const typedoc = `${JSON.stringify({ $schema: 'https://typedoc.org/schema.json', entryPoints: docEntries, readme: 'README.md' }, null, 2)}\n`;
  const typedocPath = join(dir, 'typedoc.json');
  const typedocStale =
    !existsSync(typedocPath) ||
    JSON.stringify(JSON.parse(readFileSync(typedocPath, 'utf8'))) !==
      JSON.stringify(JSON.parse(typedoc));
  const licensePath = join(dir, 'LICENSE');
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  const licenseStale = !existsSync(licensePath) || readFileSync(licensePath, 'utf8') !== license;
  const changelogMissing = !existsSync(join(dir, 'CHANGELOG.md'));
  if (
    JSON.stringify(JSON.parse(after)) !== JSON.stringify(JSON.parse(before)) ||
    licenseStale ||
    changelogMissing ||
    typedocStale
  ) {
    stale += 1;
    if (check) {
      console.error(
        `✗ ${pkg.name}: metadata out of date (run node scripts/sync-package-metadata.mjs)`,
      );
      continue;
    }
    writeFileSync(path, after);
    if (typedocStale) writeFileSync(typedocPath, typedoc);
    if (licenseStale) copyFileSync(join(root, 'LICENSE'), licensePath);
    if (changelogMissing) writeFileSync(join(dir, 'CHANGELOG.md'), `# ${pkg.name}\n`);
    console.log(`updated ${pkg.name}`);
  }
}
if (check && stale > 0) process.exit(1);
