import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalFile } from './journal-file.js';
import { teeJournalToTape } from './tape-file.js';

// Bodies as the engine writes them (the journal's body type, whatever its shape).
const asBody = (value: unknown) => value as Parameters<JournalFile['add']>[2];

const dir = mkdtempSync(join(tmpdir(), 'njord-ops-runner-tape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('teeJournalToTape', () => {
  it('writes each bar as its marks, its strategies’ fills, then a check; rebalance fills and mark lines stay out', () => {
    const seen: string[] = [];
    const inner: JournalFile = {
      add: (type) => void seen.push(type),
      plan: () => void seen.push('plan'),
      close: () => undefined,
      lines: 0,
      bytes: 0,
      parts: [],
    };
    const path = join(dir, 't.ndjson');
    const journal = teeJournalToTape(inner, path, 'desk', 42);
    const day = (d: number) => BigInt(d) * 86_400_000_000_000n;
    // The engine's rows of marks (NaN = no bar) and its journal's own mark lines.
    const marks = (d: number, prices: number[]) =>
      journal.marks?.(day(d), ['A', 'B'], Float64Array.from(prices));
    const markLine = (d: number, symbol: string, price: number) =>
      journal.add(
        'mark',
        day(d),
        asBody({
          mark: { symbol, price, timestamp_ns: day(d).toString() },
        }),
      );
    const fill = (d: number, id: string, intent?: string) =>
      journal.add(
        'fill',
        day(d),
        asBody({
          fill: { fill_id: id, strategy_id: 's', ...(intent ? { intent_id: intent } : {}) },
        }),
      );
    marks(1, [10, 20]);
    markLine(1, 'A', 10);
    markLine(1, 'B', 20);
    fill(1, 's:0:A');
    fill(1, 'rb:0', 'rb:0');
    marks(2, [11, Number.NaN]);
    fill(2, 's:1:A');
    markLine(2, 'A', 11);
    journal.close();

    // The journal itself got every line.
    expect(seen).toEqual(['mark', 'mark', 'fill', 'fill', 'fill', 'mark']);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ tape: 1, source: 'backtest:desk', created_ms: 42 });
    const body = lines
      .slice(1)
      .map((l) => [l.key, l.id, l.at_ms, JSON.parse(l.data as string) as unknown]);
    const ms1 = 86_400_000;
    const ms2 = 2 * 86_400_000;
    expect(body).toEqual([
      ['prices', `${ms1}-0`, ms1, { symbol: 'A', price: 10, timestamp_ns: day(1).toString() }],
      ['prices', `${ms1}-1`, ms1, { symbol: 'B', price: 20, timestamp_ns: day(1).toString() }],
      ['fills', `${ms1}-2`, ms1, { fill_id: 's:0:A', strategy_id: 's', portfolio_id: 'desk' }],
      [
        'portfolio:desk:commands',
        `${ms1}-3`,
        ms1,
        { command: 'check', timestamp_ns: day(1).toString() },
      ],
      ['prices', `${ms2}-0`, ms2, { symbol: 'A', price: 11, timestamp_ns: day(2).toString() }],
      ['fills', `${ms2}-1`, ms2, { fill_id: 's:1:A', strategy_id: 's', portfolio_id: 'desk' }],
      [
        'portfolio:desk:commands',
        `${ms2}-2`,
        ms2,
        { command: 'check', timestamp_ns: day(2).toString() },
      ],
    ]);
  });
});
