// Journal lines: the format, the CRC against zlib, damage detection, and older lines still loading.
import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Hex, crc32String } from './crc32.js';
import { encodeFillEvent } from './events.js';
import {
  decodeJournalLine,
  formatFillLine,
  formatJournalLine,
  safeDecodeJournalLine,
} from './journal.js';
import { fillEventArb } from './arbitraries.test-util.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');

describe('crc32', () => {
  it('matches node:zlib crc32 on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
      }),
      { numRuns: 200 },
    );
  });
  it('matches zlib on a range of the bytes, continuing from a previous crc', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: 0xffffffff }),
        (bytes, a, b, previous) => {
          const start = a % (bytes.length + 1);
          const end = start + (b % (bytes.length - start + 1));
          // Over no bytes the crc is unchanged (zlib answers 0 for an empty buffer).
          expect(crc32(bytes, previous, start, end)).toBe(
            end === start ? previous : zlibCrc32(bytes.subarray(start, end), previous),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
  it('matches zlib on UTF-8 text, as 8 lowercase hex digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        expect(crc32Hex(text)).toBe(
          zlibCrc32(Buffer.from(text, 'utf8')).toString(16).padStart(8, '0'),
        );
      }),
      { numRuns: 200 },
    );
    expect(crc32Hex('123456789')).toBe('cbf43926'); // the CRC-32 check value
  });
  it('reads a string as TextEncoder encodes it: ASCII runs, any code unit, lone surrogates', () => {
    const unit = fc.oneof(
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 9 }),
      fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    );
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.nat(), (parts, previous) => {
        const text = parts.join('');
        const bytes = encoder.encode(text);
        expect(crc32String(text)).toBe(zlibCrc32(bytes));
        expect(crc32String(text, previous)).toBe(crc32(bytes, previous));
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatJournalLine', () => {
  const fill = {
    fillId: 'f-1',
    strategyId: 'A',
    symbol: 'SPY',
    side: 'buy' as const,
    quantity: 2,
    price: 400.5,
    fee: 0.25,
    timestampNs: 12n,
  };
  const text = formatJournalLine('p-1', 7, 'fill', 13n, {
    source: { stream: 'njord:fills', id: '1700000000000-0' },
    fill: encodeFillEvent(fill),
  });

  it('writes v, seq, portfolio_id, type, timestamp_ns, the body, and crc last', () => {
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([
      'v',
      'seq',
      'portfolio_id',
      'type',
      'timestamp_ns',
      'source',
      'fill',
      'crc',
    ]);
    // The crc is zlib's over the line without its `,"crc":"..."` member.
    const match = /,"crc":"([0-9a-f]{8})"/.exec(text);
    const without = text.replace(match?.[0] ?? '', '');
    expect(match?.[1]).toBe(zlibCrc32(Buffer.from(without, 'utf8')).toString(16).padStart(8, '0'));
  });

  it('writes a bigint in the body as a decimal string, and an empty body as no members', () => {
    const adjustment = formatJournalLine('p-1', 2, 'adjustment', 5n, {
      adjustment: { weights: { A: 1 } },
      input_latest_ns: 12345678901234567890n,
    });
    const parsed = JSON.parse(adjustment) as Record<string, unknown>;
    expect(parsed.input_latest_ns).toBe('12345678901234567890');
    const line = decodeJournalLine(adjustment);
    expect(line.type === 'adjustment' ? line.input_latest_ns : null).toBe(12345678901234567890n);
    const resume = formatJournalLine('p-1', 3, 'resume', 6n, {});
    expect(Object.keys(JSON.parse(resume) as object)).toEqual([
      'v',
      'seq',
      'portfolio_id',
      'type',
      'timestamp_ns',
      'crc',
    ]);
    expect(decodeJournalLine(resume).type).toBe('resume');
  });

  it('is the same line with node zlib computing the crc', () => {
    expect(
      formatJournalLine(
        'p-1',
        7,
        'fill',
        13n,
        { source: { stream: 'njord:fills', id: '1700000000000-0' }, fill: encodeFillEvent(fill) },
        zlibCrc32,
      ),
    ).toBe(text);
  });

  it('formatFillLine writes the same line as formatJournalLine for an encoded fill', () => {
    // Ids and refs from the contracts' arbitraries, and text that JSON must escape.
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('"', '\\'));
    fc.assert(
      fc.property(
        fillEventArb,
        text,
        text,
        fc.nat(),
        fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        (event, weirdId, weirdPortfolio, seq, at) => {
          const fills = [encodeFillEvent(event), { ...encodeFillEvent(event), fill_id: weirdId }];
          for (const wire of fills) {
            for (const portfolio of ['p-1', weirdPortfolio]) {
              expect(formatFillLine(portfolio, seq, at, wire)).toBe(
                formatJournalLine(portfolio, seq, 'fill', at, { fill: wire }),
              );
              expect(formatFillLine(portfolio, seq, at, wire, zlibCrc32)).toBe(
                formatJournalLine(portfolio, seq, 'fill', at, { fill: wire }),
              );
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes back to the same values', () => {
    const line = decodeJournalLine(text);
    expect(line.type).toBe('fill');
    if (line.type !== 'fill') return;
    expect(line.fill).toEqual(fill);
    expect(line.seq).toBe(7);
    expect(line.timestamp_ns).toBe(13n);
    expect(line.source).toEqual({ stream: 'njord:fills', id: '1700000000000-0' });
  });

  it('detects every single flipped bit', () => {
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(bytes);
        damaged[i] = (damaged[i] as number) ^ (1 << bit);
        expect(safeDecodeJournalLine(damaged.toString('utf8')).success).toBe(false);
      }
    }
  });

  it('refuses a versioned line whose crc was cut off', () => {
    const cut = text.replace(/,"crc":"[0-9a-f]{8}"/, '');
    const result = safeDecodeJournalLine(cut);
    expect(result.success ? null : result.error.code).toBe('bad_crc');
  });

  it('names what is wrong with a line that breaks the schema', () => {
    const bad = formatJournalLine('p-1', 1, 'published', 1n, {
      plan_id: '',
    });
    const result = safeDecodeJournalLine(bad);
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error.code).toBe('invalid_line');
      expect(result.error.message).toContain('plan_id');
    }
  });
});

