#!/usr/bin/env node
// `pnpm validate-config [path] [--data FILE] [--strategies MODULE]`: checks a portfolio YAML
// as njord-backtest would run it (schema, then strategies resolved against the data).
// Runs the runner's `validate-config` command; build first (`pnpm build`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('../apps/backtest-runner/dist/main.js', import.meta.url));
const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
if (args[0] === 'help' || args.includes('--help') || args.includes('-h')) {
  args.splice(0, args.length, '--help');
}
if (!existsSync(runner)) {
  console.error(`validate-config: ${runner} is not built: run \`pnpm build\` first`);
  process.exit(2);
}
const run = spawnSync(process.execPath, [runner, 'validate-config', ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
