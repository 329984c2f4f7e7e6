// Turns a PortfolioBacktestResult into the compact, columnar data the report's charts and tables draw.
import { REBALANCE_REASONS, SKIP_REASONS } from '@njord/portfolio-contracts/core';
import type {
  BreakerRecord,
  PortfolioBacktestResult,
  RebalanceRecord,
} from '@njord/portfolio-contracts';
import { calculateDrawdownSeries } from '@njord/portfolio-risk/stats';
import { type CurveView, type ReportCurves, viewOfCurves, viewOfResult } from './curve-view.js';
import { downsampleMinMax } from './downsample.js';
import { pickStrategyColor, REPORT_COLORS } from './palette.js';

/** Default `maxPoints`: about two points per pixel column of a wide chart. */
export const DEFAULT_MAX_POINTS = 2000;

/** Default `maxRebalances`: rows of the rebalance table the report embeds. */
export const DEFAULT_MAX_REBALANCES = 20_000;
/** Default `maxTradeRows`: rows of the trade table the report embeds. */
export const DEFAULT_MAX_TRADE_ROWS = 100_000;

export interface ReportDataOptions {
  /** The most points one series keeps before min-max downsampling kicks in (>= 16). */
  readonly maxPoints?: number;
  /** The report lists the first this many rebalances (the rest are counted, not listed). */
  readonly maxRebalances?: number;
  /**
   * Trade rows listed: whole rebalances' rows, in time order, while they fit; later
   * rebalances are listed without their rows.
   */
  readonly maxTradeRows?: number;
  /**
   * The result's rebalances, in time order, read once, when they are not in
   * `result.rebalances` (a long run keeps them in a file): a report of any length without
   * holding them all.
   */
  readonly rebalances?: Iterable<RebalanceRecord>;
}

/** What the report's tables leave out past their limits (the result files hold it all). */
export interface ReportOmissions {
  readonly rebalances: number;
  readonly totalRebalances: number;
  /** Trade rows of listed rebalances beyond maxTradeRows, plus those of unlisted ones. */
  readonly tradeRows: number;
  readonly totalTradeRows: number;
}

/** A value per kept point; null where the series has no value (before its first bar). */
export type SeriesValues = (number | null)[];

export interface EquityChartData {
  /** Index into `ReportData.times`. */
  readonly times: number;
  readonly portfolio: SeriesValues;
  readonly baseline: SeriesValues;
  readonly benchmark: SeriesValues;
  /** Per strategy (in `strategies` order): the strategy alone with the whole capital. */
  readonly standalone: SeriesValues[];
  /** Every plotted equity is > 0, so a log scale can show them all. */
  readonly logScaleAvailable: boolean;
}

export interface DrawdownChartData {
  readonly times: number;
  readonly portfolio: SeriesValues;
  readonly baseline: SeriesValues;
  readonly benchmark: SeriesValues;
}

export interface AllocationChartData {
  readonly times: number;
  /** Per strategy: sleeve capital after the bar's trades. */
  readonly capital: SeriesValues[];
  /** Per strategy: target capital. */
  readonly targets: SeriesValues[];
  /** Unallocated cash, or null when it is zero throughout. */
  readonly unallocated: SeriesValues | null;
}

/**
 * Risk-adjusted targets against their base (only when the curve records `base_targets`):
 * each as a share of the portfolio's equity at the bar, so the base reads as the config's
 * weights (where no bound binds) and the adjusted line shows how far the adjustment moved it.
 */
export interface TargetsChartData {
  readonly times: number;
  /** Per strategy: the risk-adjusted target (what drift is measured against) / equity. */
  readonly adjusted: SeriesValues[];
  /** Per strategy: the base target (the config's weights, water-filled) / equity. */
  readonly base: SeriesValues[];
}

export interface DriftChartData {
  readonly times: number;
  /** Per strategy: drift as the trigger saw it (before the bar's rebalance). */
  readonly drift: SeriesValues[];
}

