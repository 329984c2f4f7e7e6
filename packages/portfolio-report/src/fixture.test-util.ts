// Test fixtures: a deterministic, self-consistent PortfolioBacktestResult of any size (seeded, no engine needed).
import {
  encodePortfolioConfig,
  parsePortfolioConfig,
  type EquityPoint,
  type Metrics,
  type PortfolioBacktestResult,
  type RebalanceRecord,
  type SkippedTrade,
} from '@njord/portfolio-contracts';
import { createNormal, createRandom } from '@njord/test-kit';

export interface FixtureOptions {
  /** Bars in the equity curve (>= 0). */
  readonly bars: number;
  /** Number of strategies (default 3: the example portfolio's three). */
  readonly strategies?: number;
  /** Symbols each strategy holds (default 1). */
  readonly symbolsPerStrategy?: number;
  /** Symbols in the data (default: as many as strategies). */
  readonly symbolCount?: number;
  /** A frequency rebalance every this many bars (default 1: every bar); 0 = threshold only. */
  readonly rebalanceEvery?: number;
  /** Relative drift threshold (default 0.05). */
  readonly threshold?: number;
  /** Bar spacing: 86400 (default) gives weekdays from 2000-01-03; anything else is continuous from 2020. */
  readonly barSeconds?: number;
  readonly seed?: number;
  readonly description?: string;
  readonly portfolioId?: string;
  readonly initialCapital?: number;
  /** Standard deviation of a bar's log return (default 0.012). */
  readonly volatility?: number;
  /** Adds a netted fill to the first rebalance and leaves the last rebalance's first trade unfilled. */
  readonly exerciseStatuses?: boolean;
  /**
   * A risk-adjusted run: the config gets `risk_adjustment`, every point records
   * `base_targets` (the config's weights x equity) and its `targets` (which drift and the
   * rebalances follow) use tilted weights, `w_i e^{a sin(2 pi k / 60 + 2 pi i / n)}`
   * normalized, `k` = bar / adjustEveryBars rounded down, `a` = `tiltAmplitude`.
   */
  readonly baseTargets?: boolean;
  /** Bars between two risk adjustments (default 5). */
  readonly adjustEveryBars?: number;
  /** Default 0.5. */
  readonly tiltAmplitude?: number;
}

/** The fixture's risk-adjusted weights at bar `t` (see `FixtureOptions.baseTargets`). */
export function tiltFixtureWeights(
  weights: readonly number[],
  t: number,
  adjustEveryBars: number,
  amplitude: number,
): number[] {
  const step = Math.floor(t / adjustEveryBars);
  const n = weights.length;
  const raw = weights.map(
    (w, i) => w * Math.exp(amplitude * Math.sin((2 * Math.PI * step) / 60 + (2 * Math.PI * i) / n)),
  );
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((value) => value / sum);
}

const STRATEGY_IDS = ['trendline_break_v1', 'rsi_tema_bb_v1', 'momentum_v1'];
const SYMBOLS = ['SPX', 'NDX', 'RUT', 'DJI', 'GLD', 'TLT', 'EEM', 'VNQ'];
const EXPOSURES = [0.95, 0.7, 1.1];
const COMMISSION_BPS = 1;
const COMMISSION_MIN = 0.5;
const SLIPPAGE_BPS = 2;
const MIN_TRADE_VALUE = 10;
const DAY_NS = 86_400_000_000_000n;

function barTimes(bars: number, barSeconds: number): bigint[] {
  const times: bigint[] = [];
  if (barSeconds === 86_400) {
    let day = BigInt(Date.UTC(2000, 0, 3)) * 1_000_000n;
    while (times.length < bars) {
      const weekday = new Date(Number(day / 1_000_000n)).getUTCDay();
      if (weekday !== 0 && weekday !== 6) times.push(day);
      day += DAY_NS;
    }
    return times;
  }
  const start = BigInt(Date.UTC(2020, 0, 1)) * 1_000_000n;
  for (let i = 0; i < bars; i++)
    times.push(start + BigInt(i) * BigInt(barSeconds) * 1_000_000_000n);
  return times;
}

interface MetricsInput {
  readonly equity: ArrayLike<number>;
  /** Capital moved in at each bar (sleeves), so returns are flow-adjusted. */
  readonly flows?: ArrayLike<number>;
  readonly times: readonly bigint[];
  readonly initial: number;
  readonly periodsPerYear: number;
  readonly traded: number;
  readonly costs: number;
  readonly rebalances: number;
}

