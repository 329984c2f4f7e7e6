// The built njord-backtest binary, run from the repository's root as a user would.
import { spawnSync } from 'node:child_process';
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