/** One entry per rebalance, in time order (columnar). */
export interface RebalanceColumns {
  /** Seconds since the epoch (millisecond precision). */
  readonly time: number[];
  /** Index into `REBALANCE_REASONS` (`threshold`, `frequency`, `breaker`). */
  readonly reason: number[];
  /** Plan ids are `planIdPrefix + planIdSuffix[i]` (the longest common prefix, stored once). */
  readonly planIdPrefix: string;
  readonly planIdSuffix: string[];
  /** Rows in the trade table: planned trades, then netted fills, then skipped trades. */
  readonly rows: number[];
  readonly trades: number[];
  readonly skipped: number[];
  /** Capital moved between sleeves: the sum of the positive transfers. */
  readonly moved: number[];
  /** Sum of |quantity x fill price| over the filled trades. */
  readonly traded: number[];
  /** The largest |drift| on that bar, as the trigger saw it; null when the bar is not in the curve. */
  readonly maxDrift: (number | null)[];
  readonly estimatedCost: number[];
  /** Commission + slippage of the fills. */
  readonly cost: number[];
}

/** Every row of every rebalance (columnar), grouped by rebalance in `RebalanceColumns` order. */
export interface TradeColumns {
  /** Index into `strategies`. */
  readonly strategy: number[];
  /** Index into `symbols`. */
  readonly symbol: number[];
  /** Signed: > 0 buys, < 0 sells. */
  readonly quantity: number[];
  readonly referencePrice: (number | null)[];
  readonly fillPrice: (number | null)[];
  readonly commission: number[];
  readonly slippage: number[];
  /** Index into `ReportData.statusLabels`. */
  readonly status: number[];
}

/** Breaker events in time order (columnar): trips, halts and resumes. */
export interface BreakerColumns {
  /** Seconds since the epoch (millisecond precision). */
  readonly time: number[];
  /** Index into `BREAKER_KINDS` (`breaker`, `halt`, `resume`). */
  readonly kind: number[];
  /** Index into `strategies`; -1 for the portfolio (a halt, or its resume). */
  readonly strategy: number[];
  /** The breaker or halt reason, or what resumed it (`timer`, `operator`). */
  readonly reason: string[];
  /** Below the peak when a drawdown limit tripped (negative); null otherwise. */
  readonly drawdown: (number | null)[];
}

/**
 * When each sleeve was paused (strategy index) and the portfolio halted (-1): from the trip
 * to the resume, or to the end of the run (`to` null).
 */
export interface PausedSpans {
  readonly strategy: number[];
  readonly from: number[];
  readonly to: (number | null)[];
}

/** The kinds of `BreakerColumns.kind`. */
export const BREAKER_KINDS: readonly string[] = ['breaker', 'halt', 'resume'];

export interface ReportColors {
  readonly portfolio: string;
  readonly baseline: string;
  readonly benchmark: string;
  readonly threshold: string;
  readonly frequency: string;
  /** A breaker trip (and a rebalance it caused), a halt, a resume. */
  readonly breaker: string;
  readonly halt: string;
  readonly resume: string;
  readonly unallocated: string;
  readonly target: string;
  readonly negative: string;
  readonly strategies: string[];
}

/** The JSON the report inlines (plain values only). */
export interface ReportData {
  readonly formatVersion: 1;
  readonly strategies: string[];
  readonly symbols: string[];
  readonly colors: ReportColors;
  readonly rebalanceThreshold: number | null;
  /** Some bar is not at 00:00 UTC: dates are shown with their time. */
  readonly intraday: boolean;
  /** Points in the equity curve, and how many each chart draws. */
  readonly bars: number;
  readonly maxPoints: number;
  /** Distinct x arrays (seconds since the epoch); the charts refer to them by index. */
  readonly times: number[][];
  readonly equity: EquityChartData;
  readonly drawdown: DrawdownChartData;
  readonly allocation: AllocationChartData;
  /** Present only when some bar of the curve records base targets (a risk-adjusted run). */
  readonly targets?: TargetsChartData;
  readonly drift: DriftChartData;
  readonly rebalanceReasons: string[];
  readonly rebalances: RebalanceColumns;
  readonly breakerKinds: string[];
  readonly breakers: BreakerColumns;
  readonly paused: PausedSpans;
  readonly trades: TradeColumns;
  readonly statusLabels: string[];
  /** Rows left out of the tables past their limits (zeros when nothing was). */
  readonly omitted: ReportOmissions;
}

export const TRADE_STATUS_LABELS: readonly string[] = [
  'filled',
  'unfilled',
  'netted',
  ...SKIP_REASONS.map((reason) => `skipped: ${reason}`),
];
const STATUS_FILLED = 0;
const STATUS_UNFILLED = 1;
const STATUS_NETTED = 2;
const STATUS_FIRST_SKIP = 3;