/** The metrics of docs/metrics.md, computed plainly (the report only shows them). */
export function computeFixtureMetrics(input: MetricsInput): Metrics {
  const { flows, times, initial, periodsPerYear } = input;
  const n = input.equity.length;
  // With flows, the curve is the flow-adjusted index (capital moved in or out is not return).
  const equity = new Float64Array(n);
  const returns: number[] = [];
  let previous = initial;
  let level = initial;
  for (let t = 0; t < n; t++) {
    const value = input.equity[t] as number;
    const flow = flows ? (flows[t] as number) : 0;
    const r = previous > 0 ? (value - flow) / previous - 1 : 0;
    if (previous > 0) returns.push(r);
    level = flows ? level * (1 + r) : value;
    equity[t] = level;
    previous = value;
  }
  let peak = initial;
  let maxDrawdown = 0;
  let run = 0;
  let longest = 0;
  let runStart = 0;
  let longestDays = 0;
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const value = equity[t] as number;
    sum += input.equity[t] as number;
    if (value >= peak) {
      peak = value;
      run = 0;
    } else {
      if (run === 0) runStart = t;
      run++;
      if (run > longest) {
        longest = run;
        longestDays =
          Number(((times[t] as bigint) - (times[runStart] as bigint)) / 1_000_000n) / 86_400_000 +
          1;
      }
      maxDrawdown = Math.min(maxDrawdown, value / peak - 1);
    }
  }
  const last = n > 0 ? (equity[n - 1] as number) : initial;
  const totalReturn = initial > 0 ? last / initial - 1 : null;
  const spanDays =
    n > 1 ? Number(((times[n - 1] as bigint) - (times[0] as bigint)) / 1_000_000n) / 86_400_000 : 0;
  const cagr =
    totalReturn !== null && spanDays > 0 && last > 0
      ? (last / initial) ** (365.25 / spanDays) - 1
      : null;
  const mean = returns.reduce((a, b) => a + b, 0) / Math.max(1, returns.length);
  const variance =
    returns.length > 1
      ? returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1)
      : Number.NaN;
  const std = Math.sqrt(variance);
  const downside = Math.sqrt(
    returns.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / Math.max(1, returns.length),
  );
  const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);
  const meanEquity = n > 0 ? sum / n : 0;
  return {
    totalReturn,
    cagr,
    volatility: finite(std * Math.sqrt(periodsPerYear)),
    sharpe: std > 0 ? finite((mean / std) * Math.sqrt(periodsPerYear)) : null,
    sortino: downside > 0 ? finite((mean / downside) * Math.sqrt(periodsPerYear)) : null,
    maxDrawdown: n > 0 ? maxDrawdown : null,
    maxDrawdownDurationBars: n > 0 ? longest : null,
    maxDrawdownDurationDays: n > 0 ? longestDays : null,
    calmar: cagr !== null && maxDrawdown < 0 ? cagr / Math.abs(maxDrawdown) : null,
    turnover: meanEquity > 0 ? input.traded / (2 * meanEquity) : null,
    costs: input.costs,
    rebalanceCount: input.rebalances,
  };
}

function hex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/**
 * A consistent result: sleeves hold their symbols between rebalances; a rebalance
 * scales each sleeve's positions by target / capital, pays commission and slippage
 * out of the sleeve, skips trades below min_trade_value; contributions follow
 * docs/metrics.md and so sum to the total return; baseline, benchmark and stand-alone runs
 * are simulated on the same prices.
 */
