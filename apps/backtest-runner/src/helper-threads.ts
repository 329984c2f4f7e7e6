// How many V8 helper threads (the optimizing compiler's, the garbage collector's) a run of
// njord-backtest should have. Node starts four whatever the machine; on two cores they take
// the bar loop's core while a short backtest's code is being optimized (measured on the
// example, 5,105 bars, 8 alternating runs: run_ms median 370 with four, 287 with one, 324 with
// two).

/** Node's own pool size (`--v8-pool-size`'s default). */
export const NODE_DEFAULT_HELPERS = 4;

/** Commands that run threads of their own (sweeps, BullMQ workers): Node's default serves them. */
const THREADED_COMMANDS = new Set(['sweep', 'worker']);

/**
 * The `--v8-pool-size` for `njord-backtest <args>` on a machine of `cores`: one thread fewer
 * than the cores (at least one, at most Node's four), or undefined to leave Node's default:
 * for the threaded commands (one helper made a two-thread sweep about 5% slower on two
 * cores), and when the pool size is given already (`nodeArgs`: node's own flags and
 * NODE_OPTIONS, split on spaces).
 */
export function helperThreadsFor(
  cores: number,
  args: readonly string[],
  nodeArgs: readonly string[],
): number | undefined {
  if (nodeArgs.some((arg) => arg === '--v8-pool-size' || arg.startsWith('--v8-pool-size=')))
    return undefined;
  if (args.some((arg) => THREADED_COMMANDS.has(arg))) return undefined;
  const helpers = Math.min(NODE_DEFAULT_HELPERS, Math.max(1, Math.floor(cores) - 1));
  return helpers === NODE_DEFAULT_HELPERS ? undefined : helpers;
}

/**
 * The node arguments that run `main` (njord-backtest) with `args`: this process's own node
 * flags (`execArgv`), the pool size `helperThreadsFor` picks (NODE_OPTIONS is read for a
 * pool size given there), then the script and its arguments.
 */
export function launchArgs(
  main: string,
  args: readonly string[],
  cores: number,
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  const helpers = helperThreadsFor(cores, args, given);
  return [
    ...execArgv,
    ...(helpers === undefined ? [] : [`--v8-pool-size=${helpers}`]),
    main,
    ...args,
  ];
}
