#!/usr/bin/env node
// Convert two price files from the npm package `vega-datasets` into Njord's long CSV format
// (`timestamp,symbol,open,high,low,close,volume`, timestamp = ISO date, UTC):
//
//   <pkg>/data/sp500-2000.csv -> data/spx-daily.csv       (symbol SPX, OHLCV, adjclose dropped)
//   <pkg>/data/stocks.csv     -> data/stocks-monthly.csv  (AAPL AMZN GOOG IBM MSFT, close only)
//
// Usage:
//   cd /tmp && npm pack vega-datasets@3.2.1 && tar xzf vega-datasets-3.2.1.tgz
//   node scripts/convert-vega-datasets.mjs /tmp/package [out-dir]
//
// out-dir defaults to the repository's data/ directory. Plain Node (>=20), no dependencies.
// Numbers are copied as text, never re-formatted. Any unexpected header, row, number or date
// aborts the run with a non-zero exit code and nothing is written.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fail,
  isoDate,
  parseIsoDate,
  price,
  printSummary,
  readCsv,
  runConverter,
  sortAndCheck,
  volume,
  writePriceCsv,
} from './lib/price-conversion.mjs';

const SPX_HEADER = ['date', 'open', 'high', 'low', 'close', 'adjclose', 'volume'];
const STOCKS_HEADER = ['symbol', 'date', 'price'];
const STOCKS_SYMBOLS = ['AAPL', 'AMZN', 'GOOG', 'IBM', 'MSFT'];
const MONTHS = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

const MONTH_DAY_YEAR = /^([A-Z][a-z]{2}) (\d{1,2}) (\d{4})$/; // e.g. "Jan 1 2000"
const SYMBOL = /^[A-Z][A-Z0-9.]*$/;

function parseMonthDayYear(text, where) {
  const m = MONTH_DAY_YEAR.exec(text);
  if (!m) fail(`${where}: expected a date like "Jan 1 2000", got ${JSON.stringify(text)}`);
  const month = MONTHS[m[1]];
  if (month === undefined) fail(`${where}: unknown month name ${JSON.stringify(m[1])}`);
  return isoDate(Number(m[3]), month, Number(m[2]), where);
}

function convertSpx(file) {
  return readCsv(file, SPX_HEADER).rows.map(({ where, fields }) => {
    const [date, open, high, low, close, _adjclose, vol] = fields;
    return {
      timestamp: parseIsoDate(date, where),
      symbol: 'SPX',
      open: price(open, where, 'open'),
      high: price(high, where, 'high'),
      low: price(low, where, 'low'),
      close: price(close, where, 'close'),
      volume: volume(vol, where),
    };
  });
}

function convertStocks(file) {
  const rows = readCsv(file, STOCKS_HEADER).rows.map(({ where, fields }) => {
    const [symbol, date, close] = fields;
    if (!SYMBOL.test(symbol)) fail(`${where}: bad symbol ${JSON.stringify(symbol)}`);
    return {
      timestamp: parseMonthDayYear(date, where),
      symbol,
      open: '',
      high: '',
      low: '',
      close: price(close, where, 'price'),
      volume: '',
    };
  });
  const seen = [...new Set(rows.map((r) => r.symbol))].sort();
  if (seen.join(',') !== STOCKS_SYMBOLS.join(',')) {
    fail(`${file}: expected symbols ${STOCKS_SYMBOLS.join(',')}, found ${seen.join(',')}`);
  }
  return rows;
}

function main(argv) {
  if (argv.length < 1 || argv.length > 2 || argv[0] === '-h' || argv[0] === '--help') {
    process.stderr.write(
      'usage: node scripts/convert-vega-datasets.mjs <unpacked vega-datasets package dir> [out-dir]\n',
    );
    return 2;
  }
  const pkgDir = resolve(argv[0]);
  const outDir = resolve(argv[1] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'data'));

  const pkgJsonPath = join(pkgDir, 'package.json');
  if (!existsSync(pkgJsonPath)) fail(`${pkgJsonPath}: not found (pass the unpacked "package" dir)`);
  const pkg = JSON.parse(readFileSync(pkgJsonPath, 'utf8'));
  if (pkg.name !== 'vega-datasets')
    fail(`${pkgJsonPath}: package is ${JSON.stringify(pkg.name)}, not vega-datasets`);
  if (!existsSync(outDir)) fail(`${outDir}: output directory does not exist`);

  const jobs = [
    { src: 'data/sp500-2000.csv', out: 'spx-daily.csv', convert: convertSpx },
    { src: 'data/stocks.csv', out: 'stocks-monthly.csv', convert: convertStocks },
  ];
  // Convert and check everything before writing anything.
  const results = jobs.map((job) => {
    const rows = job.convert(join(pkgDir, job.src));
    const bySymbol = sortAndCheck(rows, job.src);
    return { ...job, rows, bySymbol };
  });

  process.stdout.write(`source: ${pkg.name}@${pkg.version} (${pkgDir})\n`);
  for (const r of results) {
    const outFile = join(outDir, r.out);
    writePriceCsv(outFile, r.rows);
    process.stdout.write(`${r.src} -> ${outFile}: ${r.rows.length} rows\n`);
    printSummary(r.bySymbol, 5);
  }
  return 0;
}

runConverter('convert-vega-datasets', main);
