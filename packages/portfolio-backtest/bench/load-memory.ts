// Loads one price CSV (loadPriceCsv) in a process of its own and prints, as JSON, its RSS
// before the load, its peak RSS and the columnar bytes: the memory the load alone takes.
// Run by w.bench.ts (`node [the same loader flags] bench/load-memory.ts <csv>`).
import { loadPriceCsv } from '../src/node/load-price-csv.js';
import { peakRss } from './peak-rss.mjs';

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
