// A run whose rebalances go to a spill file as they are made gives the same result as one
// that keeps them: the same records, the same result text, the same counts.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PortfolioBacktestEngine } from '../engine/portfolio-engine.js';
import { twoSleeveConfig } from './result.test-util.js';
import { shippedPriceData } from './shipped-data.test-util.js';
import { RebalanceSpill, SPILL_AT_ONCE_BAR_EVENTS, spillOptionsFor } from './rebalance-spill.js';
import { writeResultText } from './write-result.js';

const data = shippedPriceData('stocks-monthly.csv');

// A low threshold and a monthly frequency: many rebalances of both reasons.
const config = twoSleeveConfig('spill', 24 * 90, 0.01);

const dir = mkdtempSync(join(tmpdir(), 'njord-spill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function textOf(run: Parameters<typeof writeResultText>[0]): Promise<string> {
  let text = '';
  await writeResultText(run, (chunk) => {
    text += chunk;
    return undefined;
  });
  return text;
}

describe('RebalanceSpill', () => {
  // Each way a spill holds its records: all on file (keepRows 0), kept in memory (the
  // default, for this short run), and kept then written out past a small limit; with and
  // without a journal (with one, the engine hands over the plan's wire form it journaled).
  it.each([
    { keepRows: 0, journal: false, onFile: true },
    { keepRows: undefined, journal: false, onFile: false },
    { keepRows: 20, journal: false, onFile: true },
    { keepRows: 0, journal: true, onFile: true },
    { keepRows: undefined, journal: true, onFile: false },
  ])(
    'holds what the engine would keep, and the result text is the same byte for byte (%o)',
    async ({ keepRows, journal, onFile }) => {
      const kept = new PortfolioBacktestEngine(config).runColumnar(data);
      const spill = new RebalanceSpill(
        join(dir, 'rebalances.spill'),
        keepRows === undefined ? {} : { keepRows },
      );
      const spilled = new PortfolioBacktestEngine(config, undefined, {
        rebalanceStore: spill,
        ...(journal ? { journal: { add: () => undefined } } : {}),
      }).runColumnar(data);
      const records = kept.summary.rebalances;
      expect(records.length).toBeGreaterThan(5);

      // Nothing is held by the spilled run; its store has every record, in order.
      expect(spilled.summary.rebalances).toEqual([]);
      expect(spill.count).toBe(records.length);
      expect(spilled.rebalanceCount).toBe(records.length);
      expect([...spilled.rebalanceRecords()]).toEqual(records);
      // ... and can be read again.
      expect([...spill.records()].length).toBe(records.length);
      expect(spilled.summary.metrics).toEqual(kept.summary.metrics);

      // Reasons counted as they came, against a count over the kept records.
      const byHand = new Map<string, number>();
      for (const r of records) byHand.set(r.reason, (byHand.get(r.reason) ?? 0) + 1);
      expect(byHand.size).toBe(2);
      expect([...spill.reasons]).toEqual([...byHand]);

      const blank = (text: string): string =>
        text.replace(/"(load_ms|run_ms|bar_events_per_second)":[0-9.e+-]+/g, '"$1":0');
      expect(blank(await textOf(spilled))).toBe(blank(await textOf(kept)));
      expect(spilled.toResult().rebalances).toEqual(records);

      // On file, one line per record, `bytes` long (kept: nothing written); remove deletes it.
      expect(spill.inMemory).toBe(!onFile);
      expect(statSync(spill.path).size).toBe(spill.bytes);
      const lines = readFileSync(spill.path, 'utf8').split('\n').length - 1;
      expect(lines).toBe(onFile ? records.length : 0);
      spill.remove();
      expect(() => statSync(spill.path)).toThrow();
    },
  );

  it('reads back a record longer than its read buffer, and an empty spill', () => {
    // keepRows 0: records() decodes the file (a long run's path).
    const spill = new RebalanceSpill(join(dir, 'long.spill'), { keepRows: 0 });
    const run = new PortfolioBacktestEngine(config).runColumnar(data);
    const record = run.summary.rebalances.find((r) => r.trades.length > 0)!;
    // Over 3 MiB in one line (14,000 copies of a trade of about 300 bytes): crosses the
    // 1 MiB reads.
    const long = {
      ...record,
      trades: Array.from({ length: 14_000 }, () => record.trades[0]!),
    };
    spill.add(record);
    spill.add(long);
    spill.add(record);
    expect([...spill.records()]).toEqual([record, long, record]);
    expect(spill.bytes).toBeGreaterThan(3 << 20);
    spill.remove();

    // With the default, the same records come back as the objects added; past the limit
    // (here 3 rows: the long record passes it), decoded from the file, equal.
    const kept = new RebalanceSpill(join(dir, 'kept.spill'));
    const few = new RebalanceSpill(join(dir, 'few.spill'), { keepRows: 3 });
    for (const r of [record, long, record]) {
      kept.add(r);
      few.add(r);
    }
    const keptBack = [...kept.records()];
    expect(keptBack[1]).toBe(long);
    const fewBack = [...few.records()];
    expect(fewBack[1]).not.toBe(long);
    expect(fewBack).toEqual(keptBack);
    kept.remove();
    few.remove();

    const empty = new RebalanceSpill(join(dir, 'empty.spill'));
    expect([...empty.texts()]).toEqual([]);
    expect(() => empty.add(record)).toThrow(/after close/);
    empty.remove();
  });
});

describe('spillOptionsFor', () => {
  it('spills from the first record from SPILL_AT_ONCE_BAR_EVENTS bar events on', () => {
    expect(SPILL_AT_ONCE_BAR_EVENTS).toBe(250_000);
    expect(spillOptionsFor(0)).toEqual({});
    expect(spillOptionsFor(249_999)).toEqual({});
    expect(spillOptionsFor(250_000)).toEqual({ keepRows: 0 });
    expect(spillOptionsFor(1_000_000)).toEqual({ keepRows: 0 });
  });
});