/** Nanoseconds to seconds, kept to the millisecond (what a chart axis or a table can show). */
export function toSeconds(timestampNs: bigint): number {
  return Number(timestampNs / 1_000_000n) / 1000;
}

/** Rounds to `digits` significant digits: well below what a chart or a table shows, much shorter JSON. */
export function roundSignificant(value: number, digits: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/**
 * The strategies in display order: the config's allocations, then any other id the
 * result names (equity curve, metrics, stand-alone runs, contributions, rebalances).
 */
export function listStrategies(result: PortfolioBacktestResult): string[] {
  const ends: string[] = [];
  const curve = result.equityCurve;
  for (const point of [curve[0], curve[curve.length - 1]]) {
    if (point) ends.push(...Object.keys(point.strategies));
  }
  return listStrategiesOf(result, ends);
}

function listStrategiesOf(result: PortfolioBacktestResult, curveIds: readonly string[]): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  const add = (id: string): void => {
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  };
  const allocations = result.config.allocations;
  if (Array.isArray(allocations)) {
    for (const allocation of allocations) {
      if (typeof allocation === 'object' && allocation !== null && !Array.isArray(allocation)) {
        const id = (allocation as Record<string, unknown>).strategy_id;
        if (typeof id === 'string') add(id);
      }
    }
  }
  for (const id of curveIds) add(id);
  for (const id of Object.keys(result.metrics.strategies)) add(id);
  for (const id of Object.keys(result.standalone)) add(id);
  for (const id of Object.keys(result.contribution)) add(id);
  for (const rebalance of result.rebalances) {
    for (const trade of rebalance.trades) add(trade.strategyId);
    for (const fill of rebalance.internalFills ?? []) add(fill.strategyId);
    for (const skipped of rebalance.skipped) add(skipped.strategyId);
  }
  for (const event of result.breakers ?? []) if (event.strategyId !== null) add(event.strategyId);
  return ids;
}

/**
 * Drawdown `E / running peak - 1`, the peak starting at `startPeak` (the initial capital, which
 * is E_0 of the returns), by the risk package's one definition, the one the metrics use: in
 * [-1, 0] (an equity at or below zero is -1); NaN stays NaN, and a peak <= 0 gives NaN.
 */
export function computeDrawdown(values: ArrayLike<number>, startPeak: number): Float64Array {
  if (!(startPeak > 0) || !Number.isFinite(startPeak)) {
    return new Float64Array(values.length).fill(Number.NaN);
  }
  return calculateDrawdownSeries(values, startPeak);
}

