// The engine's rules on crafted series, each expectation worked out by hand.
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { createPriceData } from '../price-data.js';
import { BacktestEngine } from './backtest-engine.js';
import { isBacktestError } from './backtest-error.js';
import { PortfolioBacktestEngine } from './portfolio-engine.js';

const DAY = 86_400_000_000_000n;
const days = (n: number) =>
  Array.from({ length: n }, (_, i) => 1_600_000_000_000_000_000n + BigInt(i) * DAY);

function onePortfolio(strategy: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parsePortfolioConfig({
    portfolio: {
      id: 'p',
      total_capital: 10_000,
      rebalance_threshold: 0.5,
      min_trade_value: 0,
      allocations: [
        { strategy_id: 'a', target_weight: 1, min_capital: 0, max_capital: 1e9, strategy },
      ],
      ...extra,
    },
  });
}

const xOnly = createPriceData({
  timestamps: days(3),
  bars: { X: { open: [99, 105, 120], close: [100, 110, 121] } },
});

describe('fills, lots and costs', () => {
  const costs = {
    costs: { commission_bps: 10, commission_min: 1, slippage_bps: 5 },
    instruments: { X: { lot_size: 1 } },
  };

  it('close model: buys at the first close, pays commission and slippage on top', () => {
    const config = onePortfolio({ kind: 'buy_and_hold', params: { weights: { X: 1 } } }, costs);
    const result = new PortfolioBacktestEngine(config).run(xOnly);
    // 10000 / 100 = 100 units; notional 10000; commission max(1, 10 x 10000 / 1e4 = 10) = 10,
    // slippage 5 x 10000 / 1e4 = 5: cash 10000 - 10000 - 15 = -15.
    expect(result.equityCurve.map((p) => p.equity)).toEqual([
      -15 + 100 * 100,
      -15 + 100 * 110,
      -15 + 100 * 121,
    ]);
    expect(result.metrics.portfolio.costs).toBe(15);
    expect(result.equityCurve[0]?.cash).toBe(-15);
  });

  it("next_open model: decided at bar 0's close, sized and filled at bar 1's open", () => {
    const config = onePortfolio(
      { kind: 'buy_and_hold', params: { weights: { X: 1 } } },
      { ...costs, fill_model: 'next_open' },
    );
    const result = new PortfolioBacktestEngine(config).run(xOnly);
    // floor(10000 / 105) = 95 units = 9975; commission max(1, 9.975), slippage 4.9875:
    // cash 10000 - 9975 - 14.9625 = 10.0375.
    const cash = 10_000 - 9975 - 9.975 - 4.9875;
    const curve = result.equityCurve.map((p) => p.equity);
    expect(curve[0]).toBe(10_000);
    expect(curve[1]).toBeCloseTo(cash + 95 * 110, 9);
    expect(curve[2]).toBeCloseTo(cash + 95 * 121, 9);
  });

  it('a trade below min_trade_value is skipped, and the cash stays', () => {
    const config = onePortfolio(
      { kind: 'buy_and_hold', params: { weights: { X: 0.001 } } },
      { min_trade_value: 50 },
    );
    // 0.001 x 10000 = 10 of X < 50: skipped, nothing happens.
    const single = new BacktestEngine(config, config.allocations[0]!).run(xOnly);
    expect(single.fills).toBe(0);
    expect(single.skipped['below_min_trade_value']).toBe(1);
    expect([...single.equity]).toEqual([10_000, 10_000, 10_000]);
  });
});

describe('data gaps', () => {
  const data = createPriceData({
    timestamps: days(3),
    bars: { X: { close: [100, 110, 121] }, Y: { close: [Number.NaN, 50, Number.NaN] } },
  });

  it('a symbol before its first bar stays in cash; without a bar it cannot trade (no_bar)', () => {
    const config = onePortfolio({ kind: 'fixed_weights', params: { weights: { X: 0.5, Y: 0.5 } } });
    const result = new BacktestEngine(config, config.allocations[0]!).run(data);
    // Bar 0: Y does not exist: X gets 0.5 x 10000 / 100 = 50 units, 5000 stays cash.
    // Bar 1: capital 5000 + 50 x 110 = 10500; X to 5250/110, Y to 5250/50 = 105: cash 0.
    // Bar 2: capital 47.727.. x 121 + 105 x 50 (Y's last close) = 5775 + 5250 = 11025;
    // X re-targeted, Y has no bar: skipped.
    expect(result.equity[0]).toBe(10_000);
    expect(result.equity[1]).toBeCloseTo(10_500, 9);
    expect(result.equity[2]).toBeCloseTo(11_025, 9);
    expect(result.skipped['no_bar']).toBe(1);
  });
});

