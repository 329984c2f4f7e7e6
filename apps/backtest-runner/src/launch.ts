// `pnpm backtest`: njord-backtest (main.js beside this file) in a node whose V8 helper
// threads fit this machine (see helper-threads.ts); arguments, output, exit code and
// signals pass through. The installed binary is main.js itself: there, set the pool with
// NODE_OPTIONS=--v8-pool-size=N.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { launchArgs } from './helper-threads.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const child = spawn(
  process.execPath,
  launchArgs(
    main,
    process.argv.slice(2),
    availableParallelism(),
    process.execArgv,
    process.env.NODE_OPTIONS,
  ),
  { stdio: 'inherit' },
);
// Signals are passed on and the child decides (a terminal's Ctrl-C reaches both: the
// runner's handler cleans up once and exits 130).
const relayed = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
for (const signal of relayed) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error(`njord-backtest: could not start ${process.execPath}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal !== null) {
    // Ended by a signal: end the same way, so the shell sees it.
    for (const name of relayed) process.removeAllListeners(name);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
