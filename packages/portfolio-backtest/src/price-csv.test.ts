import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  formatPriceCsv,
  parsePriceCsv,
  PRICE_CSV_MAX_LINE_LENGTH,
  PriceCsvParser,
  PriceCsvRowCounter,
  quoteValue,
} from './price-csv.js';
import { createPriceData, type PriceData } from './price-data.js';
import type { PriceDataError } from './price-data-error.js';
import { generateSyntheticData } from './synthetic-data.js';

const DAY = 86_400_000_000_000n;
const JAN_2_2024 = 19_724n * DAY; // 54 years x 365 + 13 leap days (1972..2020) = 19,723 days to 2024-01-01, +1

function parse(text: string): PriceData {
  const result = parsePriceCsv(text, { source: 'prices.csv' });
  if (!result.success) throw result.error;
  return result.data;
}

function failure(text: string): PriceDataError {
  const result = parsePriceCsv(text, { source: 'prices.csv' });
  if (result.success) throw new Error('expected a failure');
  return result.error;
}

const HEADER = 'timestamp,symbol,open,high,low,close,volume';

describe('parsePriceCsv', () => {
  it('aligns several symbols on the union of their timestamps, gaps as NaN, empty OHLV filled', () => {
    const data = parse(
      [
        HEADER,
        '2024-01-02,BBB,,,,20,',
        '2024-01-02,AAA,10,11,9,10.5,100',
        '2024-01-03,AAA,10.5,12,10,11,200',
        '2024-01-04,BBB,21,22,20,21.5,300',
        '2024-01-04,AAA,11,11.5,10.5,11.2,150',
        '',
      ].join('\n'),
    );
    // Symbols sorted; union of {02, 03, 04} and {02, 04} is three days.
    expect(data.symbols).toEqual(['AAA', 'BBB']);
    expect([...data.timestamps]).toEqual([JAN_2_2024, JAN_2_2024 + DAY, JAN_2_2024 + 2n * DAY]);
    expect([...data.close[0]!]).toEqual([10.5, 11, 11.2]);
    expect([...data.close[1]!]).toEqual([20, Number.NaN, 21.5]);
    // BBB's first row has only a close: open = high = low = close, volume 0.
    expect([data.open[1]![0], data.high[1]![0], data.low[1]![0], data.volume[1]![0]]).toEqual([
      20, 20, 20, 0,
    ]);
    expect(data.hasBar(1, 1)).toBe(false);
    expect(data.barEvents).toBe(5);
    expect(data.isAligned).toBe(false);
    expect(data.source).toBe('prices.csv');
  });

  it('accepts CRLF, a BOM, blank lines, no final newline and columns in any order or left out', () => {
    const data = parse(
      '\uFEFFsymbol,close,timestamp\r\nX,1.5,2024-01-02T00:00:00Z\r\n\r\nX,2,2024-01-03\r\nY,3,2024-01-02',
    );
    expect(data.symbols).toEqual(['X', 'Y']);
    expect([...data.timestamps]).toEqual([JAN_2_2024, JAN_2_2024 + DAY]);
    expect([...data.close[0]!]).toEqual([1.5, 2]);
    expect([...data.close[1]!]).toEqual([3, Number.NaN]);
    expect([...data.volume[0]!]).toEqual([0, 0]);
  });

  it('reads epoch-nanosecond timestamps and keeps them exact', () => {
    const data = parse(`${HEADER}\n1700000000123456789,X,,,,1,\n1700000000123456790,X,,,,2,\n`);
    expect([...data.timestamps]).toEqual([1_700_000_000_123_456_789n, 1_700_000_000_123_456_790n]);
  });

  it('scans a timestamp again whenever its text changes, also to one of the same length', () => {
    // Rows of one bar share its text (scanned once); each change below keeps the length.
    const data = parse(
      `${HEADER}\n2024-01-02,A,,,,1,\n2024-01-02,B,,,,2,\n2024-01-03,A,,,,3,\n` +
        `2024-01-03,B,,,,4,\n2024-01-04T00:00Z,A,,,,5,\n2024-01-05T00:00Z,B,,,,6,\n`,
    );
    expect([...data.timestamps]).toEqual([0n, 1n, 2n, 3n].map((d) => JAN_2_2024 + d * DAY));
    expect([...(data.close[1] as Float64Array)]).toEqual([2, 4, Number.NaN, 6]);
    // A bad text after a good one of the same length is still refused.
    expect(failure(`${HEADER}\n2024-01-02,A,,,,1,\n2024-01-32,B,,,,2,\n`).code).toBe(
      'invalid_timestamp',
    );
  });

  // Columns below are counted by hand: in `2024-01-02,AAA,10,11,9,10.5,100` the fields start at
  // columns 1 (timestamp), 12 (symbol), 16 (open), 19 (high), 22 (low), 24 (close), 29 (volume).
  const cases: [string, string, string, RegExp][] = [
    [
      'unparsable number',
      `${HEADER}\n2024-01-02,AAA,10,1x,9,10.5,100`,
      'prices.csv:2:19',
      /high: unparsable number "1x"/,
    ],
    [
      'a price past the largest double',
      `${HEADER}\n2024-01-02,AAA,10,11,9,1e309,100`,
      'prices.csv:2:24',
      /close: "1e309" is beyond the largest number a double holds/,
    ],
    [
      'a volume past the largest double',
      `${HEADER}\n2024-01-02,AAA,10,11,9,10.5,2${'0'.repeat(309)}`,
      'prices.csv:2:29',
      /volume: "20{79}"\.\.\. \(310 characters\) is beyond the largest number a double holds/,
    ],
    [
      'non-positive price',
      `${HEADER}\n2024-01-02,AAA,10,11,0,10.5,100`,
      'prices.csv:2:22',
      /low must be > 0, got 0/,
    ],
    [
      'negative close',
      `${HEADER}\n2024-01-02,AAA,10,11,9,-10.5,100`,
      'prices.csv:2:24',
      /close must be > 0, got -10.5/,
    ],
    [
      'negative volume',
      `${HEADER}\n2024-01-02,AAA,10,11,9,10.5,-1`,
      'prices.csv:2:29',
      /volume must be >= 0, got -1/,
    ],
    [
      'bad volume',
      `${HEADER}\n2024-01-02,AAA,10,11,9,10.5,lots`,
      'prices.csv:2:29',
      /volume: unparsable number "lots"/,
    ],
    [
      'missing close',
      `${HEADER}\n2024-01-02,AAA,10,11,9,,100`,
      'prices.csv:2:24',
      /close is required/,
    ],
    [
      'missing timestamp',
      `${HEADER}\n,AAA,10,11,9,10.5,100`,
      'prices.csv:2:1',
      /timestamp is required/,
    ],
    [
      'bad timestamp',
      `${HEADER}\n2024-02-30,AAA,10,11,9,10.5,100`,
      'prices.csv:2:1',
      /timestamp "2024-02-30" has day 30/,
    ],
    [
      'bad symbol',
      `${HEADER}\n2024-01-02,A A,10,11,9,10.5,100`,
      'prices.csv:2:12',
      /symbol "A A" must match/,
    ],
    [
      'missing symbol',
      `${HEADER}\n2024-01-02,,10,11,9,10.5,100`,
      'prices.csv:2:12',
      /symbol is required/,
    ],
    // 7 fields expected; the 8th starts after the 7th comma, at column 33.
    [
      'too many fields',
      `${HEADER}\n2024-01-02,AAA,10,11,9,10.5,100,7`,
      'prices.csv:2:33',
      /expected 7 fields \(as the header\), got more/,
    ],
    // The line is 27 characters long (10+1+3+1+2+1+2+1+1+1+4), so its end is column 28.
    [
      'too few fields',
      `${HEADER}\n2024-01-02,AAA,10,11,9,10.5`,
      'prices.csv:2:28',
      /expected 7 fields \(as the header\), got 6/,
    ],
    // `timestamp,symbol,open,high,low,close,` is 37 characters: the unknown column starts at 38.
    [
      'unknown column',
      'timestamp,symbol,open,high,low,close,adjclose\n',
      'prices.csv:1:38',
      /unknown column "adjclose"/,
    ],
    [
      'missing close column',
      'timestamp,symbol,open\n',
      'prices.csv:1:1',
      /the header has no close column/,
    ],
    [
      'duplicate column',
      'timestamp,symbol,close,close\n',
      'prices.csv:1:24',
      /column "close" appears twice/,
    ],
    ['no header', '', 'prices.csv:1:1', /empty file/],
    ['no rows', `${HEADER}\n`, 'prices.csv:2:1', /no price rows/],
    [
      'backwards',
      `${HEADER}\n2024-01-03,AAA,,,,1,\n2024-01-03,BBB,,,,1,\n2024-01-02,AAA,,,,1,`,
      'prices.csv:4:1',
      /timestamp goes backwards for AAA: 2024-01-02T00:00:00Z is before 2024-01-03T00:00:00Z \(line 2\)/,
    ],
    [
      'duplicate',
      `${HEADER}\n2024-01-02,AAA,,,,1,\n2024-01-02T00:00:00+00:00,AAA,,,,2,`,
      'prices.csv:3:1',
      /duplicate bar: AAA at 2024-01-02T00:00:00Z is already at line 2/,
    ],
  ];
  for (const [name, text, where, detail] of cases) {
    it(`reports ${name} with file:line:column`, () => {
      const error = failure(text);
      expect(error._tag).toBe('PriceDataError');
      expect(error.message.startsWith(`${where}: `)).toBe(true);
      expect(error.detail).toMatch(detail);
      expect(error.message).toBe(`${where}: ${error.detail}`);
    });
  }

  it('gives each failure its code', () => {
    expect(failure(`${HEADER}\n2024-01-02,AAA,10,1x,9,10.5,100`).code).toBe('invalid_number');
    expect(failure(`${HEADER}\n2024-01-02,AAA,10,11,0,10.5,100`).code).toBe('non_positive_price');
    expect(failure('timestamp,symbol,close,adj\n').code).toBe('unknown_column');
    expect(failure(`${HEADER}\n2024-01-02,AAA,,,,1,\n2024-01-02,AAA,,,,1,`).code).toBe(
      'duplicate_bar',
    );
    expect(failure(`${HEADER}\n2024-01-03,AAA,,,,1,\n2024-01-02,AAA,,,,1,`).code).toBe(
      'timestamp_backwards',
    );
  });

  it('stops at a NUL byte (binary data), naming its line and column, across chunks', () => {
    const parser = new PriceCsvParser({ source: 'z.csv' });
    expect(parser.push(`${HEADER}\n2024-01-02,AAA,,,,1,\n20`)).toBeNull();
    // The NUL is the 3rd character of line 3 (after the carried "20").
    const error = parser.push('\u0000\u0000\u0000');
    expect(error?.code).toBe('not_text');
    expect(error?.message).toMatch(/^z\.csv:3:3: not a text file: a NUL byte/);
  });

  it('stops at a line longer than the limit, even without a newline in sight', () => {
    const parser = new PriceCsvParser({ source: 'l.csv' });
    expect(parser.push(`${HEADER}\n`)).toBeNull();
    // 4096 characters are allowed to wait for their newline; 4097 are not.
    expect(parser.push('x'.repeat(PRICE_CSV_MAX_LINE_LENGTH))).toBeNull();
    const error = parser.push('x');
    expect(error?.code).toBe('line_too_long');
    expect(error?.line).toBe(2);
    expect(failure(`${HEADER}\n${'y'.repeat(5000)}\n`).code).toBe('line_too_long');
  });

  it('cuts a long bad value to 80 characters in the message', () => {
    const value = '9'.repeat(70) + 'x'.repeat(1000);
    const error = failure(`${HEADER}\n2024-01-02,AAA,,,,${value},`);
    expect(error.code).toBe('invalid_number');
    expect(error.detail).toBe(
      `close: unparsable number ${JSON.stringify(value.slice(0, 80))}... (1070 characters)`,
    );
    expect(quoteValue('short')).toBe('"short"');
  });

  it('stops at the first error and ignores later input', () => {
    const parser = new PriceCsvParser({ source: 'p.csv' });
    expect(parser.push(`${HEADER}\n2024-01-02,AAA,,,,x,\n`)?.code).toBe('invalid_number');
    expect(parser.push('2024-01-03,AAA,,,,1,\n')?.line).toBe(2);
    expect(parser.finish().success).toBe(false);
  });
});

