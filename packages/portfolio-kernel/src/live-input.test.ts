// Live input: each entry classified (nothing changed) and admitted (applied, or why not).
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { PortfolioKernel } from './kernel.js';
import {
  admitLiveEntry,
  beginLiveBatch,
  classifyLiveEntry,
  type LiveEntry,
  type LiveInputRules,
} from './live-input.js';

const SECOND = 1_000_000_000n;
const NOW = 1_700_000_000n * SECOND;

function config(): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'live',
      total_capital: 100_000,
      rebalance_threshold: 0.05,
      allocations: [
        { strategy_id: 'alpha', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
        { strategy_id: '__proto__', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
      ],
    },
  });
}

function kernel(): PortfolioKernel {
  return new PortfolioKernel(config(), { startNs: NOW, maxMarkJump: 0.5 });
}

const RULES: LiveInputRules = { nowNs: NOW, maxFutureNs: 300n * SECOND };

let n = 0;
function fillEntry(fields: Record<string, unknown>): LiveEntry {
  n++;
  return {
    source: 'fills',
    id: `${n}-0`,
    data: JSON.stringify({
      fill_id: `f${n}`,
      strategy_id: 'alpha',
      symbol: 'SPY',
      side: 'buy',
      quantity: 10,
      price: 100,
      fee: 0,
      timestamp_ns: String(NOW),
      ...fields,
    }),
  };
}

function markEntry(symbol: string, price: number, timestampNs = NOW): LiveEntry {
  n++;
  return {
    source: 'prices',
    id: `${n}-0`,
    data: JSON.stringify({ symbol, price, timestamp_ns: String(timestampNs) }),
  };
}

describe('classifyLiveEntry', () => {
  it('changes nothing, whatever it says', () => {
    const k = kernel();
    const before = JSON.stringify(k.tracker.serialize());
    for (const entry of [fillEntry({}), markEntry('SPY', 100), fillEntry({ quantity: -1 })])
      classifyLiveEntry(k, entry, RULES);
    expect(JSON.stringify(k.tracker.serialize())).toBe(before);
  });

  it('reads timestamp_ns exactly from a JSON integer and ignores unknown keys', () => {
    const text = `{"fill_id":"py","strategy_id":"alpha","symbol":"SPY","side":"buy","quantity":1,"price":2,"fee":0,"timestamp_ns":${String(NOW + 123n)},"venue":"X"}`;
    const input = classifyLiveEntry(kernel(), { source: 'fills', id: '1-0', data: text }, RULES);
    expect(input.kind).toBe('fill');
    if (input.kind !== 'fill') return;
    expect(input.fill.timestampNs).toBe(NOW + 123n);
    expect(input.wire.timestamp_ns).toBe(String(NOW + 123n));
    expect(input.unknownKeys).toEqual(['venue']);
  });

  it('dead-letters what is not an event: no data, bad UTF-8, not JSON, invalid', () => {
    const k = kernel();
    const reasons = [
      { source: 'fills' as const, id: '1-0', data: undefined },
      { source: 'fills' as const, id: '2-0', data: new Uint8Array([0x7b, 0xff, 0x7d]) },
      { source: 'prices' as const, id: '3-0', data: '{not json' },
      fillEntry({ quantity: 0 }),
    ].map((entry) => {
      const input = classifyLiveEntry(k, entry, RULES);
      return input.kind === 'dead' ? input.reason : input.kind;
    });
    expect(reasons).toEqual(['no_data', 'invalid_utf8', 'not_json', 'invalid_input']);
  });

  it('dead-letters inputs stamped more than max_future_seconds ahead, not at the limit', () => {
    const k = kernel();
    const limit = NOW + 300n * SECOND;
    expect(classifyLiveEntry(k, fillEntry({ timestamp_ns: String(limit) }), RULES).kind).toBe(
      'fill',
    );
    const late = classifyLiveEntry(k, fillEntry({ timestamp_ns: String(limit + 1n) }), RULES);
    expect(late).toMatchObject({ kind: 'dead', reason: 'future_timestamp' });
    expect(classifyLiveEntry(k, markEntry('SPY', 1, limit + 1n), RULES)).toMatchObject({
      reason: 'future_timestamp',
    });
    // No limit under an event clock.
    expect(
      classifyLiveEntry(k, markEntry('SPY', 1, limit + 1n), { nowNs: NOW, maxFutureNs: null }).kind,
    ).toBe('mark');
  });

  it("holds a symbol's first mark to max_mark_jump against its last fill price", () => {
    const k = kernel();
    k.apply({
      type: 'fill',
      fill: {
        fillId: 'f',
        strategyId: 'alpha',
        symbol: 'SPY',
        side: 'buy',
        quantity: 1,
        price: 100,
        fee: 0,
        timestampNs: NOW,
      },
    });
    // 1e6 x the fill price: a jump of 999,999 > 0.5; 140 is 0.4 from 100.
    expect(classifyLiveEntry(k, markEntry('SPY', 1e8), RULES)).toMatchObject({
      kind: 'dead',
      reason: 'mark_jump',
    });
    expect(classifyLiveEntry(k, markEntry('SPY', 140), RULES).kind).toBe('mark');
    // A symbol never filled nor marked has no reference.
    expect(classifyLiveEntry(k, markEntry('QQQ', 1e8), RULES).kind).toBe('mark');
  });
});

