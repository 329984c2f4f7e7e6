// The one bar loop behind every backtest run: strategies trade their sleeves; the portfolio
// kernel (the same as live) measures, adjusts and plans rebalances; the bar is recorded.
import {
  encodePortfolioConfig,
  encodeRebalanceFill,
  encodeRebalancePlan,
  type BreakerRecord,
  type CostModel,
  type FillModel,
  type JournalBodyWire,
  type JournalLineType,
  type PlannedTrade,
  type PortfolioConfig,
  type RebalanceFill,
  type RebalancePlan,
  type RebalancePlanWire,
  type RebalanceReason,
  type RebalanceRecord,
  type RebalanceRecordWire,
} from '@njord/portfolio-contracts';
import { AllocatorError } from '@njord/portfolio-allocator';
import { isTaggedError } from '@njord/portfolio-contracts/core';
import { type BreakersJson, type DecideOptions, PortfolioKernel } from '@njord/portfolio-kernel';
import { encodeRiskAdjustment } from '@njord/portfolio-risk';
import {
  admitTradeInto,
  PositionSizer,
  TradeAdmission,
  type AdmissionRules,
  type InstrumentRule,
  type SizingContext,
} from '@njord/portfolio-sizer';
import type { TrackerStateJson } from '@njord/portfolio-tracker';
import type { PriceData } from '../price-data.js';
import type { Strategy } from '../strategy.js';
import { maxAbsExposureOf } from '../strategy-fault.js';
import { SignalTape } from './signals.js';
import { BacktestError } from './backtest-error.js';
import { formatTimestampNs } from '../timestamp-text.js';

const isAllocatorError = isTaggedError(AllocatorError);

/**
 * Where journal lines go: the runner numbers them and writes NDJSON (the live line format).
 * A backtest journals what a replay needs to reach its final sleeves: the config, the
 * funding, every fill, plan, adjustment, breaker, halt and resume, each symbol's first mark
 * and, at the end, each symbol's last mark; every bar's marks only when a drawdown breaker
 * is configured (its peaks are observed at every bar); else those are in the price data.
 */
export interface BacktestJournal {
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): void;
  /**
   * Optional: every row of marks the run applies (`prices[s]` for `symbols[s]`, NaN = no
   * bar), in order, before the trades at those prices. The row is reused: read it at once.
   */
  marks?(timestampNs: bigint, symbols: readonly string[], prices: Float64Array): void;
  /**
   * Optional: journals a plan line, the line `add('plan', timestampNs, {plan:
   * encodeRebalancePlan(plan)})` writes, from the plan itself (a writer that prints it
   * straight, as `JournalLineBuffer.addPlan`, saves encoding and stringifying a plan per
   * rebalance). Without it, the run encodes the plan and calls `add`.
   */
  plan?(timestampNs: bigint, plan: RebalancePlan): void;
}

/**
 * Where a run's rebalance records go as they happen, instead of an array kept to the end
 * (a long run makes millions of trade rows): a spill file, a counter. Each record is handed
 * over once, in time order, and not touched by the engine again.
 */
export interface RebalanceSink {
  /**
   * `wire`, when given, is the record's wire form (`encodeRebalanceRecord(record)`): the
   * engine encodes each plan once, for its journal line, and passes that encoding on.
   */
  add(record: RebalanceRecord, wire?: RebalanceRecordWire): void;
}

export type SimulationMode = 'rebalance' | 'hold';

interface SimulationCommon {
  readonly config: PortfolioConfig;
  readonly data: PriceData;
  /** First step traded and recorded (earlier steps only feed indicators). */
  readonly firstStep: number;
  /** Last step run (inclusive). */
  readonly lastStep: number;
  readonly mode: SimulationMode;
  readonly fillModel: FillModel;
  readonly costs: CostModel;
  readonly journal?: BacktestJournal;
  /** Each rebalance record as it is made; `SimulationOutput.rebalances` is then left empty. */
  readonly rebalanceSink?: RebalanceSink;
  readonly onProgress?: (stepsDone: number, stepsTotal: number) => void;
  /** Bars between recorded curve points (rebalance bars always kept); 1 = every bar. */
  readonly curveEvery?: number;
  /**
   * `all` (default): every series of `SimulationOutput`. `equity`: the portfolio equity only
   * (the other series are empty and `recordedSteps` too): a baseline's or a strategy alone's.
   */
  readonly record?: 'all' | 'equity';
}

