// The sweep's progress bar on stderr (a TTY only): done, failed, cached and the ETA.
import cliProgress from 'cli-progress';

export interface SweepProgress {
  start(total: number): void;
  cached(count: number): void;
  done(): void;
  failed(): void;
  stop(): void;
}

export function createSweepProgress(label: string, enabled: boolean): SweepProgress {
  if (!enabled || !process.stderr.isTTY) {
    return {
      start: () => undefined,
      cached: () => undefined,
      done: () => undefined,
      failed: () => undefined,
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} | done {ran} failed {failedCount} cached {cached} | eta {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let ran = 0;
  let failedCount = 0;
  let cached = 0;
  let value = 0;
  let started = false;
  return {
    start(total) {
      bar.start(total, 0, { ran, failedCount, cached });
      started = true;
    },
    cached(count) {
      cached += count;
      value += count;
      bar.update(value, { ran, failedCount, cached });
    },
    done() {
      ran++;
      bar.update(++value, { ran, failedCount, cached });
    },
    failed() {
      failedCount++;
      bar.update(++value, { ran, failedCount, cached });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