const symbolName = fc.constantFrom('A', 'BB', 'C.1', 'D-2', 'E_3');

/** Random data with gaps: each symbol has a bar at a step with probability 0.7 (and at least one). */
const dataWithGaps = fc
  .record({
    steps: fc.integer({ min: 1, max: 12 }),
    symbols: fc.uniqueArray(symbolName, { minLength: 1, maxLength: 4 }),
    intraday: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ steps, symbols, intraday, seed }) => {
    const base = generateSyntheticData({ symbols: [...symbols].sort(), bars: steps, seed });
    const bars: Record<
      string,
      { close: number[]; open: number[]; high: number[]; low: number[]; volume: number[] }
    > = {};
    let state = seed >>> 0;
    base.symbols.forEach((symbol, s) => {
      const pick = (column: Float64Array, t: number): number => column[t] as number;
      const columns = {
        close: [] as number[],
        open: [] as number[],
        high: [] as number[],
        low: [] as number[],
        volume: [] as number[],
      };
      for (let t = 0; t < steps; t++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const present = t === s % steps || state / 4294967296 < 0.7;
        columns.close.push(present ? pick(base.close[s]!, t) : Number.NaN);
        columns.open.push(pick(base.open[s]!, t));
        columns.high.push(pick(base.high[s]!, t));
        columns.low.push(pick(base.low[s]!, t));
        columns.volume.push(pick(base.volume[s]!, t));
      }
      bars[symbol] = columns;
    });
    const offset = intraday ? 3_600_000_000_123n : 0n;
    const timestamps = [...base.timestamps].map((t) => t + offset);
    // Keep only steps where some symbol has a bar, so the union is exactly these timestamps.
    const keep = timestamps.map((_, t) =>
      Object.values(bars).some((c) => !Number.isNaN(c.close[t])),
    );
    const filtered: typeof bars = {};
    for (const [symbol, c] of Object.entries(bars)) {
      filtered[symbol] = {
        close: c.close.filter((_, t) => keep[t]),
        open: c.open.filter((_, t) => keep[t]),
        high: c.high.filter((_, t) => keep[t]),
        low: c.low.filter((_, t) => keep[t]),
        volume: c.volume.filter((_, t) => keep[t]),
      };
    }
    return createPriceData({ timestamps: timestamps.filter((_, t) => keep[t]), bars: filtered });
  });