describe('admitLiveEntry', () => {
  it('applies a fill once; the same id again is a duplicate, with other content a conflict', () => {
    const k = kernel();
    const entry = fillEntry({ fill_id: 'same' });
    expect(admitLiveEntry(k, entry, RULES)).toMatchObject({ kind: 'fill', status: 'applied' });
    expect(admitLiveEntry(k, entry, RULES)).toMatchObject({ kind: 'fill', status: 'duplicate' });
    expect(admitLiveEntry(k, fillEntry({ fill_id: 'same', quantity: 11 }), RULES)).toMatchObject({
      kind: 'dead',
      reason: 'fill_conflict',
    });
    // 10 x 100 bought from alpha's 50,000.
    expect(k.tracker.getCash('alpha')).toBe(50_000 - 10 * 100);
  });

  it('unknown strategy: dead letter when the fill names this portfolio, else a quiet skip', () => {
    const k = kernel();
    expect(
      admitLiveEntry(k, fillEntry({ strategy_id: 'Alpha', portfolio_id: 'live' }), RULES),
    ).toMatchObject({ kind: 'dead', reason: 'unknown_strategy' });
    expect(admitLiveEntry(k, fillEntry({ strategy_id: 'Alpha' }), RULES)).toEqual({
      kind: 'skip',
      reason: 'unknown_strategy',
    });
    expect(admitLiveEntry(k, fillEntry({ portfolio_id: 'other' }), RULES)).toEqual({
      kind: 'skip',
      reason: 'other_portfolio',
    });
    expect(k.tracker.appliedFillCount).toBe(0);
  });

  it('dead-letters what would overflow (1e200 x 1e200, a 1.7e308 first mark) and goes on', () => {
    const k = kernel();
    expect(admitLiveEntry(k, fillEntry({ quantity: 1e200, price: 1e200 }), RULES)).toMatchObject({
      kind: 'dead',
      reason: 'out_of_range',
    });
    expect(admitLiveEntry(k, markEntry('SPY', 1.7e308), RULES)).toMatchObject({
      kind: 'dead',
      reason: 'out_of_range',
    });
    expect(admitLiveEntry(k, fillEntry({}), RULES)).toMatchObject({ status: 'applied' });
    expect(Number.isFinite(k.totalEquity)).toBe(true);
  });

  it('treats __proto__ as an id like any other', () => {
    const k = kernel();
    expect(
      admitLiveEntry(k, fillEntry({ strategy_id: '__proto__', symbol: '__proto__' }), RULES),
    ).toMatchObject({ status: 'applied' });
    expect(k.tracker.getUnits('__proto__', '__proto__')).toBe(10);
    expect(Object.keys(k.tracker.getSnapshot(NOW).strategyAllocations)).toContain('__proto__');
  });

  it('remembers a refused mark, so the next mark at its level confirms it', () => {
    const k = kernel();
    expect(admitLiveEntry(k, markEntry('SPY', 100), RULES)).toMatchObject({ status: 'applied' });
    expect(admitLiveEntry(k, markEntry('SPY', 300, NOW + 1n), RULES)).toMatchObject({
      reason: 'mark_jump',
    });
    // 290 is within 0.5 of the refused 300.
    expect(admitLiveEntry(k, markEntry('SPY', 290, NOW + 2n), RULES)).toMatchObject({
      status: 'applied',
    });
    expect(admitLiveEntry(k, markEntry('SPY', 280, NOW + 1n), RULES)).toEqual({
      kind: 'skip',
      reason: 'stale',
    });
  });

  it('beginLiveBatch moves the dedupe horizon: an older fill is too_old, a younger one dedupes', () => {
    const hour = 3600n * SECOND;
    const k = new PortfolioKernel(config(), { startNs: NOW, dedupeWindowNs: hour });
    const rules = { ...RULES, dedupeWindowNs: hour };
    const young = fillEntry({ timestamp_ns: String(NOW - hour / 2n) });
    expect(admitLiveEntry(k, young, rules)).toMatchObject({ status: 'applied' });
    beginLiveBatch(k, rules);
    expect(k.tracker.dedupeHorizonNs).toBe(NOW - hour);
    expect(admitLiveEntry(k, young, rules)).toMatchObject({ status: 'duplicate' });
    expect(
      admitLiveEntry(k, fillEntry({ timestamp_ns: String(NOW - hour - 1n) }), rules),
    ).toMatchObject({ kind: 'dead', reason: 'too_old' });
    // No window: nothing is forgotten, no fill is too old.
    expect(beginLiveBatch(k, RULES)).toBe(0);
  });
});