describe('the start of the range', () => {
  it('bars before --start feed the strategy; its position is taken at the first traded bar', () => {
    const config = onePortfolio({ kind: 'buy_and_hold', params: { weights: { X: 1 } } });
    const result = new PortfolioBacktestEngine(config, undefined, {
      start: days(3)[1] as bigint,
    }).run(xOnly);
    // buy_and_hold targeted X at step 0 (warm-up): bought at step 1's close, 10000/110 units.
    expect(result.equityCurve.map((p) => p.timestampNs)).toEqual(days(3).slice(1));
    expect(result.equityCurve[0]?.equity).toBeCloseTo(10_000, 9);
    expect(result.equityCurve[1]?.equity).toBeCloseTo((10_000 / 110) * 121, 9);
  });

  it('an empty range is an error', () => {
    const config = onePortfolio({ kind: 'buy_and_hold', params: { weights: { X: 1 } } });
    expect(() =>
      new PortfolioBacktestEngine(config, undefined, { start: days(10)[9] as bigint }).run(xOnly),
    ).toThrow(/no bar between/);
  });

  it('an unknown strategy is a ContractError at its allocation path', () => {
    const config = onePortfolio({ kind: 'no_such_kind' });
    expect(() => new PortfolioBacktestEngine(config).run(xOnly)).toThrow(
      /portfolio\.allocations\[0\]\.strategy\.kind/,
    );
  });
});

/** Half in a buy-and-hold of X, half in a sleeve that holds only cash (X at 0). */
function holdAndCash(extra: Record<string, unknown> = {}) {
  return parsePortfolioConfig({
    portfolio: {
      id: 'two',
      total_capital: 10_000,
      rebalance_threshold: 0.05,
      min_trade_value: 0,
      ...extra,
      allocations: [
        {
          strategy_id: 'x',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e9,
          strategy: { kind: 'buy_and_hold', params: { weights: { X: 1 } } },
        },
        {
          strategy_id: 'cash',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e9,
          strategy: { kind: 'fixed_weights', params: { weights: { X: 0 } } },
        },
      ],
    },
  });
}

describe('two sleeves and the trigger', () => {
  it('records transfers that sum to zero and sleeves at their targets after a rebalance', () => {
    const config = holdAndCash();
    const result = new PortfolioBacktestEngine(config).run(xOnly);
    // Bar 1: x = 50 units x 110 = 5500, cash = 5000, equity 10500, targets 5250 each;
    // drift x = 250/5250 = 4.76% < 5%: no rebalance.
    // Bar 2: x = 6050, equity 11050, targets 5525, drift 525/5525 = 9.5% > 5%: rebalance,
    // transfers -525 / +525, both sleeves at 5525 after.
    expect(result.rebalances).toHaveLength(1);
    const [rebalance] = result.rebalances;
    expect(rebalance?.timestampNs).toBe(days(3)[2]);
    expect(rebalance?.transfers['x']).toBeCloseTo(-525, 9);
    expect(rebalance?.transfers['cash']).toBeCloseTo(525, 9);
    expect(result.equityCurve[2]?.strategies['x']).toBeCloseTo(5525, 9);
    expect(result.equityCurve[2]?.drift['x']).toBeCloseTo(525 / 5525, 12);
    expect(result.equityCurve[1]?.drift['x']).toBeCloseTo(250 / 5250, 12);
  });
});

describe('next_open rebalances', () => {
  it('a firing at bar t is planned and filled at bar t+1 open, and its bar is kept in a sparse curve', () => {
    const data = createPriceData({
      timestamps: days(5),
      bars: { X: { open: [100, 100, 120, 120, 121], close: [100, 110, 121, 121, 121] } },
    });
    const config = holdAndCash({ fill_model: 'next_open' });
    const result = new PortfolioBacktestEngine(config, undefined, { curveEvery: 4 }).run(data);
    // Bar 1 open 100: x buys 5000/100 = 50 units. Bar 1 close: x 5500, drift 250/5250 < 5%.
    // Bar 2 close: x 6050, drift 525/5525 > 5%: fires, executed at bar 3's open (120):
    // x 6000 + cash 5000 = 11000, targets 5500: transfers -500/+500, sell 500/120 units.
    expect(result.rebalances).toHaveLength(1);
    const [rebalance] = result.rebalances;
    expect(rebalance?.timestampNs).toBe(days(5)[3]);
    expect(rebalance?.transfers['x']).toBeCloseTo(-500, 9);
    expect(rebalance?.trades[0]?.referencePrice).toBe(120);
    expect(rebalance?.trades[0]?.quantity).toBeCloseTo(500 / 120, 12);
    // Kept: bars 0 and 4 (every 4th), bar 3 (a rebalance bar).
    expect(result.equityCurve.map((p) => p.timestampNs)).toEqual([
      days(5)[0],
      days(5)[3],
      days(5)[4],
    ]);
    // Bar 3 close 121: x = (50 - 500/120) x 121, cash sleeve 5500.
    expect(result.equityCurve[1]?.strategies['x']).toBeCloseTo((50 - 500 / 120) * 121, 9);
    expect(result.equityCurve[1]?.strategies['cash']).toBeCloseTo(5500, 9);
  });
});

