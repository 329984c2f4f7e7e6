// The one bar loop behind every backtest run: strategies trade their sleeves; the portfolio
// kernel (the same as live) measures, adjusts and plans rebalances; the bar is recorded.
import {
  encodeFillEvent,
  encodePortfolioConfig,
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
  type RebalanceReason,
  type RebalanceRecord,
} from '@njord/portfolio-contracts';
import { type BreakersJson, type DecideOptions, PortfolioKernel } from '@njord/portfolio-kernel';
import { encodeRiskAdjustment } from '@njord/portfolio-risk';
import {
  PositionSizer,
  TradeAdmission,
  type AdmissionRules,
  type SizingContext,
} from '@njord/portfolio-sizer';
import type { TrackerStateJson } from '@njord/portfolio-tracker';
import type { PriceData } from '../price-data.js';
import {
  createBarContext,
  type Strategy,
  type StrategyBarContext,
  type StrategyTargets,
} from '../strategy.js';
import { callStrategy, maxAbsExposureOf } from '../strategy-fault.js';

/** Where journal lines go: the runner numbers them and writes NDJSON (the live line format). */
export interface BacktestJournal {
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): void;
}

export type SimulationMode = 'rebalance' | 'hold';

export interface SimulationInput {
  readonly config: PortfolioConfig;
  /** One fresh strategy per allocation, in config order. */
  readonly strategies: readonly Strategy[];
  readonly data: PriceData;
  /** First step traded and recorded (earlier steps only feed indicators). */
  readonly firstStep: number;
  /** Last step run (inclusive). */
  readonly lastStep: number;
  readonly mode: SimulationMode;
  readonly fillModel: FillModel;
  readonly costs: CostModel;
  readonly journal?: BacktestJournal;
  readonly onProgress?: (stepsDone: number, stepsTotal: number) => void;
  /** Bars between recorded curve points (rebalance bars always kept); 1 = every bar. */
  readonly curveEvery?: number;
}

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
  readonly rebalances: RebalanceRecord[];
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

interface PendingOrders {
  readonly targets: (StrategyTargets | undefined)[];
  rebalance: RebalanceReason | null;
}

