// A progress bar on stderr, shown only on a TTY and only once a run has taken a second;
// one bar per phase (backtest, writing the result, writing the report).
import cliProgress from 'cli-progress';

export interface Progress {
  /** Moves the bar of `phase` (a new phase replaces the previous bar). */
  update(phase: string, done: number, total: number, unit: string): void;
  stop(): void;
}

export function createProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const started = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  let current = '';
  return {
    update(phase, done, total, unit) {
      if (phase !== current) {
        bar?.stop();
        bar = undefined;
        current = phase;
      }
      if (bar === undefined) {
        if (performance.now() - started < 1000) return;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${phase.padEnd(14)} [{bar}] {percentage}% | {value}/{total} ${unit} | eta {eta_formatted}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      }
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
