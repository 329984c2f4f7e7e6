// What the data converters (scripts/convert-*.mjs) share: a strict reader for the simple CSV
// their sources use, checks of dates, prices and volumes that copy numbers as text (never
// re-formatted), and the writer of Njord's long CSV format
// (`timestamp,symbol,open,high,low,close,volume`, timestamp = ISO date, UTC). Every unexpected
// header, row, number or date throws a ConversionError naming the file and line.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export const OUT_HEADER = 'timestamp,symbol,open,high,low,close,volume';

const DECIMAL = /^\d+(\.\d+)?$/; // non-negative, plain decimal notation (no exponent, no sign)
const INTEGER = /^\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export class ConversionError extends Error {}

export function fail(message) {
  throw new ConversionError(message);
}

/** ISO `YYYY-MM-DD` for a calendar date, rejecting impossible dates such as Feb 30. */
export function isoDate(year, month, day, where) {
  const d = new Date(Date.UTC(year, month - 1, day));
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

export function parseIsoDate(text, where) {
  const m = ISO_DATE.exec(text);
  if (!m) fail(`${where}: expected a YYYY-MM-DD date, got ${JSON.stringify(text)}`);
  return isoDate(Number(m[1]), Number(m[2]), Number(m[3]), where);
}

export function price(text, where, column) {
  if (!DECIMAL.test(text) || !(Number(text) > 0)) {
    fail(`${where}: ${column} is not a positive decimal number: ${JSON.stringify(text)}`);
  }
  return text;
}

export function volume(text, where) {
  if (!INTEGER.test(text))
    fail(`${where}: volume is not a non-negative integer: ${JSON.stringify(text)}`);
  return text;
}

/**
 * Reads a simple, unquoted CSV: `header` is the exact header (an array of names) or a function
 * `(fields, line)` that checks it. Quotes, blank lines, fields with surrounding white space and
 * rows with another number of fields are errors; `ragged` pads rows that leave out trailing
 * empty fields. Returns `{header, rows: [{where, fields}]}`.
 */
export function readCsv(file, header, { ragged = false } = {}) {
  if (!existsSync(file)) fail(`${file}: file not found`);
  let text = readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // final newline, if any
  if (lines.length === 0) fail(`${file}: empty file`);

  const names = lines[0].split(',');
  if (typeof header === 'function') header(names, lines[0]);
  else if (lines[0] !== header.join(',')) {
    fail(
      `${file}: unexpected header ${JSON.stringify(lines[0])}, expected ${JSON.stringify(header.join(','))}`,
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
    while (ragged && fields.length < names.length) fields.push('');
    if (fields.length !== names.length) {
      fail(
        `${where}: expected ${names.length} fields, got ${fields.length}: ${JSON.stringify(line)}`,
      );
    }
    for (const f of fields) {
      if (f !== f.trim())
        fail(`${where}: field has surrounding whitespace: ${JSON.stringify(line)}`);
    }
    rows.push({ where, fields });
  }
  if (rows.length === 0) fail(`${file}: header only, no data rows`);
  return { header: names, rows };
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

/**
 * Sorts rows `{timestamp, symbol, open, high, low, close, volume}` by time then symbol, in
 * place; fails on a repeated (timestamp, symbol). Returns a Map symbol -> {rows, first, last}.
 */
export function sortAndCheck(rows, label) {
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

/** Writes the rows in Njord's CSV format, through a temporary file and a rename. */
export function writePriceCsv(file, rows) {
  const body = rows.map((r) =>
    [r.timestamp, r.symbol, r.open, r.high, r.low, r.close, r.volume].join(','),
  );
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${OUT_HEADER}\n${body.join('\n')}\n`);
  renameSync(tmp, file);
}

/** `  SYMBOL  rows  first .. last`, one line a symbol, in symbol order. */
export function printSummary(bySymbol, width) {
  for (const [symbol, s] of [...bySymbol].sort(([a], [b]) => (a < b ? -1 : 1))) {
    process.stdout.write(
      `  ${symbol.padEnd(width)} ${String(s.rows).padStart(5)} rows  ${s.first} .. ${s.last}\n`,
    );
  }
}

/** Runs `main(argv)` as a script: its return value is the exit code; a ConversionError exits 1. */
export function runConverter(name, main) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConversionError || err instanceof SyntaxError) {
      process.stderr.write(`${name}: ERROR: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  }
}
