// This process's peak RSS in bytes, for the benchmarks' processes of their own.
import { readFileSync } from 'node:fs';

/**
 * Linux's VmHWM, not getrusage's maxRSS: a spawned child's maxRSS carries over the RSS of the
 * process it was forked from (the benchmark's, hundreds of MB), which exec does not reset.
 * @returns {number}
 */
export function peakRss() {
  try {
    const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (line?.[1] !== undefined) return Number(line[1]) * 1024;
  } catch {
    // Not Linux: getrusage's figure.
  }
  return process.resourceUsage().maxRSS * 1024;
}
