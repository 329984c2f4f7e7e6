// Loads one price CSV (loadPriceCsv) in a process of its own and prints, as JSON, its RSS
// before the load, its peak RSS and the columnar bytes: the memory the load alone takes.
// Run by w.bench.ts (`node [the same loader flags] bench/load-memory.ts <csv>`).
import { readFileSync } from 'node:fs';
import { loadPriceCsv } from '../src/node/load-price-csv.js';

/**
 * This process's peak RSS in bytes. Linux's VmHWM, not getrusage's maxRSS: a spawned child's
 * maxRSS carries over the RSS of the process it was forked from (the benchmark's, hundreds of
 * MB), which exec does not reset.
 */
function peakRss(): number {
  try {
    const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (line?.[1] !== undefined) return Number(line[1]) * 1024;
  } catch {
    // Not Linux: getrusage's figure.
  }
  return process.resourceUsage().maxRSS * 1024;
}

const path = process.argv[2];
if (path === undefined) throw new Error('usage: load-memory.ts <csv>');
const before = process.memoryUsage().rss;
const loaded = await loadPriceCsv(path);
if (!loaded.success) throw loaded.error;
console.log(
  JSON.stringify({
    before,
    peak: peakRss(),
    data: loaded.data.data.byteLength,
    loadMs: loaded.data.loadMs,
  }),
);
