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

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT_HEADER = 'timestamp,symbol,open,high,low,close,volume';
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

const DECIMAL = /^\d+(\.\d+)?$/; // non-negative, plain decimal notation (no exponent, no sign)
const INTEGER = /^\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_DAY_YEAR = /^([A-Z][a-z]{2}) (\d{1,2}) (\d{4})$/; // e.g. "Jan 1 2000"
const SYMBOL = /^[A-Z][A-Z0-9.]*$/;

class ConversionError extends Error {}

function fail(message) {
  throw new ConversionError(message);
}

/** ISO `YYYY-MM-DD` for a calendar date, rejecting impossible dates such as Feb 30. */
function isoDate(year, month, day, where) {
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  if (
    year < 1900 ||
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day
  ) {
    fail(`${where}: not a real calendar date: ${year}-${month}-${day}`);
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function parseIsoDate(text, where) {
  const m = ISO_DATE.exec(text);
  if (!m) fail(`${where}: expected a YYYY-MM-DD date, got ${JSON.stringify(text)}`);
  return isoDate(Number(m[1]), Number(m[2]), Number(m[3]), where);
}

function parseMonthDayYear(text, where) {
  const m = MONTH_DAY_YEAR.exec(text);
  if (!m) fail(`${where}: expected a date like "Jan 1 2000", got ${JSON.stringify(text)}`);
  const month = MONTHS[m[1]];
  if (month === undefined) fail(`${where}: unknown month name ${JSON.stringify(m[1])}`);
  return isoDate(Number(m[3]), month, Number(m[2]), where);
}

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

/**
 * Minimal reader for the simple, unquoted CSV these files use. Anything outside that subset
 * (quotes, blank lines in the middle, ragged rows, a different header) is an error.
 */
function readCsv(file, expectedHeader) {
  if (!existsSync(file)) fail(`${file}: file not found`);
  let text = readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // final newline, if any
  if (lines.length === 0) fail(`${file}: empty file`);

  const header = lines[0].split(',');
  if (header.join(',') !== expectedHeader.join(',')) {
    fail(
      `${file}: unexpected header ${JSON.stringify(lines[0])}, expected ${JSON.stringify(expectedHeader.join(','))}`,
    );
  }

  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    const line = lines[i];
    if (line.trim() === '') fail(`${where}: blank line`);
    if (line.includes('"'))
      fail(`${where}: quoted fields are not supported: ${JSON.stringify(line)}`);
    const fields = line.split(',');
    if (fields.length !== expectedHeader.length) {
      fail(
        `${where}: expected ${expectedHeader.length} fields, got ${fields.length}: ${JSON.stringify(line)}`,
      );
    }
    for (const f of fields) {
      if (f !== f.trim())
        fail(`${where}: field has surrounding whitespace: ${JSON.stringify(line)}`);
    }
    rows.push({ where, fields });
  }
  if (rows.length === 0) fail(`${file}: header only, no data rows`);
  return rows;
}

function convertSpx(file) {
  return readCsv(file, SPX_HEADER).map(({ where, fields }) => {
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
  const rows = readCsv(file, STOCKS_HEADER).map(({ where, fields }) => {
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

/** Sorts in place; fails on a repeated (timestamp, symbol). Returns per-symbol summaries. */
function sortAndCheck(rows, label) {
  rows.sort(byTimestampThenSymbol);
  const bySymbol = new Map();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (i > 0 && byTimestampThenSymbol(rows[i - 1], r) === 0) {
      fail(`${label}: duplicate row for (${r.timestamp}, ${r.symbol})`);
    }
    const s = bySymbol.get(r.symbol);
    if (s === undefined) bySymbol.set(r.symbol, { rows: 1, first: r.timestamp, last: r.timestamp });
    else {
      s.rows += 1;
      s.last = r.timestamp;
    }
  }
  return bySymbol;
}

function toCsv(rows) {
  const body = rows.map((r) =>
    [r.timestamp, r.symbol, r.open, r.high, r.low, r.close, r.volume].join(','),
  );
  return `${OUT_HEADER}\n${body.join('\n')}\n`;
}

function writeAtomically(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
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
    writeAtomically(outFile, toCsv(r.rows));
    process.stdout.write(`${r.src} -> ${outFile}: ${r.rows.length} rows\n`);
    for (const [symbol, s] of [...r.bySymbol].sort(([a], [b]) => (a < b ? -1 : 1))) {
      process.stdout.write(
        `  ${symbol.padEnd(5)} ${String(s.rows).padStart(5)} rows  ${s.first} .. ${s.last}\n`,
      );
    }
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConversionError || err instanceof SyntaxError) {
    process.stderr.write(`convert-vega-datasets: ERROR: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
