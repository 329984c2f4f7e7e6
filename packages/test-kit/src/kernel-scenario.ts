// The random scenario of the kernel parity properties (the kernel's backtest path against its
// event path, and the backtest's use of the kernel against the live loop's): a three-sleeve
// portfolio on two symbols with costs, lot rounding and a time trigger, and clock ticks that
// move prices and bring trades.
import fc from 'fast-check';

export const SCENARIO_SYMBOLS = ['X', 'Y'] as const;
export const SCENARIO_IDS = ['A', 'B', 'C'] as const;
/** Each symbol's first price; a tick's moves multiply the last one. */
export const SCENARIO_FIRST_PRICES = [100, 50] as const;

/** The scenario's portfolio in wire form (`{portfolio: ...}`), under `id`. */
export function scenarioPortfolioWire(id: string) {
  return {
    portfolio: {
      id,
      total_capital: 100_000,
      rebalance_threshold: 0.05,
      rebalance_frequency_hours: 6,
      min_trade_value: 5,
      costs: { commission_bps: 2, commission_min: 0.5, slippage_bps: 1 },
      instruments: { X: { lot_size: 0.5, min_notional: 10 } },
      allocations: [
        { strategy_id: 'A', target_weight: 0.5, min_capital: 10_000, max_capital: 80_000 },
        { strategy_id: 'B', target_weight: 0.3, min_capital: 0, max_capital: 50_000 },
        { strategy_id: 'C', target_weight: 0.2, min_capital: 0, max_capital: 40_000 },
      ],
    },
  };
}

/** A strategy's trade: `symbol` an index into SCENARIO_SYMBOLS, `quantity` signed. */
export const scenarioTrade = fc.record({
  strategy: fc.constantFrom(...SCENARIO_IDS),
  symbol: fc.integer({ min: 0, max: SCENARIO_SYMBOLS.length - 1 }),
  quantity: fc.double({ min: -50, max: 50, noNaN: true }).filter((q) => Math.abs(q) > 1e-6),
  fee: fc.double({ min: 0, max: 5, noNaN: true }),
});

/** One clock tick: 1 to 4 hours on, maybe a new price per symbol (a factor on the last), then trades. */
export const scenarioTick = fc.record({
  hours: fc.integer({ min: 1, max: 4 }),
  moves: fc.option(
    fc.tuple(
      fc.double({ min: 0.8, max: 1.25, noNaN: true }),
      fc.double({ min: 0.8, max: 1.25, noNaN: true }),
    ),
    { nil: undefined },
  ),
  trades: fc.array(scenarioTrade, { maxLength: 3 }),
});

export type ScenarioTick = typeof scenarioTick extends fc.Arbitrary<infer T> ? T : never;
