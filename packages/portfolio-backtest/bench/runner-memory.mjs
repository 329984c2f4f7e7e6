// The runner path on one price CSV in a process of its own, from the built package and without
// a TypeScript loader: the peak RSS of `njord-backtest --no-report --threads 1` less its CLI
// modules. Loads the CSV, runs the engine with a journal file and the rebalance spill, lets the
// prices go, writes the result; prints {before, peak, data} as JSON.
// Run by w.bench.ts: `node bench/runner-memory.mjs <csv> <portfolio JSON> <dir>`.
import { join } from 'node:path';
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { PortfolioBacktestEngine } from '../dist/index.js';
import {
  loadPriceCsv,
  RebalanceSpill,
  spillOptionsFor,
  writeBacktestResult,
} from '../dist/node/index.js';
import { openJournal } from './journal-file.mjs';
import { peakRss } from './peak-rss.mjs';

const [csvPath, portfolioJson, dir] = process.argv.slice(2);
if (csvPath === undefined || portfolioJson === undefined || dir === undefined)
  throw new Error('usage: runner-memory.mjs <csv> <portfolio JSON> <dir>');
const config = parsePortfolioConfig(JSON.parse(portfolioJson));
const before = process.memoryUsage().rss;

const journal = openJournal(join(dir, 'memory-journal.ndjson'), config.id);

const loaded = await loadPriceCsv(csvPath);
if (!loaded.success) throw loaded.error;
/** @type {import('../dist/index.js').PriceData | null} */
let data = loaded.data.data;
loaded.data.data = null;
const dataBytes = data.byteLength;
// As the runner: on long data the records are spilled from the first.
const spill = new RebalanceSpill(
  join(dir, 'memory-rebalances.spill'),
  spillOptionsFor(data.countBarEvents(0, data.steps - 1)),
);
const result = new PortfolioBacktestEngine(config, undefined, {
  journal,
  rebalanceStore: spill,
}).runColumnar(data);
// As the runner: the prices go once the engine has run.
data = null;
journal.close();
spill.close();
await writeBacktestResult(join(dir, 'memory-result.json'), result);
spill.remove();
console.log(JSON.stringify({ before, peak: peakRss(), data: dataBytes }));