/**
 * One run. Its strategies' targets come either from `strategies` (one fresh strategy per
 * allocation, in config order; called as the run goes) or from `signals` (one tape per
 * allocation, shared with other runs: each strategy is called once for all of them).
 */
export type SimulationInput = SimulationCommon &
  (
    | { readonly strategies: readonly Strategy[]; readonly signals?: undefined }
    | { readonly signals: readonly SignalTape[]; readonly strategies?: undefined }
  );

/** Per-bar series of one run, columnar. */
export interface SimulationOutput {
  readonly strategyIds: readonly string[];
  /** Steps recorded in the curve (subset of [firstStep, lastStep] when curveEvery > 1). */
  readonly recordedSteps: Int32Array;
  /** Every bar of [firstStep, lastStep]: portfolio equity, and per strategy capital and transfers. */
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly unallocated: Float64Array;
  readonly capital: readonly Float64Array[];
  readonly transfers: readonly Float64Array[];
  readonly targets: readonly Float64Array[];
  readonly drift: readonly Float64Array[];
  /** Every rebalance record, or none when they went to `rebalanceSink`. */
  readonly rebalances: RebalanceRecord[];
  /** Rebalances executed (also those handed to `rebalanceSink`). */
  readonly rebalanceCount: number;
  /** Breaker trips, halts and resumes, in order. */
  readonly breakers: BreakerRecord[];
  readonly tradedNotional: number;
  readonly costs: number;
  /** Per strategy: traded notional and costs (its own trades and its rebalance trades). */
  readonly sleeveNotional: Float64Array;
  readonly sleeveCosts: Float64Array;
  readonly fills: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly fundedCapital: Float64Array;
  readonly halted: boolean;
  /** With risk adjustment: the base (unadjusted) targets per bar, and how many adjustments ran. */
  readonly baseTargets: readonly Float64Array[] | null;
  readonly adjustments: number;
  /** The sleeves at the end of the run (the tracker's serialized state). */
  readonly final: TrackerStateJson;
  /** The breakers at the end of the run (paused sleeves, halt, drawdown watch). */
  readonly finalBreakers: BreakersJson;
}

const EMPTY = new Float64Array(0);

/** Tapes over `strategies` checked against `config`'s exposure cap (one per allocation). */
export function createSignalTapes(
  strategies: readonly Strategy[],
  data: PriceData,
  config: PortfolioConfig,
): SignalTape[] {
  const cap = maxAbsExposureOf(config.limits);
  return strategies.map((strategy) => new SignalTape(strategy, data, cap));
}

