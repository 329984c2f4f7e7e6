// Rebalancing to the band edge against rebalancing to target, side by side, on the shipped
// S&P 500 daily data with the example portfolio's strategies: turnover, costs, rebalances and
// how closely the sleeves track their targets. Prints figures (quoted in the rebalancer README).
// Run: pnpm --filter @njord/portfolio-backtest exec tsx bench/band-edge.bench.ts
import { fileURLToPath } from 'node:url';
import {
  parsePortfolioConfig,
  type PortfolioBacktestResult,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import { PortfolioBacktestEngine } from '../src/index.js';
import { loadPriceCsv } from '../src/node/index.js';

const dataPath = fileURLToPath(new URL('../../../data/spx-daily.csv', import.meta.url));

function configFor(rebalanceTo: 'target' | 'band_edge', frequencyHours?: number): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: `compare_${rebalanceTo}`,
      total_capital: 50_000,
      rebalance_threshold: 0.05,
      ...(frequencyHours === undefined ? {} : { rebalance_frequency_hours: frequencyHours }),
      rebalance_to: rebalanceTo,
      costs: { commission_bps: 5, commission_min: 0, slippage_bps: 5 },
      allocations: [
        {
          strategy_id: 'trendline_break_v1',
          target_weight: 0.4,
          min_capital: 10_000,
          max_capital: 30_000,
        },
        {
          strategy_id: 'rsi_tema_bb_v1',
          target_weight: 0.35,
          min_capital: 10_000,
          max_capital: 25_000,
        },
        {
          strategy_id: 'momentum_v1',
          target_weight: 0.25,
          min_capital: 5_000,
          max_capital: 20_000,
        },
      ],
    },
  });
}

/**
 * Tracking of the targets over the run: per bar, half the sum over sleeves of
 * |capital - target| / equity (the share of equity that sits in the wrong sleeve), as a mean
 * and a maximum over the bars.
 */
function tracking(result: PortfolioBacktestResult): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (const point of result.equityCurve) {
    let gap = 0;
    for (const id of Object.keys(point.targets))
      gap += Math.abs((point.strategies[id] ?? 0) - (point.targets[id] ?? 0));
    const share = point.equity > 0 ? gap / (2 * point.equity) : 0;
    sum += share;
    max = Math.max(max, share);
  }
  return { mean: sum / Math.max(1, result.equityCurve.length), max };
}

/** What the rebalances alone traded (notional of their fills) and cost, and capital moved. */
function rebalanceActivity(result: PortfolioBacktestResult): {
  traded: number;
  costs: number;
  moved: number;
} {
  let traded = 0;
  let costs = 0;
  let moved = 0;
  for (const plan of result.rebalances) {
    const quantity = new Map(plan.trades.map((t) => [t.intentId, t.quantity]));
    for (const fill of plan.fills) {
      traded += Math.abs((quantity.get(fill.intentId) ?? 0) * fill.fillPrice);
      costs += fill.commission + fill.slippage;
    }
    for (const amount of Object.values(plan.transfers)) if (amount > 0) moved += amount;
  }
  return { traded, costs, moved };
}

const loaded = await loadPriceCsv(dataPath);
if (!loaded.success) throw loaded.error;
const data = loaded.data.data;

const pct = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
for (const frequency of [undefined, 24 * 30]) {
  console.log(
    `\nthreshold 0.05${frequency === undefined ? '' : `, rebalance_frequency_hours ${frequency}`}; costs 5 + 5 bps; ${data.steps} bars`,
  );
  console.log(
    'rebalance_to | rebalances | fallbacks | rebalance traded | rebalance costs | moved      | tracking mean | tracking max | total return | sharpe',
  );
  for (const mode of ['target', 'band_edge'] as const) {
    const result = new PortfolioBacktestEngine(configFor(mode, frequency)).run(data);
    const m = result.metrics.portfolio;
    const fallbacks = result.rebalances.filter((r) => r.fallback === true).length;
    const track = tracking(result);
    const activity = rebalanceActivity(result);
    console.log(
      [
        mode.padEnd(12),
        String(result.rebalances.length).padStart(10),
        String(fallbacks).padStart(9),
        activity.traded.toFixed(0).padStart(16),
        activity.costs.toFixed(2).padStart(15),
        activity.moved.toFixed(0).padStart(10),
        pct(track.mean, 3).padStart(13),
        pct(track.max, 3).padStart(12),
        pct(m.totalReturn).padStart(12),
        (m.sharpe ?? 0).toFixed(3).padStart(6),
      ].join(' | '),
    );
  }
}