function columnsOf(data: PriceData): unknown {
  return {
    symbols: data.symbols,
    timestamps: [...data.timestamps],
    open: data.open.map((c) => [...c]),
    high: data.high.map((c) => [...c]),
    low: data.low.map((c) => [...c]),
    close: data.close.map((c) => [...c]),
    volume: data.volume.map((c) => [...c]),
  };
}

describe('formatPriceCsv and parsePriceCsv', () => {
  test.prop([dataWithGaps], { numRuns: 150, seed: 31 })(
    'parse(format(data)) equals data, gaps included',
    (data) => {
      expect(columnsOf(parse(formatPriceCsv(data)))).toEqual(columnsOf(data));
    },
  );

  test.prop([dataWithGaps, fc.array(fc.nat(), { maxLength: 8 })], { numRuns: 150, seed: 32 })(
    'gives the same data however the text is cut into chunks',
    (data, cuts) => {
      const text = formatPriceCsv(data);
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const parser = new PriceCsvParser();
      let previous = 0;
      for (const point of [...points, text.length]) {
        expect(parser.push(text.slice(previous, point))).toBeNull();
        previous = point;
      }
      const result = parser.finish();
      expect(result.success).toBe(true);
      if (result.success) expect(columnsOf(result.data)).toEqual(columnsOf(data));
    },
  );

  test.prop(
    [
      dataWithGaps,
      fc.nat(),
      fc.constantFrom(',', 'x', '\r', '-', '\n', '9', '\ufeff', ' '),
      fc.array(fc.nat(), { maxLength: 8 }),
    ],
    { numRuns: 150, seed: 33 },
  )(
    'gives the same error (code, line, column) or data however a damaged text is cut',
    (data, at, character, cuts) => {
      const clean = formatPriceCsv(data);
      const where = at % clean.length;
      const text = clean.slice(0, where) + character + clean.slice(where + 1);
      const whole = parsePriceCsv(text);
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const parser = new PriceCsvParser();
      let previous = 0;
      let error: PriceDataError | null = null;
      for (const point of [...points, text.length]) {
        error ??= parser.push(text.slice(previous, point));
        previous = point;
      }
      const cut = error === null ? parser.finish() : { success: false as const, error };
      expect(cut.success).toBe(whole.success);
      if (!cut.success && !whole.success) {
        expect([cut.error.code, cut.error.line, cut.error.column]).toEqual([
          whole.error.code,
          whole.error.line,
          whole.error.column,
        ]);
      }
      if (cut.success && whole.success) expect(columnsOf(cut.data)).toEqual(columnsOf(whole.data));
    },
  );

  it('writes ISO dates when every timestamp is a UTC midnight', () => {
    const data = createPriceData({ timestamps: [JAN_2_2024], bars: { X: { close: [1.25] } } });
    expect(formatPriceCsv(data)).toBe(`${HEADER}\n2024-01-02,X,1.25,1.25,1.25,1.25,0\n`);
  });
});

