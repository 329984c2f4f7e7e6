// Engine throughput: 3 strategies x 10 symbols x 100,000 bars of synthetic data, in
// bar-events per second and peak memory, beside a plain typed-array loop that does the
// same per-bar accounting with one polymorphic onBar call per strategy. Prints figures.
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { generateSyntheticData } from '../src/synthetic-data.js';
import { createStrategyRegistry } from '../src/strategy-registry.js';
import { createBarContext, type Strategy } from '../src/strategy.js';
import { simulate } from '../src/engine/simulate.js';
import type { PriceData } from '../src/price-data.js';

const SYMBOLS = Number(process.env.BENCH_SYMBOLS ?? 10);
const BARS = Number(process.env.BENCH_BARS ?? 100_000);
const HOUR_NS = 3_600_000_000_000n;

const data = generateSyntheticData({
  symbols: SYMBOLS,
  bars: BARS,
  seed: 7,
  stepNs: HOUR_NS,
  barsPerYear: 252 * 7,
});
const config = parsePortfolioConfig({
  portfolio: {
    id: 'bench',
    total_capital: 1_000_000,
    rebalance_threshold: 0.05,
    rebalance_frequency_hours: 24 * 7,
    allocations: [
      {
        strategy_id: 'trend',
        target_weight: 0.4,
        min_capital: 0,
        max_capital: 1e9,
        strategy: { kind: 'trendline_break' },
      },
      {
        strategy_id: 'mean_revert',
        target_weight: 0.35,
        min_capital: 0,
        max_capital: 1e9,
        strategy: { kind: 'rsi_tema_bb' },
      },
      {
        strategy_id: 'momentum',
        target_weight: 0.25,
        min_capital: 0,
        max_capital: 1e9,
        strategy: { kind: 'momentum' },
      },
    ],
  },
});

function resolve(): Strategy[] {
  const registry = createStrategyRegistry();
  return config.allocations.map((allocation, i) => {
    const r = registry.resolveStrategy(allocation, data.symbols, { allocationIndex: i });
    if (!r.success) throw r.error;
    return r.data;
  });
}

/**
 * The reference: per bar, mark every symbol, call each strategy once, move each sleeve
 * to its targets in plain arrays (units = exposure x capital / price), and sum equity.
 */
function plainLoop(d: PriceData): number {
  const strategies = resolve();
  const contexts = strategies.map((s) => createBarContext(d, s.symbols));
  const symbolIndex = strategies.map((s) =>
    Int32Array.from(s.symbols, (sym) => d.symbolIndex(sym)),
  );
  const n = strategies.length;
  const m = d.symbols.length;
  const cash = Float64Array.from(config.allocations, (a) => a.targetWeight * config.totalCapital);
  const units = strategies.map(() => new Float64Array(m));
  const marks = new Float64Array(m);
  let equity = 0;
  for (let t = 0; t < d.steps; t++) {
    for (let s = 0; s < m; s++) {
      const c = (d.close[s] as Float64Array)[t] as number;
      if (c === c) marks[s] = c;
    }
    equity = 0;
    for (let k = 0; k < n; k++) {
      const u = units[k] as Float64Array;
      let capital = cash[k] as number;
      for (let s = 0; s < m; s++) capital += (u[s] as number) * (marks[s] as number);
      const wanted = (strategies[k] as Strategy).onBar(
        (contexts[k] as ReturnType<typeof createBarContext>).moveTo(t),
      );
      if (wanted !== undefined) {
        const strategy = strategies[k] as Strategy;
        const idx = symbolIndex[k] as Int32Array;
        for (let j = 0; j < idx.length; j++) {
          const exposure = wanted[strategy.symbols[j] as string];
          if (exposure === undefined) continue;
          const s = idx[j] as number;
          const price = marks[s] as number;
          if (!(price > 0)) continue;
          const target = (exposure * capital) / price;
          cash[k] = (cash[k] as number) - (target - (u[s] as number)) * price;
          u[s] = target;
        }
      }
      equity += capital;
    }
  }
  return equity;
}

function engineRun(d: PriceData): number {
  const out = simulate({
    config,
    strategies: resolve(),
    data: d,
    firstStep: 0,
    lastStep: d.steps - 1,
    mode: 'rebalance',
    fillModel: 'close',
    costs: config.costs,
  });
  return out.equity[out.equity.length - 1] as number;
}

function time(label: string, fn: () => number): number {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const value = fn();
  const ms = performance.now() - started;
  const perSecond = (data.barEvents / ms) * 1000;
  console.log(
    `${label.padEnd(12)} ${ms.toFixed(0).padStart(7)} ms  ${(perSecond / 1e6).toFixed(2).padStart(6)}M bar-events/s  rss +${((process.memoryUsage().rss - before) / 2 ** 20).toFixed(0)} MB  (final equity ${value.toFixed(0)})`,
  );
  return ms;
}

console.log(
  `${SYMBOLS} symbols x ${BARS} bars = ${data.barEvents} bar-events, 3 strategies; columnar data ${(data.byteLength / 2 ** 20).toFixed(1)} MB`,
);
const plain: number[] = [];
const engine: number[] = [];
for (let round = 0; round < 3; round++) {
  plain.push(time('plain loop', () => plainLoop(data)));
  engine.push(time('engine', () => engineRun(data)));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(
  `engine / plain loop (median of 3): ${(median(engine) / median(plain)).toFixed(2)}x (goal <= 1.5x); peak rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB (goal < 2 x data + 100 MB = ${((2 * data.byteLength) / 2 ** 20 + 100).toFixed(0)} MB)`,
);
