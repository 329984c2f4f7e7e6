#!/usr/bin/env node
// Runs publint and `attw --pack --profile esm-only` over every publishable package (build first).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const packagesDir = join(root, 'packages');
let failed = 0;

// The shared metadata (repository, engines, files, zod peer, LICENSE, typedoc.json) is current.
try {
  execFileSync(process.execPath, [join(root, 'scripts', 'sync-package-metadata.mjs'), '--check'], {
    stdio: 'inherit',
  });
  console.log('✓ package metadata');
} catch {
  failed++;
}

// Every package's vitest config sets explicit limits (the suite runs on loaded machines).
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const config = join(root, group, name, 'vitest.config.ts');
    if (!existsSync(config)) continue;
    const text = readFileSync(config, 'utf8');
    if (!/testTimeout:/.test(text) || !/hookTimeout:/.test(text)) {
      console.error(`✗ ${group}/${name}/vitest.config.ts: set testTimeout and hookTimeout`);
      failed++;
    }
  }
}

for (const name of readdirSync(packagesDir).sort()) {
  const dir = join(packagesDir, name);
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`✗ ${manifest.name}: no dist/ (run pnpm build first)`);
    failed++;
    continue;
  }
  for (const [tool, args] of [
    ['publint', ['--strict', dir]],
    ['attw', ['--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: 'pipe', encoding: 'utf8' });
      console.log(`✓ ${manifest.name}: ${tool}`);
    } catch (error) {
      failed++;
      console.error(`✗ ${manifest.name}: ${tool}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}

if (failed > 0) {
  console.error(`${failed} package check(s) failed`);
  process.exit(1);
}