export function simulate(input: SimulationInput): SimulationOutput {
  const { data, config, strategies, firstStep, lastStep, mode, journal } = input;
  const costs = input.costs;
  const ids = config.allocations.map((a) => a.strategyId);
  const n = ids.length;
  const m = data.symbols.length;
  const bars = Math.max(0, lastStep - firstStep + 1);
  const startNs = data.timestamps[firstStep] as bigint;
  const sizer = new PositionSizer(config);
  // Fill ids are unique by construction here: the tracker need not remember them.
  const kernel = new PortfolioKernel(config, {
    startNs,
    symbols: data.symbols,
    rememberFillIds: false,
    costs,
    // Risk adjustment (config.risk_adjustment) and rebalancing only in the rebalancing run.
    riskSampling: mode === 'rebalance' ? { kind: 'bars' } : null,
    rebalance: mode === 'rebalance',
    planIdPrefix: `${config.id}:rb:`,
  });
  const tracker = kernel.tracker;

  const equity = new Float64Array(bars);
  const cash = new Float64Array(bars);
  const unallocated = new Float64Array(bars);
  const capital = ids.map(() => new Float64Array(bars));
  const transfers = ids.map(() => new Float64Array(bars));
  const targets = ids.map(() => new Float64Array(bars));
  const drift = ids.map(() => new Float64Array(bars));
  const fundedCapital = Float64Array.from(ids, (id) => tracker.getStrategyCapital(id));
  const rebalances: RebalanceRecord[] = [];
  const breakers: BreakerRecord[] = [];
  const skipped: Record<string, number> = {};
  const recorded: number[] = [];
  const curveEvery = Math.max(1, Math.floor(input.curveEvery ?? 1));
  const sleeveNotional = new Float64Array(n);
  const sleeveCosts = new Float64Array(n);
  let tradedNotional = 0;
  let totalCosts = 0;
  let fills = 0;

  const symbolIndex = strategies.map((s) => s.symbols.map((symbol) => data.symbolIndex(symbol)));
  const contexts: StrategyBarContext[] = strategies.map((s) => createBarContext(data, s.symbols));
  const baseTargets = kernel.risk === null ? null : ids.map(() => new Float64Array(bars));
  let adjustments = 0;
  const pending: PendingOrders = {
    targets: new Array<undefined>(n).fill(undefined),
    rebalance: null,
  };
  // Targets a strategy gave during warm-up, merged per symbol: its position at the start.
  const warmup: (Record<string, number> | undefined)[] = new Array<undefined>(n).fill(undefined);
  // Targets a paused strategy gave (refused), merged per symbol: applied when it resumes.
  const refused: (Record<string, number> | undefined)[] = new Array<undefined>(n).fill(undefined);
  const row = new Float64Array(m);
  const closing = new Float64Array(n);
  const admissionRules: AdmissionRules = { minTradeValue: config.minTradeValue, costs };
  const admission = new TradeAdmission();
  const decideOptions: DecideOptions = { planNow: input.fillModel !== 'next_open' };

  journal?.add('config', startNs, { config: encodePortfolioConfig(config).portfolio });
  journal?.add('funding', startNs, {
    allocations: Object.fromEntries(ids.map((id, k) => [id, fundedCapital[k] as number])),
    unallocated_cash: tracker.unallocatedCash,
    total_capital: config.totalCapital,
  });

  const limits = config.limits;
  const maxAbsExposure = maxAbsExposureOf(limits);
  /** What the rest of the portfolio holds, for the portfolio limits (only when some are set). */
  function sizingContext(id: string, symbol: string): SizingContext {
    let portfolioEquity = tracker.unallocatedCash;
    let grossNotionalElsewhere = 0;
    let symbolNotionalElsewhere = 0;
    for (let k = 0; k < n; k++) {
      const other = ids[k] as string;
      portfolioEquity += tracker.getStrategyCapital(other);
      for (const held of data.symbols) {
        if (other === id && held === symbol) continue;
        const units = tracker.getUnits(other, held);
        if (units === 0) continue;
        const notional = Math.abs(units) * (tracker.getPrice(held) ?? 0);
        grossNotionalElsewhere += notional;
        if (held === symbol) symbolNotionalElsewhere += notional;
      }
    }
    return { portfolioEquity, grossNotionalElsewhere, symbolNotionalElsewhere };
  }

  function skip(reason: string): void {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  }

  /** The kernel's marks at `prices[.][step]` (NaN = no bar), journaled as `mark` lines. */
  function markAll(prices: readonly Float64Array[], step: number, timestampNs: bigint): void {
    for (let s = 0; s < m; s++) row[s] = (prices[s] as Float64Array)[step] as number;
    kernel.applyMarks(row, timestampNs);
    if (journal === undefined) return;
    for (let s = 0; s < m; s++) {
      const price = row[s] as number;
      if (price !== price) continue;
      journal.add('mark', timestampNs, {
        mark: { symbol: data.symbols[s] as string, price, timestamp_ns: timestampNs.toString() },
      });
    }
  }

  /**
   * Trades strategy k's sleeve toward the exposures it names, at `prices[.][step]`; a
   * symbol it does not name keeps its position.
   */
  function tradeStrategy(
    k: number,
    wanted: StrategyTargets,
    prices: readonly Float64Array[],
    step: number,
    timestampNs: bigint,
  ): void {
    const strategy = strategies[k] as Strategy;
    const id = ids[k] as string;
    const sleeveCapital = tracker.getStrategyCapital(id);
    const indices = symbolIndex[k] as number[];
    for (let j = 0; j < indices.length; j++) {
      const symbol = strategy.symbols[j] as string;
      const exposure = wanted[symbol];
      if (exposure === undefined) continue;
      const s = indices[j] as number;
      // Before its first bar a symbol does not exist: the exposure stays in cash.
      if (!data.exists(s, step)) continue;
      const held = tracker.getUnits(id, symbol);
      const price = (prices[s] as Float64Array)[step] as number;
      if (price !== price) {
        if (exposure !== 0 || held !== 0) skip('no_bar');
        continue;
      }
      const desired =
        exposure === 0
          ? 0
          : limits === undefined
            ? sizer.calculatePositionSize(id, symbol, sleeveCapital, price, exposure).units
            : sizer.calculatePositionSize(
                id,
                symbol,
                sleeveCapital,
                price,
                exposure,
                sizingContext(id, symbol),
              ).units;
      const delta = desired - held;
      if (delta === 0) continue;
      const admitted = sizer.admitTrade(symbol, delta, price, admissionRules, admission);
      if (admitted.reason !== null) {
        skip(admitted.reason);
        continue;
      }
      const notional = admitted.notional;
      const fee = admitted.commission + admitted.slippage;
      kernel.applyTrade(id, s, admitted.quantity, price, fee);
      journal?.add('fill', timestampNs, {
        fill: {
          fill_id: `${id}:${step}:${symbol}`,
          strategy_id: id,
          symbol,
          side: admitted.quantity > 0 ? 'buy' : 'sell',
          quantity: Math.abs(admitted.quantity),
          price,
          fee,
          timestamp_ns: timestampNs.toString(),
        },
      });
      fills++;
      tradedNotional += notional;
      totalCosts += fee;
      sleeveNotional[k] = (sleeveNotional[k] as number) + notional;
      sleeveCosts[k] = (sleeveCosts[k] as number) + fee;
    }
  }

  /** Journals and applies a plan, then fills its trades at their reference prices. */
  function executePlan(plan: RebalancePlan, timestampNs: bigint, bar: number): void {
    journal?.add('plan', timestampNs, { plan: encodeRebalancePlan(plan) });
    kernel.apply({ type: 'plan', plan });
    const planFills: RebalanceFill[] = [];
    for (const trade of plan.trades) planFills.push(fillTrade(trade));
    for (const [id, amount] of Object.entries(plan.transfers)) {
      const k = ids.indexOf(id);
      if (k >= 0)
        (transfers[k] as Float64Array)[bar] =
          ((transfers[k] as Float64Array)[bar] as number) + amount;
    }
    rebalances.push({ ...plan, fills: planFills });
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
    kernel.apply({ type: 'fill', fill });
    journal?.add('fill', trade.timestampNs, { fill: encodeFillEvent(fill) });
    fills++;
    const notional = trade.quantity * trade.referencePrice;
    tradedNotional += notional;
    totalCosts += fee;
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
   * What strategy k trades now: nothing while its sleeve is paused (its targets are kept,
   * merged per symbol, and counted as refused); once resumed, the targets it gave while paused
   * with its new ones on top.
   */
  function admitTargets(
    k: number,
    wanted: StrategyTargets | undefined,
  ): StrategyTargets | undefined {
    if (kernel.isPaused(ids[k] as string)) {
      if (wanted !== undefined) {
        refused[k] = Object.assign(refused[k] ?? {}, wanted);
        skip('paused');
      }
      return undefined;
    }
    const carried = refused[k];
    if (carried === undefined) return wanted;
    refused[k] = undefined;
    return wanted === undefined ? carried : { ...carried, ...wanted };
  }

  /**
   * The kernel decides at the bar's values: a halt, a breaker trip or resume, a risk
   * adjustment (journaled, applied), then a rebalance. True when a plan was executed.
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
          if (step < lastStep) pending.rebalance = due.reason;
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

  const nextOpen = input.fillModel === 'next_open';
  for (let step = 0; step <= lastStep; step++) {
    const timestampNs = data.timestamps[step] as bigint;
    const bar = step - firstStep;
    if (bar < 0) {
      // Warm-up: indicators see the bars, nothing trades or is recorded.
      for (let k = 0; k < n; k++) {
        const wanted = callStrategy(
          strategies[k] as Strategy,
          (contexts[k] as StrategyBarContext).moveTo(step),
          maxAbsExposure,
        );
        if (wanted !== undefined) warmup[k] = Object.assign(warmup[k] ?? {}, wanted);
      }
      continue;
    }

    let rebalanced = false;
    if (nextOpen && bar > 0 && !kernel.halted) {
      markAll(data.open, step, timestampNs);
      for (let k = 0; k < n; k++) {
        const admitted = admitTargets(k, pending.targets[k]);
        pending.targets[k] = undefined;
        if (admitted !== undefined) tradeStrategy(k, admitted, data.open, step, timestampNs);
      }
      if (pending.rebalance !== null) rebalanced = rebalanceAt(pending.rebalance, timestampNs, bar);
      pending.rebalance = null;
    }

    markAll(data.close, step, timestampNs);
    if (!kernel.halted) {
      for (let k = 0; k < n; k++) {
        let wanted = callStrategy(
          strategies[k] as Strategy,
          (contexts[k] as StrategyBarContext).moveTo(step),
          maxAbsExposure,
        );
        const carried = warmup[k];
        if (bar === 0 && carried !== undefined)
          wanted = wanted === undefined ? carried : { ...carried, ...wanted };
        if (nextOpen) {
          if (wanted !== undefined) pending.targets[k] = wanted;
          continue;
        }
        const admitted = admitTargets(k, wanted);
        if (admitted !== undefined) tradeStrategy(k, admitted, data.close, step, timestampNs);
      }
    }

    // The kernel at the closes, after the strategies' trades.
    if (decideAt(step, timestampNs, bar)) rebalanced = true;
    const measured = kernel.capital;
    for (let k = 0; k < n; k++) {
      (targets[k] as Float64Array)[bar] = kernel.targets[k] as number;
      (drift[k] as Float64Array)[bar] = kernel.drift[k] as number;
      if (baseTargets !== null)
        (baseTargets[k] as Float64Array)[bar] = kernel.baseTargets[k] as number;
    }

    let cashNow = tracker.unallocatedCash;
    let equityAfter = tracker.unallocatedCash;
    for (let k = 0; k < n; k++) {
      const id = ids[k] as string;
      // Only a rebalance changes capital after the kernel measured it.
      const value = rebalanced ? tracker.getStrategyCapital(id) : (measured[k] as number);
      (capital[k] as Float64Array)[bar] = value;
      closing[k] = value;
      equityAfter += value;
      cashNow += tracker.getCash(id);
    }
    equity[bar] = equityAfter;
    cash[bar] = cashNow;
    // Flow-adjusted sleeve returns (transfers are not performance) feed the risk window.
    kernel.recordBar(timestampNs, closing);
    unallocated[bar] = tracker.unallocatedCash;
    if (bar % curveEvery === 0 || rebalanced || step === lastStep) recorded.push(bar);
    if (input.onProgress !== undefined && (bar & 1023) === 0) input.onProgress(bar, bars);
  }
  input.onProgress?.(bars, bars);

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
    breakers,
    tradedNotional,
    costs: totalCosts,
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
