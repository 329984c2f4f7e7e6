// The `sweep` and `worker` subcommands of njord-backtest: flags, help and exit codes.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
// The sweep and the worker are loaded when they run: other commands need none of BullMQ,
// ioredis or piscina (about 30 MB of memory at start).
import { MAX_THREADS, positiveInteger, threadsFlag } from '../cli.js';
import { DEFAULT_PREFIX, SweepFailed, SweepInterrupted } from './names.js';

function keyPrefix(value: string): string {
  if (!/^[A-Za-z0-9_.:-]+$/.test(value))
    throw new InvalidArgumentError(
      `expected letters, digits and _ . : -, got ${JSON.stringify(value)}`,
    );
  return value;
}

function objectiveText(metrics: unknown, objective: string): string {
  const value = (metrics as Record<string, unknown> | undefined)?.[objective];
  return typeof value === 'number' ? value.toPrecision(6) : 'n/a';
}

interface SweepOptions {
  grid: string;
  out: string;
  workers?: number;
  redis?: string;
  prefix: string;
  curves: boolean;
  quiet: boolean;
}

interface WorkerOptions {
  redis: string;
  concurrency: number;
  prefix: string;
  lockDurationMs: number;
  quiet: boolean;
}

export function registerSweepCommands(program: Command): void {
  program
    .command('sweep')
    .description(
      'run every combination of a grid file (YAML: sweep.parameters, constraints, sample, objective, pbo_partitions, walk_forward); ' +
        'writes <out>/sweep_<id>.json, sweep_<id>.parquet and sweep_<id>_report.html. Results are stored under a hash of ' +
        '(portfolio config, data sha256, engine version), so running it again reuses them.',
    )
    .requiredOption('--grid <file>', 'the grid YAML (paths inside it are relative to it)')
    .option(
      '--out <dir>',
      'directory of the outputs (and, without --redis, of the stored results in sweep_cache/)',
      'var/sweep',
    )
    .option(
      '--workers <n>',
      `worker threads on this machine (default: ${availableParallelism()}, the CPUs; at most ${MAX_THREADS})`,
      threadsFlag,
    )
    .option(
      '--redis <url>',
      'run the jobs on BullMQ workers (`njord-backtest worker`) through this Redis instead of local threads',
    )
    .option(
      '--prefix <prefix>',
      'BullMQ and result key prefix on that Redis',
      keyPrefix,
      DEFAULT_PREFIX,
    )
    .option('--no-curves', "leave each combination's equity per bar out of the JSON")
    .option('--quiet', 'print nothing but errors (no progress bar)', false)
    .action(async (options: SweepOptions) => {
      const say = (line: string) => {
        if (!options.quiet) console.log(line);
      };
      try {
        const { runSweep } = await import('./run-sweep.js');
        const outcome = await runSweep(
          {
            grid: options.grid,
            out: options.out,
            ...(options.workers === undefined ? {} : { workers: options.workers }),
            ...(options.redis === undefined ? {} : { redis: options.redis }),
            prefix: options.prefix,
            curves: options.curves,
            quiet: options.quiet,
          },
          say,
        );
        const r = outcome.result;
        const best = r.combinations[r.best];
        say(
          `best: #${r.best} (${best?.id ?? ''}) ${r.objective} ${objectiveText(best?.metrics, r.objective)}; ` +
            `PBO ${r.overfitting.pbo.toFixed(3)}, deflated Sharpe ${r.overfitting.deflated_sharpe.dsr?.toFixed(3) ?? 'n/a'}` +
            (r.walk_forward === undefined
              ? ''
              : `; walk-forward efficiency ${r.walk_forward.efficiency?.toFixed(3) ?? 'n/a'}`),
        );
        say(
          `${outcome.ran} run(s), ${outcome.cached} stored result(s) reused, ${(r.stats.run_ms / 1000).toFixed(1)} s`,
        );
        say(
          `json:    ${resolve(outcome.paths.json)}\nparquet: ${resolve(outcome.paths.parquet)}\nreport:  ${resolve(outcome.paths.report)}`,
        );
      } catch (error) {
        if (error instanceof SweepInterrupted) {
          console.error(`njord-backtest sweep: ${error.message}`);
          process.exitCode = 130;
          return;
        }
        if (error instanceof SweepFailed) {
          console.error(`njord-backtest sweep: ${error.message}`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
    });

  program
    .command('worker')
    .description(
      'run sweep jobs from the BullMQ queue `sweep` on this Redis until Ctrl-C (any machine that reaches it)',
    )
    .requiredOption('--redis <url>', 'the Redis of the sweep (redis://host:6379)')
    .option(
      '--concurrency <n>',
      `jobs at once, each on its own thread (at most ${MAX_THREADS})`,
      threadsFlag,
      1,
    )
    .option(
      '--prefix <prefix>',
      'BullMQ and result key prefix (as the sweep)',
      keyPrefix,
      DEFAULT_PREFIX,
    )
    .option(
      '--lock-duration-ms <n>',
      "a killed worker's job runs again elsewhere after about this long",
      positiveInteger,
      30_000,
    )
    .option('--quiet', 'print nothing but errors', false)
    .action(async (options: WorkerOptions) => {
      const { runWorker } = await import('./worker.js');
      await runWorker(options);
    });
}