describe('long symbols (rows kept in chunks while read)', () => {
  it('gives each symbol every row of a file with 20,000+ rows per symbol, aligned or not', () => {
    // Symbol A has every day of 20,000; B every third day; C days 5,000..19,999 except
    // multiples of 7: they cross the chunk boundaries (64, 64, 128, ... 8,192 rows) at
    // different rows. Values are a function of (symbol, day), checked by a map lookup.
    const days = 20_000;
    const has = (s: number, d: number): boolean =>
      s === 0 ? true : s === 1 ? d % 3 === 0 : d >= 5_000 && d % 7 !== 0;
    const price = (s: number, d: number, f: number): number => 100 + s * 10 + d / 1000 + f / 8;
    const lines = ['timestamp,symbol,open,high,low,close,volume'];
    // Rows interleaved by day, as a file sorted by time holds them.
    for (let d = 0; d < days; d++) {
      for (let s = 0; s < 3; s++) {
        if (!has(s, d)) continue;
        const ts = new Date(Number((JAN_2_2024 + BigInt(d) * DAY) / 1_000_000n))
          .toISOString()
          .slice(0, 10);
        const p = (f: number) => String(price(s, d, f));
        lines.push(`${ts},${'ABC'[s]},${p(0)},${p(1)},${p(2)},${p(3)},${d}`);
      }
    }
    const data = parse(`${lines.join('\n')}\n`);
    expect(data.symbols).toEqual(['A', 'B', 'C']);
    expect(data.steps).toBe(days); // A has every day: the union is every day
    for (let s = 0; s < 3; s++) {
      for (let d = 0; d < days; d++) {
        expect(data.timestamps[d]).toBe(JAN_2_2024 + BigInt(d) * DAY);
        const close = (data.close[s] as Float64Array)[d] as number;
        if (!has(s, d)) {
          if (!Number.isNaN(close)) throw new Error(`symbol ${s} day ${d}: ${close}, expected NaN`);
          continue;
        }
        const got = [data.open, data.high, data.low, data.close].map(
          (column) => (column[s] as Float64Array)[d],
        );
        const want = [0, 1, 2, 3].map((f) => price(s, d, f));
        if (got.some((v, f) => v !== want[f]) || (data.volume[s] as Float64Array)[d] !== d)
          throw new Error(`symbol ${s} day ${d}: ${got.join()} , expected ${want.join()}`);
      }
    }
    // Aligned: only A, every row.
    const onlyA = parse(`${lines.filter((l, i) => i === 0 || l.includes(',A,')).join('\n')}\n`);
    expect(onlyA.steps).toBe(days);
    expect(Array.from(onlyA.close[0] as Float64Array)).toEqual(
      Array.from({ length: days }, (_, d) => price(0, d, 3)),
    );
  });
});