export function simulate(input: SimulationInput): SimulationOutput {
  const { data, config, firstStep, lastStep, mode, journal } = input;
  const costs = input.costs;
  const ids = config.allocations.map((a) => a.strategyId);
  const n = ids.length;
  const m = data.symbols.length;
  const bars = Math.max(0, lastStep - firstStep + 1);
  const startNs = data.timestamps[firstStep] as bigint;
  const tapes = input.signals ?? createSignalTapes(input.strategies, data, input.config);
  if (tapes.length !== n)
    throw new Error(`simulate: ${tapes.length} strategies or tapes for ${n} allocations`);
  const maxAbsExposure = maxAbsExposureOf(config.limits);
  for (const tape of tapes) {
    if (tape.data !== data)
      throw new Error(`simulate: the tape of ${tape.strategy.id} was recorded on other data`);
    if (tape.maxAbsExposure !== maxAbsExposure)
      throw new Error(
        `simulate: the tape of ${tape.strategy.id} checks exposures against ${tape.maxAbsExposure}, this portfolio against ${maxAbsExposure}`,
      );
  }
  const full = input.record !== 'equity';
  const sizer = new PositionSizer(config);
  // Per strategy: its risk multiplier, and each of its symbols' rounding rule.
  const riskOf = ids.map((id) => sizer.riskMultiplier(id));
  const rulesOf = tapes.map((tape) =>
    tape.strategy.symbols.map((symbol) => sizer.instrumentRule(symbol)),
  );
  // Fill ids are unique by construction and plans fill at once: the kernel remembers neither.
  const kernel = new PortfolioKernel(config, {
    startNs,
    symbols: data.symbols,
    rememberFillIds: false,
    trackPlans: false,
    costs,
    // Risk adjustment (config.risk_adjustment) and rebalancing only in the rebalancing run.
    riskSampling: mode === 'rebalance' ? { kind: 'bars' } : null,
    rebalance: mode === 'rebalance',
    planIdPrefix: `${config.id}:rb:`,
  });
  const tracker = kernel.tracker;

  const series = (): Float64Array => (full ? new Float64Array(bars) : EMPTY);
  const equity = new Float64Array(bars);
  const cash = series();
  const unallocated = series();
  const capital = ids.map(series);
  const transfers = ids.map(series);
  const targets = ids.map(series);
  const drift = ids.map(series);
  const fundedCapital = Float64Array.from(ids, (_id, k) => tracker.capitalAt(k));
  const rebalances: RebalanceRecord[] = [];
  const sink = input.rebalanceSink;
  let rebalanceCount = 0;
  const breakers: BreakerRecord[] = [];
  const skipped: Record<string, number> = {};
  const recorded: number[] = [];
  const curveEvery = Math.max(1, Math.floor(input.curveEvery ?? 1));
  const sleeveNotional = new Float64Array(n);
  const sleeveCosts = new Float64Array(n);
  // Traded notional and costs (in an array: a double captured by the closures below would be
  // boxed anew on every fill).
  const totals = new Float64Array(2);
  const NOTIONAL = 0;
  const COSTS = 1;
  let fills = 0;

  const baseTargets = kernel.risk === null || !full ? null : ids.map(series);
  let adjustments = 0;
  // next_open: each strategy's targets of the previous bar ([from, to) of its tape, or the
  // warm-up merge), and a rebalance due, all executed at this bar's open.
  const pendingFrom = new Int32Array(n).fill(-1);
  const pendingTo = new Int32Array(n);
  const pendingMerged = new Uint8Array(n);
  let pendingRebalance: RebalanceReason | null = null;
  // Targets a strategy gave during warm-up, merged per symbol (NaN = none): its position at
  // the start. At the first bar they merge with that bar's targets into `merged`.
  const warmup = tapes.map((tape) => new Float64Array(tape.dataIndex.length).fill(Number.NaN));
  const warmed = new Uint8Array(n);
  const mergedSymbols = tapes.map((tape) => new Int32Array(tape.dataIndex.length));
  const mergedExposures = tapes.map((tape) => new Float64Array(tape.dataIndex.length));
  const mergedCount = new Int32Array(n);
  // Targets a paused strategy gave (refused), merged per symbol (NaN = none): applied, with
  // its new ones on top, when it resumes.
  const refused = tapes.map((tape) => new Float64Array(tape.dataIndex.length).fill(Number.NaN));
  const hasRefused = new Uint8Array(n);
  const admittedSymbols = tapes.map((tape) => new Int32Array(tape.dataIndex.length));
  const admittedExposures = tapes.map((tape) => new Float64Array(tape.dataIndex.length));
  const row = new Float64Array(m);
  const closing = new Float64Array(n);
  const admissionRules: AdmissionRules = { minTradeValue: config.minTradeValue, costs };
  const admission = new TradeAdmission();
  const decideOptions: DecideOptions = full
    ? { planNow: input.fillModel !== 'next_open' }
    : { equityOnly: true };
  const limits = config.limits;
  if (mode === 'rebalance' && !full)
    throw new Error("simulate: a rebalancing run records every series (record: 'all')");

  // The journal's marks: each symbol's first, then (at the end) each symbol's last. With a
  // drawdown breaker, every bar's: its peaks are observed at every bar.
  const everyMark =
    config.maxDrawdown !== undefined || config.allocations.some((a) => a.maxDrawdown !== undefined);
  const lastMarkStep = new Int32Array(m).fill(-1);
  const lastMarkPrice = new Float64Array(m);
  const journaledStep = new Int32Array(m).fill(-1);
  const journaledPrice = new Float64Array(m);
  // The bar's timestamp as text (fills carry it), made once per bar that journals.
  let barText = '';
  let barTextStep = -1;
  let stepNumberText = '';
  const stepText = (step: number): string => {
    if (barTextStep !== step) {
      barText = (data.timestamps[step] as bigint).toString();
      stepNumberText = JSON.stringify(step);
      barTextStep = step;
    }
    return barText;
  };

  journal?.add('config', startNs, { config: encodePortfolioConfig(config).portfolio });
  journal?.add('funding', startNs, {
    allocations: Object.fromEntries(ids.map((id, k) => [id, fundedCapital[k] as number])),
    unallocated_cash: tracker.unallocatedCash,
    total_capital: config.totalCapital,
  });

  /** What the rest of the portfolio holds, for the portfolio limits (only when some are set). */
  function sizingContext(k: number, s: number): SizingContext {
    let portfolioEquity = tracker.unallocatedCash;
    let grossNotionalElsewhere = 0;
    let symbolNotionalElsewhere = 0;
    for (let other = 0; other < n; other++) {
      portfolioEquity += tracker.capitalAt(other);
      for (let held = 0; held < m; held++) {
        if (other === k && held === s) continue;
        const units = tracker.unitsAt(other, held);
        if (units === 0) continue;
        const notional = Math.abs(units) * (tracker.priceAt(held) ?? 0);
        grossNotionalElsewhere += notional;
        if (held === s) symbolNotionalElsewhere += notional;
      }
    }
    return { portfolioEquity, grossNotionalElsewhere, symbolNotionalElsewhere };
  }

  function skip(reason: string): void {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  }

  /** The kernel's marks at `prices[.][step]` (NaN = no bar). */
  function markAll(prices: readonly Float64Array[], step: number, timestampNs: bigint): void {
    for (let s = 0; s < m; s++) row[s] = (prices[s] as Float64Array)[step] as number;
    kernel.applyMarks(row, timestampNs);
    if (journal === undefined) return;
    journal.marks?.(timestampNs, data.symbols, row);
    for (let s = 0; s < m; s++) {
      const price = row[s] as number;
      if (price !== price) continue;
      lastMarkStep[s] = step;
      lastMarkPrice[s] = price;
      if ((journaledStep[s] as number) >= 0 && !everyMark) continue;
      journalMark(s, timestampNs);
    }
  }

  function journalMark(s: number, lineNs: bigint): void {
    const step = lastMarkStep[s] as number;
    const price = lastMarkPrice[s] as number;
    journaledStep[s] = step;
    journaledPrice[s] = price;
    journal?.add('mark', lineNs, {
      mark: { symbol: data.symbols[s] as string, price, timestamp_ns: stepText(step) },
    });
  }

  /** BacktestError `overflow`: the bar's prices valued the portfolio past the largest double. */
  function valueOverflow(step: number, detail: string): BacktestError {
    return new BacktestError(
      'overflow',
      `at ${formatTimestampNs(data.timestamps[step] as bigint)}: the portfolio's holdings at this bar's prices are worth more than the largest number a double holds (${detail}); use a smaller total_capital for prices this far apart`,
    );
  }

  /**
   * Throws BacktestError `overflow` when strategy k's units for `symbol` (capital x exposure x
   * risk / price) are not a finite number: a total_capital or risk_multiplier too large for
   * the prices (the sizer would refuse the trade with a bare error deep in the run).
   */
  function checkSizable(
    k: number,
    symbol: string,
    capital: number,
    exposure: number,
    risk: number,
    price: number,
    step: number,
  ): void {
    const units = (capital * exposure * risk) / price;
    if (units - units === 0) return;
    throw new BacktestError(
      'overflow',
      `${ids[k] as string} on ${symbol} at ${formatTimestampNs(data.timestamps[step] as bigint)}: ${capital} of capital x exposure ${exposure} x risk_multiplier ${risk} / price ${price} is ${units} units, beyond the largest number a double holds; use a smaller total_capital (or max_capital, risk_multiplier) for these prices`,
    );
  }

  /**
   * Trades strategy k's sleeve toward the exposures of entries [from, to) (strategy symbol
   * index, exposure), at `prices[.][step]`; a symbol it does not name keeps its position.
   */
  function tradeStrategy(
    k: number,
    symbolsOf: Int32Array,
    exposures: Float64Array,
    from: number,
    to: number,
    prices: readonly Float64Array[],
    step: number,
    timestampNs: bigint,
  ): void {
    const tape = tapes[k] as SignalTape;
    const names = tape.strategy.symbols;
    const dataIndex = tape.dataIndex;
    const rules = rulesOf[k] as InstrumentRule[];
    const risk = riskOf[k] as number;
    const id = ids[k] as string;
    const sleeveCapital = tracker.capitalAt(k);
    for (let e = from; e < to; e++) {
      const j = symbolsOf[e] as number;
      const exposure = exposures[e] as number;
      const s = dataIndex[j] as number;
      // Before its first bar a symbol does not exist: the exposure stays in cash.
      if (!data.exists(s, step)) continue;
      const held = tracker.unitsAt(k, s);
      const price = (prices[s] as Float64Array)[step] as number;
      if (price !== price) {
        if (exposure !== 0 || held !== 0) skip('no_bar');
        continue;
      }
      const symbol = names[j] as string;
      if (exposure !== 0) checkSizable(k, symbol, sleeveCapital, exposure, risk, price, step);
      const desired =
        exposure === 0
          ? 0
          : limits === undefined
            ? sizer.positionUnits(risk, rules[j] as InstrumentRule, sleeveCapital, price, exposure)
            : sizer.calculatePositionSize(
                id,
                symbol,
                sleeveCapital,
                price,
                exposure,
                sizingContext(k, s),
              ).units;
      const delta = desired - held;
      if (delta === 0) continue;
      // The sizer's admission with the symbol's rule looked up once (its checks when in doubt).
      const admitted =
        price > 0 && price !== Infinity && delta - delta === 0
          ? admitTradeInto(admission, rules[j] as InstrumentRule, delta, price, admissionRules)
          : sizer.admitTrade(symbol, delta, price, admissionRules, admission);
      if (admitted.reason !== null) {
        skip(admitted.reason);
        continue;
      }
      const notional = admitted.notional;
      const fee = admitted.commission + admitted.slippage;
      const quantity = admitted.quantity;
      if (notional - notional !== 0 || fee - fee !== 0)
        throw new BacktestError(
          'overflow',
          `${id} on ${symbol} at ${formatTimestampNs(data.timestamps[step] as bigint)}: a trade of ${quantity} units at ${price} is ${notional} of notional with ${fee} of costs, beyond the largest number a double holds; use a smaller total_capital (or max_capital, risk_multiplier) for these prices`,
        );
      kernel.applyTradeAt(k, s, quantity, price, fee);
      if (journal !== undefined) {
        const text = stepText(step);
        journal.add('fill', timestampNs, {
          fill: {
            fill_id: `${id}:${stepNumberText}:${symbol}`,
            strategy_id: id,
            symbol,
            side: quantity > 0 ? 'buy' : 'sell',
            quantity: Math.abs(quantity),
            price,
            fee,
            timestamp_ns: text,
          },
        });
      }
      fills++;
      totals[NOTIONAL] = (totals[NOTIONAL] as number) + notional;
      totals[COSTS] = (totals[COSTS] as number) + fee;
      sleeveNotional[k] = (sleeveNotional[k] as number) + notional;
      sleeveCosts[k] = (sleeveCosts[k] as number) + fee;
    }
  }

  /** Journals and applies a plan, then fills its trades at their reference prices. */
  function executePlan(plan: RebalancePlan, timestampNs: bigint, bar: number): void {
    // A journal that prints plans itself takes the plan; otherwise it is encoded once, for
    // the journal line, and that encoding passed on to the sink.
    let wire: RebalancePlanWire | undefined;
    if (journal?.plan !== undefined) journal.plan(timestampNs, plan);
    else if (journal !== undefined) {
      wire = encodeRebalancePlan(plan);
      journal.add('plan', timestampNs, { plan: wire });
    }
    kernel.apply({ type: 'plan', plan });
    const planFills: RebalanceFill[] = [];
    for (const trade of plan.trades) planFills.push(fillTrade(trade));
    const moved = plan.transfers;
    for (const id in moved) {
      if (!Object.hasOwn(moved, id)) continue;
      const k = ids.indexOf(id);
      if (k >= 0)
        (transfers[k] as Float64Array)[bar] =
          ((transfers[k] as Float64Array)[bar] as number) + (moved[id] as number);
    }
    rebalanceCount++;
    if (sink === undefined) rebalances.push({ ...plan, fills: planFills });
    else
      sink.add(
        { ...plan, fills: planFills },
        wire === undefined ? undefined : { ...wire, fills: planFills.map(encodeRebalanceFill) },
      );
  }

  function fillTrade(trade: PlannedTrade): RebalanceFill {
    const fee = trade.commission + trade.slippage;
    const fill = {
      fillId: trade.intentId,
      strategyId: trade.strategyId,
      symbol: trade.symbol,
      side: trade.side,
      quantity: trade.quantity,
      price: trade.referencePrice,
      fee,
      timestampNs: trade.timestampNs,
      intentId: trade.intentId,
    };
    const applied = kernel.apply({ type: 'fill', fill });
    if (!applied.success) {
      // Refused by the tracker, the fill must not be journaled as if applied: the run stops.
      // Its amounts past what a book holds (1e300): an overflow; anything else is a bug.
      const { code, message } = applied.error;
      const at = `the rebalance fill ${fill.fillId} (${fill.side} ${fill.quantity} ${fill.symbol} at ${fill.price})`;
      if (code === 'out_of_range')
        throw new BacktestError(
          'overflow',
          `${at}: ${message}; use a smaller total_capital for prices this far apart`,
        );
      throw new Error(`${at} was refused: ${code}: ${message}`);
    }
    // The fill on the wire, keys in the codec's order (what encodeFillEvent writes).
    journal?.add('fill', trade.timestampNs, {
      fill: {
        fill_id: fill.fillId,
        strategy_id: fill.strategyId,
        symbol: fill.symbol,
        side: fill.side,
        quantity: fill.quantity,
        price: fill.price,
        fee,
        timestamp_ns: trade.timestampNs.toString(),
        intent_id: fill.intentId,
      },
    });
    fills++;
    const notional = trade.quantity * trade.referencePrice;
    totals[NOTIONAL] = (totals[NOTIONAL] as number) + notional;
    totals[COSTS] = (totals[COSTS] as number) + fee;
    const k = ids.indexOf(trade.strategyId);
    if (k >= 0) {
      sleeveNotional[k] = (sleeveNotional[k] as number) + notional;
      sleeveCosts[k] = (sleeveCosts[k] as number) + fee;
    }
    return {
      intentId: trade.intentId,
      fillPrice: trade.referencePrice,
      commission: trade.commission,
      slippage: trade.slippage,
    };
  }

  /** A plan for a rebalance decided a bar earlier (next_open), at the row just marked. */
  function rebalanceAt(reason: RebalanceReason, timestampNs: bigint, bar: number): boolean {
    const decision = kernel.plan(timestampNs, reason);
    if (decision.type === 'plan') {
      executePlan(decision.plan, timestampNs, bar);
      return true;
    }
    if (decision.type === 'plan_failed')
      journal?.add('error', timestampNs, { code: decision.code, message: decision.message });
    return false;
  }

  /**
   * What strategy k trades now, from the entries [from, to) of `symbolsOf`/`exposures` (from
   * -1: it gave no targets): nothing while its sleeve is paused (its targets are kept, merged
   * per symbol, and counted as refused); once resumed, the targets it gave while paused with
   * its new ones on top. Trades what is admitted at `prices[.][step]`.
   */
  function admitAndTrade(
    k: number,
    symbolsOf: Int32Array,
    exposures: Float64Array,
    from: number,
    to: number,
    prices: readonly Float64Array[],
    step: number,
    timestampNs: bigint,
  ): void {
    const carried = refused[k] as Float64Array;
    if (kernel.isPaused(ids[k] as string)) {
      if (from >= 0) {
        for (let e = from; e < to; e++) carried[symbolsOf[e] as number] = exposures[e] as number;
        hasRefused[k] = 1;
        skip('paused');
      }
      return;
    }
    if (hasRefused[k] === 0) {
      if (from >= 0) tradeStrategy(k, symbolsOf, exposures, from, to, prices, step, timestampNs);
      return;
    }
    hasRefused[k] = 0;
    if (from >= 0)
      for (let e = from; e < to; e++) carried[symbolsOf[e] as number] = exposures[e] as number;
    const js = admittedSymbols[k] as Int32Array;
    const xs = admittedExposures[k] as Float64Array;
    let count = 0;
    for (let j = 0; j < carried.length; j++) {
      const exposure = carried[j] as number;
      if (exposure !== exposure) continue;
      js[count] = j;
      xs[count] = exposure;
      count++;
      carried[j] = Number.NaN;
    }
    tradeStrategy(k, js, xs, 0, count, prices, step, timestampNs);
  }

  /**
   * The kernel decides at the bar's values: a halt, a breaker trip or resume, a risk
   * adjustment (journaled, applied), then a rebalance. True when a plan was executed. A run
   * that records only its equity takes the kernel's light path (capital and equity; only a
   * halt can be due).
   */
  function decideAt(step: number, timestampNs: bigint, bar: number): boolean {
    for (let due = kernel.decide(timestampNs, decideOptions); due !== null;) {
      switch (due.type) {
        case 'halt':
          journal?.add('halt', timestampNs, {
            reason: due.reason,
            message: due.message,
            ...(due.drawdown === undefined ? {} : { drawdown: due.drawdown }),
          });
          kernel.apply(due);
          breakers.push({
            timestampNs,
            type: 'halt',
            strategyId: null,
            reason: due.reason,
            drawdown: due.drawdown ?? null,
          });
          break;
        case 'breaker':
          journal?.add('breaker', timestampNs, {
            strategy_id: due.strategyId,
            reason: due.reason,
            drawdown: due.drawdown,
            message: due.message,
          });
          kernel.apply(due);
          breakers.push({
            timestampNs,
            type: 'breaker',
            strategyId: due.strategyId,
            reason: due.reason,
            drawdown: due.drawdown,
          });
          break;
        case 'resume':
          journal?.add('resume', timestampNs, { strategy_id: due.strategyId, by: due.by });
          kernel.apply(due);
          breakers.push({
            timestampNs,
            type: 'resume',
            strategyId: due.strategyId,
            reason: due.by,
            drawdown: null,
          });
          break;
        case 'adjustment':
          journal?.add('adjustment', timestampNs, {
            adjustment: { ...encodeRiskAdjustment(due.adjustment) },
            input_latest_ns: due.inputLatestNs,
            previous_weights: due.previousWeights,
          });
          kernel.apply(due);
          adjustments++;
          break;
        case 'plan':
          executePlan(due.plan, timestampNs, bar);
          return true;
        case 'rebalance_due':
          if (step < lastStep) pendingRebalance = due.reason;
          return false;
        case 'plan_failed':
          journal?.add('error', timestampNs, { code: due.code, message: due.message });
          return false;
        case 'blocked':
          // Backtest plans fill at once: nothing is left in flight to block a plan.
          return false;
      }
      due = kernel.decide(timestampNs, decideOptions);
    }
    return false;
  }

  /**
   * Strategy k's targets at the first bar: its warm-up targets merged with the bar's (the
   * bar's win), into `merged`; false when there are none.
   */
  function mergeWarmup(k: number, step: number): boolean {
    const tape = tapes[k] as SignalTape;
    const carried = warmup[k] as Float64Array;
    const from = tape.from(step);
    if (from >= 0) {
      const to = tape.to(step);
      const js = tape.symbols;
      const xs = tape.exposures;
      for (let e = from; e < to; e++) carried[js[e] as number] = xs[e] as number;
    }
    const symbols = mergedSymbols[k] as Int32Array;
    const exposures = mergedExposures[k] as Float64Array;
    let count = 0;
    for (let j = 0; j < carried.length; j++) {
      const exposure = carried[j] as number;
      if (exposure !== exposure) continue;
      symbols[count] = j;
      exposures[count] = exposure;
      count++;
    }
    mergedCount[k] = count;
    return count > 0 || from >= 0;
  }

  const nextOpen = input.fillModel === 'next_open';
  const timestamps = data.timestamps;
  for (let step = 0; step <= lastStep; step++) {
    const timestampNs = timestamps[step] as bigint;
    const bar = step - firstStep;
    if (bar < 0) {
      // Warm-up: indicators see the bars, nothing trades or is recorded.
      for (let k = 0; k < n; k++) {
        const tape = tapes[k] as SignalTape;
        tape.record(step);
        const from = tape.from(step);
        if (from < 0) continue;
        const to = tape.to(step);
        const carried = warmup[k] as Float64Array;
        const js = tape.symbols;
        const xs = tape.exposures;
        for (let e = from; e < to; e++) carried[js[e] as number] = xs[e] as number;
        warmed[k] = 1;
      }
      continue;
    }

    let rebalanced = false;
    if (nextOpen && bar > 0 && !kernel.halted) {
      markAll(data.open, step, timestampNs);
      for (let k = 0; k < n; k++) {
        const from = pendingFrom[k] as number;
        pendingFrom[k] = -1;
        if (from >= 0 && pendingMerged[k] === 1)
          admitAndTrade(
            k,
            mergedSymbols[k] as Int32Array,
            mergedExposures[k] as Float64Array,
            0,
            mergedCount[k] as number,
            data.open,
            step,
            timestampNs,
          );
        else {
          const tape = tapes[k] as SignalTape;
          admitAndTrade(
            k,
            tape.symbols,
            tape.exposures,
            from,
            pendingTo[k] as number,
            data.open,
            step,
            timestampNs,
          );
        }
      }
      if (pendingRebalance !== null) rebalanced = rebalanceAt(pendingRebalance, timestampNs, bar);
      pendingRebalance = null;
    }

    markAll(data.close, step, timestampNs);
    if (!kernel.halted) {
      for (let k = 0; k < n; k++) {
        const tape = tapes[k] as SignalTape;
        tape.record(step);
        let from = tape.from(step);
        let to = tape.to(step);
        let merged = false;
        if (bar === 0 && warmed[k] === 1) {
          merged = mergeWarmup(k, step);
          from = merged ? 0 : -1;
          to = mergedCount[k] as number;
        }
        if (nextOpen) {
          if (from < 0) continue;
          pendingFrom[k] = from;
          pendingTo[k] = to;
          pendingMerged[k] = merged ? 1 : 0;
        } else if (merged)
          admitAndTrade(
            k,
            mergedSymbols[k] as Int32Array,
            mergedExposures[k] as Float64Array,
            from,
            to,
            data.close,
            step,
            timestampNs,
          );
        else
          admitAndTrade(k, tape.symbols, tape.exposures, from, to, data.close, step, timestampNs);
      }
    }

    // The kernel at the closes, after the strategies' trades.
    try {
      if (decideAt(step, timestampNs, bar)) rebalanced = true;
    } catch (error) {
      // The allocator refuses a capital or equity that is not a finite number: here the
      // bar's prices valued the holdings past the largest double.
      if (isAllocatorError(error) && error.code === 'non_finite_input')
        throw valueOverflow(step, error.message);
      throw error;
    }
    const measured = kernel.capital;
    if (!full) {
      // Never rebalanced: the equity the kernel measured is the bar's.
      const value = kernel.equity;
      if (value - value !== 0) throw valueOverflow(step, `equity is ${value}`);
      equity[bar] = value;
    } else {
      for (let k = 0; k < n; k++) {
        (targets[k] as Float64Array)[bar] = kernel.targets[k] as number;
        (drift[k] as Float64Array)[bar] = kernel.drift[k] as number;
        if (baseTargets !== null)
          (baseTargets[k] as Float64Array)[bar] = kernel.baseTargets[k] as number;
      }
      let cashNow = tracker.unallocatedCash;
      let equityAfter = tracker.unallocatedCash;
      for (let k = 0; k < n; k++) {
        // Only a rebalance changes capital after the kernel measured it.
        const value = rebalanced ? tracker.capitalAt(k) : (measured[k] as number);
        (capital[k] as Float64Array)[bar] = value;
        closing[k] = value;
        equityAfter += value;
        cashNow += tracker.cashAt(k);
      }
      if (equityAfter - equityAfter !== 0 || cashNow - cashNow !== 0)
        throw valueOverflow(step, `equity is ${equityAfter}, cash ${cashNow}`);
      equity[bar] = equityAfter;
      cash[bar] = cashNow;
      // Flow-adjusted sleeve returns (transfers are not performance) feed the risk window.
      kernel.recordBar(timestampNs, closing);
      unallocated[bar] = tracker.unallocatedCash;
      if (bar % curveEvery === 0 || rebalanced || step === lastStep) recorded.push(bar);
    }
    if (input.onProgress !== undefined && (bar & 1023) === 0) input.onProgress(bar, bars);
  }
  input.onProgress?.(bars, bars);

  // Each symbol's last mark, where the journal's last mark of it is an earlier one.
  if (journal !== undefined) {
    const endNs = timestamps[lastStep] as bigint;
    for (let s = 0; s < m; s++) {
      if ((lastMarkStep[s] as number) < 0) continue;
      if (lastMarkStep[s] === journaledStep[s] && lastMarkPrice[s] === journaledPrice[s]) continue;
      journalMark(s, endNs);
    }
  }

  return {
    strategyIds: ids,
    recordedSteps: Int32Array.from(recorded),
    equity,
    cash,
    unallocated,
    capital,
    transfers,
    targets,
    drift,
    rebalances,
    rebalanceCount,
    breakers,
    tradedNotional: totals[NOTIONAL] as number,
    costs: totals[COSTS] as number,
    sleeveNotional,
    sleeveCosts,
    fills,
    skipped,
    fundedCapital,
    halted: kernel.halted,
    baseTargets,
    adjustments,
    final: tracker.serialize(),
    finalBreakers: kernel.breakersJson(),
  };
}