/** The first index whose time is >= `time` (binary search; `times.length` when none). */
function lowerBound(times: readonly bigint[], time: bigint): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((times[middle] as bigint) < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

function pick(values: ArrayLike<number>, indices: readonly number[], digits: number): SeriesValues {
  const out: SeriesValues = new Array<number | null>(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const value = values[indices[k] as number] as number;
    out[k] = Number.isFinite(value) ? roundSignificant(value, digits) : null;
  }
  return out;
}

function commonPrefix(values: readonly string[]): string {
  if (values.length === 0) return '';
  let prefix = values[0] as string;
  for (const value of values) {
    let length = 0;
    const limit = Math.min(prefix.length, value.length);
    while (length < limit && prefix.charCodeAt(length) === value.charCodeAt(length)) length++;
    prefix = prefix.slice(0, length);
    if (prefix.length === 0) break;
  }
  return prefix;
}

/** True when some point of the curve records `base_targets` (a run with `risk_adjustment`). */
export function hasBaseTargets(result: PortfolioBacktestResult): boolean {
  return result.equityCurve.some((point) => point.baseTargets !== undefined);
}

/** `target / equity` per bar; NaN where the target is missing or the equity is not positive. */
function shareOfEquity(targets: Float64Array, equity: Float64Array): Float64Array {
  const out = new Float64Array(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const value = equity[i] as number;
    out[i] = value > 0 ? (targets[i] as number) / value : Number.NaN;
  }
  return out;
}

const EQUITY_DIGITS = 8;
const FRACTION_DIGITS = 6;
const TABLE_DIGITS = 9;

/** Rows a rebalance adds to the trade table: planned trades, netted fills, skipped trades. */
function rowsOf(rebalance: RebalanceRecord): number {
  return (
    rebalance.trades.length + (rebalance.internalFills?.length ?? 0) + rebalance.skipped.length
  );
}

/** Breaker events as columns, and the spans each sleeve was paused or the portfolio halted. */
export function breakerColumns(
  events: readonly BreakerRecord[],
  strategyIndex: ReadonlyMap<string, number>,
): { breakers: BreakerColumns; paused: PausedSpans } {
  const sorted = [...events];
  sorted.sort((a, b) =>
    a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0,
  );
  const breakers: BreakerColumns = { time: [], kind: [], strategy: [], reason: [], drawdown: [] };
  const paused: PausedSpans = { strategy: [], from: [], to: [] };
  // The open span of each paused strategy (index into `paused`), -1 for the portfolio.
  const open = new Map<number, number>();
  for (const event of sorted) {
    const time = toSeconds(event.timestampNs);
    const strategy = event.strategyId === null ? -1 : (strategyIndex.get(event.strategyId) ?? -2);
    if (strategy === -2) continue;
    breakers.time.push(time);
    breakers.kind.push(BREAKER_KINDS.indexOf(event.type));
    breakers.strategy.push(strategy);
    breakers.reason.push(event.reason);
    breakers.drawdown.push(
      event.drawdown === null ? null : roundSignificant(event.drawdown, FRACTION_DIGITS),
    );
    if (event.type === 'resume') {
      const span = open.get(strategy);
      if (span !== undefined) {
        paused.to[span] = time;
        open.delete(strategy);
      }
    } else if (!open.has(strategy)) {
      open.set(strategy, paused.strategy.length);
      paused.strategy.push(strategy);
      paused.from.push(time);
      paused.to.push(null);
    }
  }
  return { breakers, paused };
}

function sortRebalances(rebalances: readonly RebalanceRecord[]): RebalanceRecord[] {
  const sorted = [...rebalances];
  // Array.prototype.sort is stable: rebalances at the same time keep their order.
  sorted.sort((a, b) =>
    a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0,
  );
  return sorted;
}

/**
 * The report's data: the curves aligned on the portfolio curve's bars, min-max
 * downsampled per chart (every rebalance bar kept), and every rebalance and trade row
 * in columns. Pure and deterministic.
 */
export function prepareReportData(
  result: PortfolioBacktestResult,
  options: ReportDataOptions = {},
): ReportData {
  return prepareFromView(result, viewOfResult(result), options);
}

/**
 * `prepareReportData` of a result whose curves are kept columnar: `summary` is the result
 * with empty curves (its rebalances, metrics and provenance are read), `curves` holds
 * them. Gives what `prepareReportData` gives for the same result with point objects,
 * without building them.
 */
export function prepareReportDataFromCurves(
  summary: PortfolioBacktestResult,
  curves: ReportCurves,
  options: ReportDataOptions = {},
): ReportData {
  return prepareFromView(summary, viewOfCurves(summary, curves), options);
}

/** The data of `result` (its rebalances, config, metrics) with the curves of `view`. */
export function prepareFromView(
  result: PortfolioBacktestResult,
  view: CurveView,
  options: ReportDataOptions = {},
): ReportData {
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  const maxRebalances = options.maxRebalances ?? DEFAULT_MAX_REBALANCES;
  const maxTradeRows = options.maxTradeRows ?? DEFAULT_MAX_TRADE_ROWS;
  if (!Number.isInteger(maxPoints) || maxPoints < 16) {
    throw new RangeError(`maxPoints must be an integer >= 16, got ${String(maxPoints)}`);
  }
  const strategies = listStrategiesOf(result, view.endIds);
  const strategyIndex = new Map(strategies.map((id, index) => [id, index]));
  const n = view.length;
  const timesNs = view.timesNs;
  const seconds = new Float64Array(n);
  let intraday = false;
  for (let i = 0; i < n; i++) {
    const time = timesNs[i] as bigint;
    seconds[i] = toSeconds(time);
    if (time % 86_400_000_000_000n !== 0n) intraday = true;
  }

  // Full-resolution series.
  const portfolio = view.equity;
  const baseline = view.baseline;
  const benchmark = view.benchmark;
  const standalone = strategies.map(
    (id) => view.standalone(id) ?? new Float64Array(n).fill(Number.NaN),
  );
  const capital = strategies.map((id) => view.series('strategies', id));
  const targets = strategies.map((id) => view.series('targets', id));
  const drift = strategies.map((id) => view.series('drift', id));
  const withBase = view.hasBase;
  const baseTargets = withBase ? strategies.map((id) => view.series('baseTargets', id)) : [];
  const unallocated = view.unallocated;
  const hasUnallocated = unallocated.some((value) => value !== 0);
  // Every id's drift (not only the listed strategies'), for a rebalance's largest |drift|.
  const driftOfAll = view.ids.map((id) => view.series('drift', id));
  const startPeak = result.initialCapital;
  const drawdowns = [portfolio, baseline, benchmark].map((values) =>
    computeDrawdown(values, startPeak),
  );

  const symbols: string[] = [...result.data.symbols];
  const symbolIndex = new Map(symbols.map((symbol, index) => [symbol, index]));
  const symbolOf = (symbol: string): number => {
    let index = symbolIndex.get(symbol);
    if (index === undefined) {
      index = symbols.length;
      symbols.push(symbol);
      symbolIndex.set(symbol, index);
    }
    return index;
  };
  const strategyOf = (id: string): number => {
    let index = strategyIndex.get(id);
    if (index === undefined) {
      // listStrategies saw every id of the rebalances; this only guards the invariant.
      index = strategies.length;
      strategies.push(id);
      strategyIndex.set(id, index);
    }
    return index;
  };

  const rebalanceColumns = {
    time: [] as number[],
    reason: [] as number[],
    planIdSuffix: [] as string[],
    rows: [] as number[],
    trades: [] as number[],
    skipped: [] as number[],
    moved: [] as number[],
    traded: [] as number[],
    maxDrift: [] as (number | null)[],
    estimatedCost: [] as number[],
    cost: [] as number[],
  };
  const trades: TradeColumns = {
    strategy: [],
    symbol: [],
    quantity: [],
    referencePrice: [],
    fillPrice: [],
    commission: [],
    slippage: [],
    status: [],
  };
  const pushRow = (row: {
    strategy: string;
    symbol: string;
    quantity: number;
    referencePrice: number | null;
    fillPrice: number | null;
    commission: number;
    slippage: number;
    status: number;
  }): void => {
    trades.strategy.push(strategyOf(row.strategy));
    trades.symbol.push(symbolOf(row.symbol));
    trades.quantity.push(roundSignificant(row.quantity, TABLE_DIGITS));
    trades.referencePrice.push(
      row.referencePrice === null ? null : roundSignificant(row.referencePrice, TABLE_DIGITS),
    );
    trades.fillPrice.push(
      row.fillPrice === null ? null : roundSignificant(row.fillPrice, TABLE_DIGITS),
    );
    trades.commission.push(roundSignificant(row.commission, TABLE_DIGITS));
    trades.slippage.push(roundSignificant(row.slippage, TABLE_DIGITS));
    trades.status.push(row.status);
  };

  // Past the limits the tables list fewer rows (a report of a million rebalances would be
  // a string longer than JavaScript allows); the omissions are counted and shown. One pass
  // over the rebalances: each is a chart marker, counted, and listed while within the limits.
  const rebalanceBars: number[] = [];
  let rebalanceCount = 0;
  let totalTradeRows = 0;
  let listedRows = 0;
  const planIds: string[] = [];
  for (const rebalance of options.rebalances ?? sortRebalances(result.rebalances)) {
    const index = lowerBound(timesNs, rebalance.timestampNs);
    if (index < n) rebalanceBars.push(index);
    const rowCount = rowsOf(rebalance);
    totalTradeRows += rowCount;
    rebalanceCount++;
    if (rebalanceCount > maxRebalances) continue;
    planIds.push(rebalance.planId);
    const withRows = listedRows + rowCount <= maxTradeRows;
    if (withRows) listedRows += rowCount;
    const pushRowIf = withRows ? pushRow : (): void => undefined;
    const fills = new Map(rebalance.fills.map((fill) => [fill.intentId, fill]));
    let cost = 0;
    for (const fill of rebalance.fills) cost += fill.commission + fill.slippage;
    let traded = 0;
    for (const trade of rebalance.trades) {
      const fill = fills.get(trade.intentId);
      const signed = trade.side === 'sell' ? -trade.quantity : trade.quantity;
      if (fill) traded += Math.abs(trade.quantity * fill.fillPrice);
      pushRowIf({
        strategy: trade.strategyId,
        symbol: trade.symbol,
        quantity: signed,
        referencePrice: trade.referencePrice,
        fillPrice: fill ? fill.fillPrice : null,
        commission: fill ? fill.commission : trade.commission,
        slippage: fill ? fill.slippage : trade.slippage,
        status: fill ? STATUS_FILLED : STATUS_UNFILLED,
      });
    }
    const internal = rebalance.internalFills ?? [];
    for (const fill of internal) {
      pushRowIf({
        strategy: fill.strategyId,
        symbol: fill.symbol,
        quantity: fill.side === 'sell' ? -fill.quantity : fill.quantity,
        referencePrice: null,
        fillPrice: fill.price,
        commission: fill.fee,
        slippage: 0,
        status: STATUS_NETTED,
      });
    }
    for (const skipped of rebalance.skipped) {
      pushRowIf({
        strategy: skipped.strategyId,
        symbol: skipped.symbol,
        quantity: skipped.quantity,
        referencePrice: null,
        fillPrice: null,
        commission: 0,
        slippage: 0,
        status: STATUS_FIRST_SKIP + SKIP_REASONS.indexOf(skipped.reason),
      });
    }
    let moved = 0;
    for (const amount of Object.values(rebalance.transfers)) if (amount > 0) moved += amount;
    const bar = lowerBound(timesNs, rebalance.timestampNs);
    let maxDrift: number | null = null;
    if (bar < n && timesNs[bar] === rebalance.timestampNs) {
      for (const values of driftOfAll) {
        const value = values[bar] as number;
        if (Number.isNaN(value)) continue;
        if (maxDrift === null || Math.abs(value) > maxDrift) maxDrift = Math.abs(value);
      }
    }
    rebalanceColumns.time.push(toSeconds(rebalance.timestampNs));
    rebalanceColumns.reason.push(REBALANCE_REASONS.indexOf(rebalance.reason));
    rebalanceColumns.rows.push(withRows ? rowCount : 0);
    rebalanceColumns.trades.push(rebalance.trades.length);
    rebalanceColumns.skipped.push(rebalance.skipped.length);
    rebalanceColumns.moved.push(roundSignificant(moved, TABLE_DIGITS));
    rebalanceColumns.traded.push(roundSignificant(traded, TABLE_DIGITS));
    rebalanceColumns.maxDrift.push(
      maxDrift === null ? null : roundSignificant(maxDrift, FRACTION_DIGITS),
    );
    rebalanceColumns.estimatedCost.push(roundSignificant(rebalance.estimatedCosts, TABLE_DIGITS));
    rebalanceColumns.cost.push(roundSignificant(cost, TABLE_DIGITS));
  }
  const planIdPrefix = commonPrefix(planIds);
  for (const id of planIds) rebalanceColumns.planIdSuffix.push(id.slice(planIdPrefix.length));

  // The stack's edges are what the allocation chart draws, so their extremes are what must survive.
  const cumulative = (layers: readonly Float64Array[]): Float64Array[] => {
    const sums: Float64Array[] = [];
    const running = new Float64Array(n);
    for (const layer of layers) {
      for (let i = 0; i < n; i++)
        running[i] = (running[i] as number) + (Number.isNaN(layer[i]) ? 0 : (layer[i] as number));
      sums.push(Float64Array.from(running));
    }
    return sums;
  };
  const capitalEdges = cumulative(hasUnallocated ? [...capital, unallocated] : capital);
  const targetEdges = cumulative(targets);

  const times: number[][] = [];
  const timeKeys: number[][] = [];
  const internTimes = (indices: number[]): number => {
    for (let k = 0; k < timeKeys.length; k++) {
      const other = timeKeys[k] as number[];
      if (other.length === indices.length && other.every((value, at) => value === indices[at]))
        return k;
    }
    timeKeys.push(indices);
    times.push(indices.map((index) => seconds[index] as number));
    return times.length - 1;
  };
  const select = (series: readonly Float64Array[]): { times: number; indices: number[] } => {
    const indices = downsampleMinMax(n, series, { maxPoints, keep: rebalanceBars });
    return { times: internTimes(indices), indices };
  };

  const equitySeries = [portfolio, baseline, benchmark, ...standalone];
  const equitySelection = select(equitySeries);
  let logScaleAvailable = n > 0;
  for (const values of equitySeries) {
    for (let i = 0; i < n && logScaleAvailable; i++) {
      const value = values[i] as number;
      if (!Number.isNaN(value) && value <= 0) logScaleAvailable = false;
    }
  }
  const e = equitySelection.indices;
  const equity: EquityChartData = {
    times: equitySelection.times,
    portfolio: pick(portfolio, e, EQUITY_DIGITS),
    baseline: pick(baseline, e, EQUITY_DIGITS),
    benchmark: pick(benchmark, e, EQUITY_DIGITS),
    standalone: standalone.map((values) => pick(values, e, EQUITY_DIGITS)),
    logScaleAvailable,
  };

  const drawdownSelection = select(drawdowns);
  const d = drawdownSelection.indices;
  const drawdown: DrawdownChartData = {
    times: drawdownSelection.times,
    portfolio: pick(drawdowns[0] as Float64Array, d, FRACTION_DIGITS),
    baseline: pick(drawdowns[1] as Float64Array, d, FRACTION_DIGITS),
    benchmark: pick(drawdowns[2] as Float64Array, d, FRACTION_DIGITS),
  };

  const allocationSelection = select([...capitalEdges, ...targetEdges]);
  const a = allocationSelection.indices;
  const allocation: AllocationChartData = {
    times: allocationSelection.times,
    capital: capital.map((values) => pick(values, a, EQUITY_DIGITS)),
    targets: targets.map((values) => pick(values, a, EQUITY_DIGITS)),
    unallocated: hasUnallocated ? pick(unallocated, a, EQUITY_DIGITS) : null,
  };

  let targetsData: TargetsChartData | undefined;
  if (withBase) {
    // The shares are what the chart draws, so their extremes are what must survive.
    const adjustedShares = targets.map((values) => shareOfEquity(values, portfolio));
    const baseShares = baseTargets.map((values) => shareOfEquity(values, portfolio));
    const targetsSelection = select([...adjustedShares, ...baseShares]);
    const s = targetsSelection.indices;
    targetsData = {
      times: targetsSelection.times,
      adjusted: adjustedShares.map((values) => pick(values, s, FRACTION_DIGITS)),
      base: baseShares.map((values) => pick(values, s, FRACTION_DIGITS)),
    };
  }

  const driftSelection = select(drift);
  const driftData: DriftChartData = {
    times: driftSelection.times,
    drift: drift.map((values) => pick(values, driftSelection.indices, FRACTION_DIGITS)),
  };

  const { breakers, paused } = breakerColumns(result.breakers ?? [], strategyIndex);
  const threshold = result.config.rebalance_threshold;
  return {
    formatVersion: 1,
    strategies,
    symbols,
    colors: {
      portfolio: REPORT_COLORS.portfolio,
      baseline: REPORT_COLORS.baseline,
      benchmark: REPORT_COLORS.benchmark,
      threshold: REPORT_COLORS.threshold,
      frequency: REPORT_COLORS.frequency,
      breaker: REPORT_COLORS.breaker,
      halt: REPORT_COLORS.halt,
      resume: REPORT_COLORS.resume,
      unallocated: REPORT_COLORS.unallocated,
      target: REPORT_COLORS.target,
      negative: REPORT_COLORS.negative,
      strategies: strategies.map((_, index) => pickStrategyColor(index)),
    },
    rebalanceThreshold:
      typeof threshold === 'number' && Number.isFinite(threshold) ? threshold : null,
    intraday,
    bars: n,
    maxPoints,
    times,
    equity,
    drawdown,
    allocation,
    ...(targetsData === undefined ? {} : { targets: targetsData }),
    drift: driftData,
    rebalanceReasons: [...REBALANCE_REASONS],
    rebalances: { ...rebalanceColumns, planIdPrefix },
    breakerKinds: [...BREAKER_KINDS],
    breakers,
    paused,
    trades,
    omitted: {
      rebalances: rebalanceCount - planIds.length,
      totalRebalances: rebalanceCount,
      tradeRows: totalTradeRows - listedRows,
      totalTradeRows,
    },
    statusLabels: [...TRADE_STATUS_LABELS],
  };
}