describe('PriceCsvRowCounter and expectedRows (rows stored at their final length)', () => {
  /** `text` fed in pieces of `size` characters. */
  function pieces(text: string, size: number): string[] {
    const out: string[] = [];
    for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
    return out;
  }
  function parseWith(
    text: string,
    expectedRows: ReadonlyMap<string, number> | null,
    size = 997,
  ): PriceData {
    const parser = new PriceCsvParser({ expectedRows });
    for (const piece of pieces(text, size)) expect(parser.push(piece)).toBeNull();
    const result = parser.finish();
    if (!result.success) throw result.error;
    return result.data;
  }
  const columnsOf = (data: PriceData) =>
    [data.open, data.high, data.low, data.close, data.volume].map((list) =>
      list.map((column) => Array.from(column)),
    );

  // Aligned (every symbol every bar) and not (B every other bar, C from bar 100), rows by time.
  const aligned = formatPriceCsv(generateSyntheticData({ symbols: 3, bars: 300, seed: 3 }));
  const ragged = [HEADER]
    .concat(
      aligned
        .split('\n')
        .slice(1)
        .filter(
          (line, i) => line !== '' && !(i % 3 === 1 && i % 2 === 1) && !(i % 3 === 2 && i < 300),
        ),
    )
    .join('\r\n');

  it("counts each symbol's rows as splitting the lines does, in every chunking, BOM and CRLF", () => {
    for (const text of [aligned, `\ufeff${ragged}`]) {
      const want = new Map<string, number>();
      for (const line of text.replace('\ufeff', '').split(/\r?\n/).slice(1)) {
        const symbol = line.split(',')[1];
        if (symbol !== undefined) want.set(symbol, (want.get(symbol) ?? 0) + 1);
      }
      for (const size of [1, 7, 64, 1 << 20]) {
        const counter = new PriceCsvRowCounter();
        for (const piece of pieces(text, size)) counter.push(piece);
        expect(counter.finish()).toEqual(want);
      }
    }
    const noSymbol = new PriceCsvRowCounter();
    noSymbol.push('timestamp,close\n2024-01-02,1\n');
    expect(noSymbol.finish()).toBeNull();
  });

  it('gives the same data with exact, too small, too large or no counts', () => {
    for (const text of [aligned, ragged]) {
      const counter = new PriceCsvRowCounter();
      counter.push(text);
      const exact = counter.finish();
      if (exact === null) throw new Error('no counts');
      const scaled = (f: number) =>
        new Map([...exact].map(([symbol, n]) => [symbol, Math.max(1, Math.round(n * f))]));
      const want = parseWith(text, null);
      for (const counts of [exact, scaled(0.3), scaled(2), new Map([['B', 5]])]) {
        const got = parseWith(text, counts);
        expect(got.symbols).toEqual(want.symbols);
        expect(Array.from(got.timestamps)).toEqual(Array.from(want.timestamps));
        expect(columnsOf(got)).toEqual(columnsOf(want));
      }
    }
  });

  // Symbols share the first one's times while theirs are the same. Every mix of days per symbol,
  // rows by time (symbols in any order within a time) or by symbol, with or without counts,
  // gives each symbol its own rows on the union of the days.
  test.prop(
    [
      fc.array(fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    ],
    { numRuns: 60 },
  )(
    'aligns symbols that share times, then part ways, in any row order',
    (days, byTime, counted, seed) => {
      let state = seed;
      const random = (n: number): number => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state % n;
      };
      const symbols = days.map((_, s) => `S${s}`);
      // A symbol with no row at all is left out of the file.
      const has = (s: number, d: number): boolean => days[s]?.[d] === true;
      const close = (s: number, d: number): number => 100 + s + d / 64;
      const line = (s: number, d: number): string => {
        const day = new Date(Number((JAN_2_2024 + BigInt(d) * DAY) / 1_000_000n));
        return `${day.toISOString().slice(0, 10)},${symbols[s]},,,,${close(s, d)},`;
      };
      const order = symbols.map((_, s) => s).sort(() => random(3) - 1);
      const lines: string[] = [];
      if (byTime) {
        for (let d = 0; d < 200; d++) {
          const group = order.filter((s) => has(s, d));
          for (let i = group.length - 1; i > 0; i--) {
            const j = random(i + 1);
            [group[i], group[j]] = [group[j] as number, group[i] as number];
          }
          for (const s of group) lines.push(line(s, d));
        }
      } else {
        for (const s of order) for (let d = 0; d < 200; d++) if (has(s, d)) lines.push(line(s, d));
      }
      if (lines.length === 0) return;
      const text = `${HEADER}\n${lines.join('\n')}\n`;
      let counts: ReadonlyMap<string, number> | null = null;
      if (counted) {
        const counter = new PriceCsvRowCounter();
        counter.push(text);
        counts = counter.finish();
      }
      const data = parseWith(text, counts, 211);
      const present = symbols.filter((_, s) => days[s]?.includes(true));
      const union = Array.from({ length: 200 }, (_, d) => d).filter((d) =>
        symbols.some((_, s) => has(s, d)),
      );
      expect(data.symbols).toEqual(present);
      expect(Array.from(data.timestamps)).toEqual(union.map((d) => JAN_2_2024 + BigInt(d) * DAY));
      present.forEach((symbol, i) => {
        const s = symbols.indexOf(symbol);
        expect(Array.from(data.close[i] as Float64Array)).toEqual(
          union.map((d) => (has(s, d) ? close(s, d) : Number.NaN)),
        );
      });
    },
  );

  it('puts the columns on shared memory, so a thread gets them without a copy', () => {
    for (const text of [aligned, ragged]) {
      for (const counts of [null, undefined]) {
        const counter = new PriceCsvRowCounter();
        counter.push(text);
        const data = parseWith(text, counts === null ? null : counter.finish());
        const shared = data.sharedColumns();
        expect(shared.timestamps).toBe(data.timestamps);
        for (const name of ['open', 'high', 'low', 'close', 'volume'] as const) {
          data[name].forEach((column, s) => {
            expect(column.buffer).toBeInstanceOf(SharedArrayBuffer);
            expect(shared[name][s]).toBe(column);
          });
        }
      }
    }
    // Data built otherwise (not parsed) is copied there instead.
    const built = generateSyntheticData({ symbols: 2, bars: 5, seed: 1 });
    const copied = built.sharedColumns();
    expect(copied.close[0]).not.toBe(built.close[0]);
    expect(Array.from(copied.close[0]!)).toEqual(Array.from(built.close[0]!));
  });
});
