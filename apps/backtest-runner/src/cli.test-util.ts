// The built njord-backtest binary, run from the repository's root as a user would.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs the binary with `args` (two minutes at most): exit code and output. */
export function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** A backtest with `args`, its result and journal in `out`, no report, quiet. */
export function runInto(out: string, ...args: string[]): ReturnType<typeof cli> {
  return cli(...args, '--out', out, '--journal-dir', out, '--no-report', '--quiet');
}

/**
 * Writes the example config (config/portfolio.yaml) with each `[from, to]` replaced to
 * `<dir>/<name>.yaml` and returns its path; throws when an edit finds nothing to replace.
 */
export function exampleConfigWith(
  dir: string,
  name: string,
  edits: readonly (readonly [string | RegExp, string])[],
): string {
  let yaml = readFileSync(join(root, 'config/portfolio.yaml'), 'utf8');
  for (const [from, to] of edits) {
    const next = yaml.replace(from, to);
    if (next === yaml) throw new Error(`exampleConfigWith: ${String(from)} is not in the example`);
    yaml = next;
  }
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, yaml);
  return path;
}
