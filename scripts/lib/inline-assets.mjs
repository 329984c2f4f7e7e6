// What the build steps that inline browser assets share (packages/portfolio-report and
// apps/portfolio-manager, scripts/generate-assets.mjs): uPlot's dist files read from the
// package folder, the check that a text can sit inside an inline <script> or <style>, the CSP
// hash of an inline script, and a generated module written only when its text changed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** uPlot as installed for the package at `packageRoot`: its version, minified script and CSS. */
export function readUplot(packageRoot) {
  const require = createRequire(join(packageRoot, 'package.json'));
  // uPlot's exports map does not list the dist files: resolve the package folder and read them.
  const dir = dirname(require.resolve('uplot/package.json'));
  return {
    version: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version,
    js: readFileSync(join(dir, 'dist', 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dir, 'dist', 'uPlot.min.css'), 'utf8'),
  };
}

/**
 * Throws unless each `[name, text, closer]` can be inlined as is: an inline <script> ends at
 * the first `</script`, an inline <style> at the first `</style`, and `<!--` changes parsing.
 */
export function assertInlinable(entries) {
  for (const [name, text, closer] of entries) {
    if (text.toLowerCase().includes(closer) || text.includes('<!--')) {
      throw new Error(`${name} contains ${closer} or <!--: it cannot be inlined as is`);
    }
  }
}

/** The CSP source expression (`'sha256-...'` without the quotes) of an inline script. */
export function cspHash(text) {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/**
 * Writes `text` to `target` (creating its folder) unless the file already holds it, through a
 * temporary file and a rename: build, lint and typecheck may run the step at the same time.
 */
export function writeIfChanged(target, text) {
  mkdirSync(dirname(target), { recursive: true });
  let current = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = null;
  }
  if (current === text) return;
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, target);
}