describe('journals written before v and crc', () => {
  it.each(['live-v0.ndjson', 'backtest-v0.ndjson'])('%s: every line decodes', (name) => {
    const lines = fixture(name);
    const types = lines.map((text) => {
      const result = safeDecodeJournalLine(text);
      if (!result.success) throw new Error(`${name}: ${result.error.message}\n${text}`);
      return result.data.type;
    });
    expect(types.length).toBe(lines.length);
  });

  it('older live lines keep their meaning: entry ids, the raw fill, the error source', () => {
    const lines = fixture('live-v0.ndjson').map(decodeJournalLine);
    const fill = lines.find((line) => line.type === 'fill');
    expect(fill?.type === 'fill' && fill.entry_id).toBe('1700000000500-0');
    expect(fill?.type === 'fill' && fill.fill.timestampNs).toBe(1_700_000_000_500_000_000n);
    const error = lines.find((line) => line.type === 'error');
    expect(error?.type === 'error' && error.source).toBe('prices');
    expect(error?.type === 'error' && error.mark?.price).toBe(960);
    const adjustment = lines.find((line) => line.type === 'adjustment');
    expect(adjustment?.type === 'adjustment' && adjustment.adjustment.weights).toEqual({
      A: 0.61,
      B: 0.39,
    });
  });

  it('an older line with one changed character still decodes (it has no crc to check)', () => {
    const text = fixture('backtest-v0.ndjson')[0] as string;
    expect(safeDecodeJournalLine(text.replace('50000}', '50001}')).success).toBe(true);
  });
});

describe('breaker, halt, resume and command lines', () => {
  it('round-trip with their CRC and decode to their fields', () => {
    const lines = [
      formatJournalLine('p', 1, 'breaker', 5n, {
        strategy_id: 'loser',
        reason: 'max_drawdown',
        drawdown: -0.21,
      }),
      formatJournalLine('p', 2, 'halt', 6n, { reason: 'max_drawdown', drawdown: -0.3 }),
      formatJournalLine('p', 3, 'resume', 7n, { strategy_id: 'loser', by: 'timer' }),
      formatJournalLine('p', 4, 'resume', 8n, { by: 'operator' }),
      formatJournalLine('p', 5, 'command', 9n, {
        command: 'halt',
        source: { stream: 'njord:portfolio:p:commands', id: '1-0' },
      }),
    ];
    const decoded = lines.map((text) => decodeJournalLine(text));
    expect(decoded.map((line) => line.type)).toEqual([
      'breaker',
      'halt',
      'resume',
      'resume',
      'command',
    ]);
    expect(decoded[0]).toMatchObject({ strategy_id: 'loser', reason: 'max_drawdown' });
    expect(decoded[0]).toHaveProperty('drawdown', -0.21);
    expect(decoded[1]).toMatchObject({ reason: 'max_drawdown', drawdown: -0.3 });
    expect(decoded[2]).toMatchObject({ strategy_id: 'loser', by: 'timer' });
    expect(decoded[3]).not.toHaveProperty('strategy_id');
    expect(decoded[4]).toMatchObject({ command: 'halt', source: { id: '1-0' } });
    // One changed character breaks the CRC like any other line.
    const damaged = (lines[0] as string).replace('loser', 'loses');
    expect(safeDecodeJournalLine(damaged).success).toBe(false);
  });

  it('refuses a breaker without a strategy, an unknown reason and an unknown command', () => {
    const bad = [
      '{"seq":1,"portfolio_id":"p","type":"breaker","timestamp_ns":"1","reason":"max_drawdown"}',
      '{"seq":1,"portfolio_id":"p","type":"breaker","timestamp_ns":"1","strategy_id":"a","reason":"bad"}',
      '{"seq":1,"portfolio_id":"p","type":"halt","timestamp_ns":"1","reason":"tired"}',
      '{"seq":1,"portfolio_id":"p","type":"command","timestamp_ns":"1","command":"reboot"}',
    ];
    for (const text of bad) {
      const result = safeDecodeJournalLine(text);
      expect(result.success).toBe(false);
      if (!result.success) expect(result.error.code).toBe('invalid_line');
    }
  });
});