export function makeBacktestResult(options: FixtureOptions): PortfolioBacktestResult {
  const bars = options.bars;
  const strategyCount = options.strategies ?? 3;
  const symbolCount = options.symbolCount ?? Math.max(1, Math.min(strategyCount, SYMBOLS.length));
  const perStrategy = Math.min(options.symbolsPerStrategy ?? 1, symbolCount);
  const rebalanceEvery = options.rebalanceEvery ?? 1;
  const threshold = options.threshold ?? 0.05;
  const barSeconds = options.barSeconds ?? 86_400;
  const random = createRandom(options.seed ?? 1);
  const normal = createNormal(random);
  const volatility = options.volatility ?? 0.012;
  const initial = options.initialCapital ?? 50_000;
  const portfolioId = options.portfolioId ?? 'multi_strategy_v1';
  const withBase = options.baseTargets ?? false;
  const adjustEveryBars = options.adjustEveryBars ?? 5;
  const tiltAmplitude = options.tiltAmplitude ?? 0.5;

  const ids = Array.from(
    { length: strategyCount },
    (_, i) => STRATEGY_IDS[i] ?? `strategy_${i + 1}`,
  );
  const symbols = Array.from({ length: symbolCount }, (_, s) => SYMBOLS[s] ?? `SYM${s + 1}`);
  const weights =
    strategyCount === 3
      ? [0.4, 0.35, 0.25]
      : Array.from({ length: strategyCount }, () => 1 / strategyCount);
  const holdings = ids.map((_, i) =>
    Array.from({ length: perStrategy }, (_, j) => (i + j) % symbolCount),
  );
  const exposure = ids.map((_, i) => EXPOSURES[i % EXPOSURES.length] as number);

  const config = parsePortfolioConfig({
    portfolio: {
      id: portfolioId,
      ...(options.description === undefined ? {} : { description: options.description }),
      total_capital: initial,
      rebalance_threshold: threshold,
      ...(rebalanceEvery > 0
        ? { rebalance_frequency_hours: (rebalanceEvery * barSeconds) / 3600 }
        : {}),
      costs: {
        commission_bps: COMMISSION_BPS,
        commission_min: COMMISSION_MIN,
        slippage_bps: SLIPPAGE_BPS,
      },
      min_trade_value: MIN_TRADE_VALUE,
      ...(withBase
        ? {
            risk_adjustment: {
              method: 'sharpe_drawdown',
              lookback_period_days: 90,
              adjustment_sensitivity: 0.5,
              adjust_every_hours: (adjustEveryBars * barSeconds) / 3600,
            },
          }
        : {}),
      allocations: ids.map((id, i) => ({
        strategy_id: id,
        target_weight: weights[i],
        min_capital: Math.round(initial * (weights[i] as number) * 0.2),
        max_capital: 1e9,
        risk_multiplier: 1,
        ...(i === 0
          ? {}
          : {
              strategy: {
                kind: 'fixed_weights',
                symbols: holdings[i]?.map((s) => symbols[s]),
                params: { weights: {} },
              },
            }),
      })),
    },
  });

  const times = barTimes(bars, barSeconds);
  const prices = symbols.map((_, s) => 100 * (1 + s));
  const drifts = symbols.map((_, s) => ((0.0003 - 0.0001 * (s % 3)) * barSeconds) / 86_400);

  // Portfolio sleeves, never-rebalanced sleeves (baseline and stand-alone), benchmark.
  const units = ids.map((_, i) => holdings[i]!.map(() => 0));
  const cash = ids.map(() => 0);
  const baseUnits = ids.map((_, i) => holdings[i]!.map(() => 0));
  const baseCash = ids.map(() => 0);
  const benchmarkUnits = symbols.map(() => 0);
  const capitalOf = (i: number, u: number[][], c: number[]): number =>
    holdings[i]!.reduce((total, s, j) => total + u[i]![j]! * prices[s]!, c[i]!);

  const equityCurve: EquityPoint[] = [];
  const rebalances: RebalanceRecord[] = [];
  const portfolioEquity = new Float64Array(bars);
  const baselineEquity = new Float64Array(bars);
  const benchmarkEquity = new Float64Array(bars);
  const sleeveEquity = ids.map(() => new Float64Array(bars));
  const sleeveFlows = ids.map(() => new Float64Array(bars));
  const standaloneEquity = ids.map(() => new Float64Array(bars));
  const contribution = ids.map(() => 0);
  const sleeveTraded = ids.map(() => 0);
  const sleeveCosts = ids.map(() => 0);
  let traded = 0;
  let totalCosts = 0;
  let lastRebalance = 0;

  for (let t = 0; t < bars; t++) {
    if (t > 0) {
      for (let s = 0; s < symbolCount; s++)
        prices[s] = prices[s]! * Math.exp(drifts[s]! + volatility * normal());
    } else {
      // Funding: every sleeve gets its target and buys its exposure (not a rebalance).
      ids.forEach((_, i) => {
        const capital = initial * weights[i]!;
        const perSymbol = (capital * exposure[i]!) / holdings[i]!.length;
        holdings[i]!.forEach((s, j) => {
          units[i]![j] = perSymbol / prices[s]!;
          baseUnits[i]![j] = perSymbol / prices[s]!;
        });
        cash[i] = capital - perSymbol * holdings[i]!.length;
        baseCash[i] = cash[i]!;
      });
      symbols.forEach((_, s) => (benchmarkUnits[s] = initial / symbolCount / prices[s]!));
    }
    const before = ids.map((_, i) => capitalOf(i, units, cash));
    const equity = before.reduce((a, b) => a + b, 0);
    const baseTargets = ids.map((_, i) => weights[i]! * equity);
    const active = withBase
      ? tiltFixtureWeights(weights, t, adjustEveryBars, tiltAmplitude)
      : weights;
    const targets = ids.map((_, i) => active[i]! * equity);
    const drift = ids.map((_, i) => (before[i]! - targets[i]!) / targets[i]!);
    const transfers = ids.map(() => 0);
    const breached = drift.some((d) => Math.abs(d) > threshold);
    const due = rebalanceEvery > 0 && t - lastRebalance >= rebalanceEvery;
    if (t > 0 && (breached || due)) {
      lastRebalance = t;
      const planId = `${portfolioId}:plan:${String(rebalances.length + 1).padStart(6, '0')}`;
      const timestampNs = times[t]!;
      const trades: RebalanceRecord['trades'][number][] = [];
      const fills: RebalanceRecord['fills'][number][] = [];
      const skipped: SkippedTrade[] = [];
      let estimated = 0;
      ids.forEach((id, i) => {
        const scale = targets[i]! / before[i]!;
        transfers[i] = targets[i]! - before[i]!;
        cash[i] = cash[i]! + transfers[i];
        holdings[i]!.forEach((s, j) => {
          const quantity = (scale - 1) * units[i]![j]!;
          const notional = Math.abs(quantity) * prices[s]!;
          if (quantity === 0) return;
          if (notional < MIN_TRADE_VALUE) {
            skipped.push({
              strategyId: id,
              symbol: symbols[s]!,
              quantity,
              reason: 'below_min_trade_value',
            });
            return;
          }
          const commission = Math.max(COMMISSION_MIN, (COMMISSION_BPS * notional) / 1e4);
          const slippage = (SLIPPAGE_BPS * notional) / 1e4;
          units[i]![j] = units[i]![j]! + quantity;
          cash[i] = cash[i]! - quantity * prices[s]! - commission - slippage;
          const intentId = `${planId}:${trades.length + 1}`;
          trades.push({
            intentId,
            planId,
            portfolioId,
            strategyId: id,
            symbol: symbols[s]!,
            side: quantity > 0 ? 'buy' : 'sell',
            quantity: Math.abs(quantity),
            referencePrice: prices[s]!,
            timestampNs,
            commission,
            slippage,
          });
          fills.push({ intentId, fillPrice: prices[s]!, commission, slippage });
          estimated += commission + slippage;
          traded += notional;
          sleeveTraded[i] = sleeveTraded[i]! + notional;
          sleeveCosts[i] = sleeveCosts[i]! + commission + slippage;
        });
      });
      totalCosts += estimated;
      const after = ids.map((_, i) => capitalOf(i, units, cash));
      rebalances.push({
        planId,
        portfolioId,
        timestampNs,
        reason: breached ? 'threshold' : 'frequency',
        transfers: Object.fromEntries(ids.map((id, i) => [id, transfers[i]!])),
        trades,
        skipped,
        expectedDriftReduction: Object.fromEntries(
          ids.map((id, i) => [
            id,
            Math.abs(drift[i]!) - Math.abs((after[i]! - targets[i]!) / targets[i]!),
          ]),
        ),
        estimatedCosts: estimated,
        fills,
      });
    }
    const capital = ids.map((_, i) => capitalOf(i, units, cash));
    const total = capital.reduce((a, b) => a + b, 0);
    ids.forEach((_, i) => {
      if (t > 0)
        contribution[i] =
          contribution[i]! + (capital[i]! - transfers[i]! - sleeveEquity[i]![t - 1]!) / initial;
      sleeveEquity[i]![t] = capital[i]!;
      sleeveFlows[i]![t] = t === 0 ? 0 : transfers[i]!;
      const base = capitalOf(i, baseUnits, baseCash);
      standaloneEquity[i]![t] = (base / (initial * weights[i]!)) * initial;
    });
    portfolioEquity[t] = total;
    baselineEquity[t] = ids.reduce((a, _, i) => a + capitalOf(i, baseUnits, baseCash), 0);
    benchmarkEquity[t] = symbols.reduce((a, _, s) => a + benchmarkUnits[s]! * prices[s]!, 0);
    equityCurve.push({
      timestampNs: times[t]!,
      equity: total,
      cash: cash.reduce((a, b) => a + b, 0),
      unallocated: 0,
      strategies: Object.fromEntries(ids.map((id, i) => [id, capital[i]!])),
      targets: Object.fromEntries(ids.map((id, i) => [id, targets[i]!])),
      ...(withBase
        ? { baseTargets: Object.fromEntries(ids.map((id, i) => [id, baseTargets[i]!])) }
        : {}),
      drift: Object.fromEntries(ids.map((id, i) => [id, drift[i]!])),
    });
  }

  if (options.exerciseStatuses && rebalances.length > 0) {
    const first = rebalances[0]!;
    const trade = first.trades[0];
    if (trade) {
      rebalances[0] = {
        ...first,
        internalFills: [
          {
            fillId: `${first.planId}:net:1`,
            strategyId: trade.strategyId,
            symbol: trade.symbol,
            side: trade.side === 'buy' ? 'sell' : 'buy',
            quantity: trade.quantity / 2,
            price: trade.referencePrice,
            fee: 0,
            timestampNs: trade.timestampNs,
            portfolioId,
          },
        ],
        nettingSavings: 0.25,
      };
    }
    const lastIndex = rebalances.length - 1;
    const last = rebalances[lastIndex]!;
    rebalances[lastIndex] = { ...last, fills: last.fills.slice(1) };
  }

  const periodsPerYear = barSeconds === 86_400 ? 252 : Math.round((252 * 23_400) / barSeconds);
  const shared = { times, initial, periodsPerYear };
  const curveOf = (values: Float64Array): { timestampNs: bigint; equity: number }[] =>
    Array.from(values, (equity, t) => ({ timestampNs: times[t]!, equity }));
  const random2 = createRandom((options.seed ?? 1) + 7);
  const metricsOf = (
    values: Float64Array,
    extra: Pick<MetricsInput, 'traded' | 'costs' | 'rebalances'>,
  ): Metrics => computeFixtureMetrics({ equity: values, ...shared, ...extra });
  return {
    portfolioId,
    config: encodePortfolioConfig(config).portfolio as PortfolioBacktestResult['config'],
    data: {
      path: 'data/spx-daily.csv',
      sha256: hex(random2, 64),
      symbols,
      bars: bars * symbolCount,
    },
    versions: { '@njord/portfolio-backtest': '0.1.0', '@njord/portfolio-contracts': '0.1.0' },
    start: times[0] ?? 0n,
    end: times[bars - 1] ?? 0n,
    initialCapital: initial,
    finalEquity: bars > 0 ? portfolioEquity[bars - 1]! : initial,
    equityCurve,
    rebalances,
    metrics: {
      portfolio: metricsOf(portfolioEquity, {
        traded,
        costs: totalCosts,
        rebalances: rebalances.length,
      }),
      baseline: metricsOf(baselineEquity, { traded: 0, costs: 0, rebalances: 0 }),
      benchmark: metricsOf(benchmarkEquity, { traded: 0, costs: 0, rebalances: 0 }),
      strategies: Object.fromEntries(
        ids.map((id, i) => [
          id,
          computeFixtureMetrics({
            equity: sleeveEquity[i]!,
            flows: sleeveFlows[i]!,
            times,
            initial: initial * weights[i]!,
            periodsPerYear,
            traded: sleeveTraded[i]!,
            costs: sleeveCosts[i]!,
            rebalances: rebalances.length,
          }),
        ]),
      ),
    },
    contribution: Object.fromEntries(ids.map((id, i) => [id, contribution[i]!])),
    baseline: { equityCurve: curveOf(baselineEquity) },
    benchmark: { equityCurve: curveOf(benchmarkEquity) },
    standalone: Object.fromEntries(
      ids.map((id, i) => [
        id,
        {
          equityCurve: curveOf(standaloneEquity[i]!),
          metrics: metricsOf(standaloneEquity[i]!, { traded: 0, costs: 0, rebalances: 0 }),
        },
      ]),
    ),
    stats: {
      bars,
      barEvents: bars * symbolCount,
      loadMs: 42,
      runMs: 1234,
      barEventsPerSecond: Math.round((bars * symbolCount) / 1.234),
    },
  };
}