describe('portfolio limits', () => {
  it('max_symbol_notional counts what the other sleeves hold', () => {
    const config = parsePortfolioConfig({
      portfolio: {
        id: 'limits',
        total_capital: 10_000,
        rebalance_threshold: 10,
        min_trade_value: 0,
        limits: { max_symbol_notional: 7000 },
        allocations: ['a', 'b'].map((id) => ({
          strategy_id: id,
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e9,
          strategy: { kind: 'buy_and_hold', params: { weights: { X: 1 } } },
        })),
      },
    });
    const result = new PortfolioBacktestEngine(config).run(xOnly);
    // Bar 0 at 100: a buys 5000/100 = 50 units (5000 <= 7000); b may add only 7000 - 5000 =
    // 2000 of X: 20 units, 3000 stays cash. Bar 1 at 110: a = 5500, b = 2200 + 3000 = 5200.
    expect(result.equityCurve[1]?.strategies['a']).toBeCloseTo(5500, 9);
    expect(result.equityCurve[1]?.strategies['b']).toBeCloseTo(5200, 9);
  });
});

describe('numbers past the largest double', () => {
  it('holdings valued past it stop the run with BacktestError overflow at that bar', () => {
    // 10,000 / 1e-300 = 1e304 units of X bought at bar 0; at bar 2's close of 1e10 they are
    // worth 1e314, past 1.8e308. Bar 2 is 2020-09-13T12:26:40Z + 2 days.
    const config = onePortfolio({ kind: 'buy_and_hold', params: { weights: { X: 1 } } });
    const data = createPriceData({
      timestamps: days(3),
      bars: { X: { close: [1e-300, 1e-300, 1e10] } },
    });
    let thrown: unknown;
    try {
      new PortfolioBacktestEngine(config).runColumnar(data);
    } catch (error) {
      thrown = error;
    }
    expect(isBacktestError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'overflow' });
    expect((thrown as Error).message).toMatch(
      /^at 2020-09-15T12:26:40Z: the portfolio's holdings at this bar's prices are worth more than the largest number a double holds/,
    );
  });

  it('a rebalance fill past what a book holds (1e300) stops the run, not a journal that lies', () => {
    // At bar 2's close of 1e4 the 1e304 units are worth 1e308 (a double holds it); the
    // rebalance to max_capital 1e9 sells them: 1e304 x 1e4 = 1e308 of notional, which the
    // tracker refuses (its limit is 1e300). Before, the fill was journaled and not applied.
    const config = onePortfolio({ kind: 'buy_and_hold', params: { weights: { X: 1 } } });
    const refused = createPriceData({
      timestamps: days(3),
      bars: { X: { close: [1e-300, 1e-300, 1e4] } },
    });
    expect(() => new PortfolioBacktestEngine(config).runColumnar(refused)).toThrow(
      /^the rebalance fill p:rb:0:0 \(sell 1e\+304 X at 10000\): .*must be <= 1e\+300/,
    );
    // From 1e-280: 1e284 units, worth 1e288 at 1e4, sold down to max_capital: equity 1e288.
    const fits = createPriceData({
      timestamps: days(3),
      bars: { X: { close: [1e-280, 1e-280, 1e4] } },
    });
    const result = new PortfolioBacktestEngine(config).runColumnar(fits);
    expect(result.curves.equity[2]! / 1e288).toBeCloseTo(1, 12);
    expect(result.summary.metrics.portfolio.rebalanceCount).toBe(1);
  });

  it('a benchmark past it stops the run too (its curve would be written as null)', () => {
    // The portfolio holds Y alone; the equal-weight benchmark holds 5,000 X bought at 1, worth
    // 5,000 x 1e305 = 5e308 at bar 1's close: past 1.8e308.
    const config = onePortfolio({ kind: 'buy_and_hold', params: { weights: { Y: 1 } } });
    const data = createPriceData({
      timestamps: days(3),
      bars: { X: { close: [1, 1e305, 1] }, Y: { close: [100, 101, 102] } },
    });
    expect(() => new PortfolioBacktestEngine(config).runColumnar(data)).toThrow(
      /^the benchmark \(equal-weight hold\) at 2020-09-14T12:26:40Z: worth Infinity, beyond the largest number a double holds/,
    );
  });
});
