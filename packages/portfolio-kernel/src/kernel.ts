// PortfolioKernel: a portfolio's decision state (tracker, weights in force, risk state, plans in
// flight, paused sleeves, halt) changed only by `apply(event)`; `decide(nowNs)` says what is due,
// applying nothing.
import { AllocationCalculator, calculateDriftInto } from '@njord/portfolio-allocator';
import type {
  CostModel,
  PortfolioConfig,
  PortfolioStateView,
  PortfolioSnapshot,
  PriceMap,
  RebalanceReason,
  Result,
} from '@njord/portfolio-contracts';
import { createIdRecord } from '@njord/portfolio-contracts/core';
import { Rebalancer } from '@njord/portfolio-rebalancer';
import { PositionSizer } from '@njord/portfolio-sizer';
import {
  type FillOutcome,
  MarkGuard,
  PlanBook,
  PortfolioTracker,
  type TrackerError,
} from '@njord/portfolio-tracker';
import { Breakers, type BreakersJson, type CapitalSource } from './breakers.js';
import type {
  AdjustmentDecision,
  AdjustmentEvent,
  KernelDecision,
  KernelEvent,
  PlanFailedDecision,
} from './events.js';
import { type RiskSampling, RiskState } from './risk-state.js';

/** Default `plan_timeout_seconds` (300 s). */
export const DEFAULT_PLAN_TIMEOUT_NS = 300_000_000_000n;
/** Default `max_mark_jump`. */
export const DEFAULT_MAX_MARK_JUMP = 0.5;

export interface KernelOptions {
  /** Start of the frequency clock (the first bar, or the first start live). */
  readonly startNs: bigint;
  /**
   * Symbols by dense index, for the array hot path (`applyMarks`, `applyTrade`): a backtest
   * passes its data's symbols.
   */
  readonly symbols?: readonly string[];
  /** Keep every applied fill id (exactly-once; default true). A backtest turns it off. */
  readonly rememberFillIds?: boolean;
  /**
   * The exactly-once window for fill ids (live: `dedupe_window_hours`): the tracker keeps its ids
   * in buckets that `tracker.forgetFillsBefore` frees as time passes.
   */
  readonly dedupeWindowNs?: bigint;
  /**
   * Keep plans in flight until their intents fill (default true). A backtest, whose plans fill
   * at once, turns it off: no plan then blocks another, and none is kept.
   */
  readonly trackPlans?: boolean;
  /** An earlier plan blocks a new one while its intents are unfilled and younger than this. */
  readonly planTimeoutNs?: bigint;
  readonly maxMarkJump?: number;
  /** Overrides the config's costs for plans (a backtest's `--costs`). */
  readonly costs?: CostModel;
  /**
   * How returns are sampled for `risk_adjustment` (default `bars` when `symbols` is given,
   * else the clock's defaults); null turns risk adjustment off (a never-rebalanced baseline).
   */
  readonly riskSampling?: RiskSampling | null;
  /**
   * False: `decide` never plans and no breaker trips (a never-rebalanced baseline). Default
   * true.
   */
  readonly rebalance?: boolean;
  /** Plan ids `<prefix><n>` with n counting the plans applied; default the rebalancer's. */
  readonly planIdPrefix?: string;
  /** A tracker to continue from (recovery from a checkpoint) instead of a freshly funded one. */
  readonly tracker?: PortfolioTracker;
  /** Plans in flight and the mark guard to continue from (recovery from a checkpoint). */
  readonly plans?: PlanBook;
  readonly marks?: MarkGuard;
}

export interface DecideOptions {
  /** False: when the trigger fires, return `rebalance_due` instead of planning (next_open). */
  readonly planNow?: boolean;
  /**
   * True: measure capital and equity only and decide only the halt (no targets, drift, risk
   * adjustment or rebalance): the light path of a run that never rebalances.
   */
  readonly equityOnly?: boolean;
}

type ApplyResult = Result<FillOutcome, TrackerError>;
const APPLIED: ApplyResult = Object.freeze({
  success: true,
  data: Object.freeze({ status: 'applied' }),
});

export class PortfolioKernel {
  readonly portfolioId: string;
  readonly tracker: PortfolioTracker;
  readonly plans: PlanBook;
  readonly marks: MarkGuard;
  /** The strategy ids of the config in force, in config order (the arrays below). */
  strategyIds: readonly string[];
  /** As `decide` last measured them, config order: capital, targets in force, base targets, drift. */
  capital: Float64Array;
  targets: Float64Array;
  baseTargets: Float64Array;
  drift: Float64Array;
  /** Portfolio equity and the trigger's reason as `decide` last measured them. */
  equity = 0;
  reason: RebalanceReason | null = null;
  private currentConfig: PortfolioConfig;
  private base: AllocationCalculator;
  /** The weights in force (base or risk-adjusted), before paused sleeves are held at 0. */
  private weighted: AllocationCalculator;
  private active: AllocationCalculator;
  private readonly breakers: Breakers;
  private readonly capitalSource: CapitalSource = {
    capitalOf: (strategyId) => this.tracker.getStrategyCapital(strategyId),
    equity: () => this.totalEquity,
  };
  private rebalancer: Rebalancer;
  private riskState: RiskState | null;
  private plansApplied = 0;
  private readonly options: KernelOptions;
  private readonly sampling: RiskSampling | null;
  private readonly symbols: readonly string[];
  private readonly symbolIndex: ReadonlyMap<string, number>;
  /** The last row of marks given to `applyMarks` (NaN = no bar: not tradable then). */
  private lastRow: Float64Array | null = null;
  private readonly tradable: ((symbol: string) => boolean) | undefined;

  constructor(config: PortfolioConfig, options: KernelOptions) {
    this.options = options;
    this.portfolioId = config.id;
    this.currentConfig = config;
    this.base = new AllocationCalculator(config);
    this.weighted = this.base;
    this.active = this.base;
    this.tracker =
      options.tracker ??
      new PortfolioTracker(config, {
        allocator: this.base,
        startNs: options.startNs,
        rememberFillIds: options.rememberFillIds ?? true,
        ...(options.dedupeWindowNs === undefined ? {} : { dedupeWindowNs: options.dedupeWindowNs }),
      });
    if (options.tracker !== undefined) this.tracker.setAllocator(this.base);
    this.plans = options.plans ?? new PlanBook();
    this.marks = options.marks ?? new MarkGuard(options.maxMarkJump ?? DEFAULT_MAX_MARK_JUMP);
    this.symbols = options.symbols ?? [];
    this.symbolIndex = new Map(this.symbols.map((symbol, s) => [symbol, s]));
    if (options.symbols !== undefined) this.tracker.indexSymbols(options.symbols);
    if (options.symbols !== undefined) {
      const index = this.symbolIndex;
      this.tradable = (symbol) => {
        const row = this.lastRow;
        const s = index.get(symbol);
        if (row === null || s === undefined) return false;
        const price = row[s] as number;
        return price === price;
      };
    }
    this.sampling =
      options.riskSampling === undefined
        ? options.symbols !== undefined
          ? { kind: 'bars' }
          : { kind: 'clock', sampleSeconds: 3600, snapshotIntervalSeconds: 10 }
        : options.riskSampling;
    this.rebalancer = this.createRebalancer();
    const n = config.allocations.length;
    this.strategyIds = this.base.strategyIds;
    this.capital = new Float64Array(n);
    this.targets = new Float64Array(n);
    this.baseTargets = new Float64Array(n);
    this.drift = new Float64Array(n);
    this.riskState =
      this.sampling === null
        ? null
        : RiskState.create(this.base, this.sampling, this.sleeveCapital());
    this.breakers = new Breakers(config, this.capitalSource);
  }

  get config(): PortfolioConfig {
    return this.currentConfig;
  }

  /** The allocator with the weights in force (risk-adjusted or the config's). */
  get allocator(): AllocationCalculator {
    return this.active;
  }

  /** The config's weights, without any adjustment. */
  get baseAllocator(): AllocationCalculator {
    return this.base;
  }

  get risk(): RiskState | null {
    return this.riskState;
  }

  /** The portfolio is halted: no new plan until a `resume` without a strategy. */
  get halted(): boolean {
    return this.breakers.halted !== null;
  }

  /** Why and since when the portfolio is halted, or null. */
  get halt(): { readonly sinceNs: bigint; readonly reason: string } | null {
    return this.breakers.halted;
  }

  /** Strategies paused by a breaker or an operator (target 0), in the order they were paused. */
  get paused(): ReadonlySet<string> {
    return new Set(this.breakers.paused.keys());
  }

  /** Whether a strategy is paused (its strategy's trades are refused in a backtest). */
  isPaused(strategyId: string): boolean {
    return this.breakers.paused.has(strategyId);
  }

  /** Why and since when a strategy is paused, or undefined. */
  pausedSleeve(
    strategyId: string,
  ): { readonly sinceNs: bigint; readonly reason: 'max_drawdown' | 'operator' } | undefined {
    return this.breakers.paused.get(strategyId);
  }

  /**
   * Whether `decide` must run at every bar or check even when nothing else could be due: a
   * drawdown limit is configured, a sleeve is paused (its timer), or a breaker rebalance is due.
   */
  get breakersActive(): boolean {
    return (
      this.options.rebalance !== false &&
      (this.breakers.watching || this.breakers.paused.size > 0 || this.breakers.rebalanceDue)
    );
  }

  /** Portfolio equity now: unallocated cash plus each sleeve's capital, in sleeve order. */
  get totalEquity(): number {
    let equity = this.tracker.unallocatedCash;
    for (const id of this.tracker.getStrategyIds()) equity += this.tracker.getStrategyCapital(id);
    return equity;
  }

  get lastRebalanceNs(): bigint {
    return this.tracker.lastRebalanceNs;
  }

  /** Index of a symbol for the array hot path (-1 when unknown). */
  symbolIndexOf(symbol: string): number {
    return this.symbolIndex.get(symbol) ?? -1;
  }

  // --- apply ------------------------------------------------------------------------------

  /**
   * Applies one event. A fill returns the tracker's outcome (a refused fill changes nothing);
   * every other event returns applied. Broken invariants (a plan for another portfolio, a
   * non-finite number) throw. A mark, plan or decision stamped later than every one before it
   * first records the state as it stood for the drawdown breakers (see `Breakers`).
   */
  apply(event: KernelEvent): ApplyResult {
    switch (event.type) {
      case 'fill': {
        const result = this.tracker.onFill(event.fill);
        if (result.success && result.data.status === 'applied' && this.options.trackPlans !== false)
          this.plans.onFill(event.fill);
        return result;
      }
      case 'mark':
        this.breakers.advance(event.mark.timestampNs, this.capitalSource);
        this.tracker.onPrice(event.mark);
        this.marks.accept(event.mark.symbol, event.mark.price, event.mark.timestampNs);
        return APPLIED;
      case 'mark_rejected':
        this.marks.reject(event.symbol, event.price);
        return APPLIED;
      case 'plan': {
        if (this.tracker.hasPlan(event.plan.planId)) return APPLIED;
        this.breakers.advance(event.plan.timestampNs, this.capitalSource);
        const navs = this.breakers.navsBeforeTransfers(this.capitalSource);
        this.tracker.applyPlan(event.plan);
        this.breakers.afterTransfers(event.plan.transfers, navs, this.capitalSource);
        if (this.options.trackPlans !== false) this.plans.add(event.plan);
        this.riskState?.onTransfers(event.plan.transfers);
        this.plansApplied++;
        return APPLIED;
      }
      case 'published':
        this.plans.markPublished(event.planId);
        return APPLIED;
      case 'adjustment':
        this.breakers.advance(event.timestampNs, this.capitalSource);
        this.applyAdjustment(event);
        return APPLIED;
      case 'config':
        this.reconfigure(event.config);
        return APPLIED;
      case 'sample':
        this.breakers.advance(event.timestampNs, this.capitalSource);
        this.riskState?.sample(event.timestampNs, event.capitals ?? this.capitalsById());
        return APPLIED;
      case 'breaker':
        this.breakers.advance(event.timestampNs, this.capitalSource);
        if (this.base.indexOf(event.strategyId) === undefined) return APPLIED;
        this.breakers.pause(event.strategyId, event.timestampNs, event.reason);
        this.refreshActive();
        return APPLIED;
      case 'halt':
        this.breakers.advance(event.timestampNs, this.capitalSource);
        this.breakers.setHalt(event.timestampNs, event.reason);
        return APPLIED;
      case 'resume':
        this.breakers.advance(event.timestampNs, this.capitalSource);
        if (event.strategyId === undefined) this.breakers.liftHalt();
        else if (this.breakers.resume(event.strategyId, this.capitalSource)) this.refreshActive();
        return APPLIED;
      case 'funding':
        this.breakers.advance(event.timestampNs, this.capitalSource);
        return APPLIED;
    }
  }

  /**
   * Hot path: marks for every symbol by dense index (`symbols` order); NaN = no bar (the symbol
   * keeps its last value and cannot trade until the next row).
   */
  applyMarks(row: Float64Array, timestampNs: bigint): void {
    this.breakers.advance(timestampNs, this.capitalSource);
    this.tracker.setMarksAt(row, timestampNs);
    this.lastRow = row;
  }

  /**
   * Hot path: a fill of strategy `strategyId` on symbol `s` (dense index) without an event
   * object; `quantity` signed (> 0 buys), `fee` the cash cost. No fill id: only for a run whose
   * fills are unique by construction.
   */
  applyTrade(strategyId: string, s: number, quantity: number, price: number, fee: number): void {
    this.tracker.applyTrade(strategyId, this.symbols[s] as string, quantity, price, fee);
  }

  /** Hot path: `applyTrade` for the `k`-th strategy of the config in force (config order). */
  applyTradeAt(k: number, s: number, quantity: number, price: number, fee: number): void {
    this.tracker.applyTradeAt(k, s, quantity, price, fee);
  }

  /** Bars: records the bar's closing sleeve capital (config order) as a risk return sample. */
  recordBar(timestampNs: bigint, capital: ArrayLike<number>): void {
    this.riskState?.recordBar(timestampNs, capital);
  }

  // --- decide -----------------------------------------------------------------------------

  /**
   * Measures the portfolio at `nowNs` (fills `capital`, `targets`, `baseTargets`, `drift`,
   * `equity`, `reason`) and returns the first thing due, applying nothing: a halt (equity <= 0),
   * a paused sleeve's timed resume, a breaker trip, a halt on the portfolio's drawdown, a risk
   * adjustment, then a rebalance plan (or why none is made; reason `breaker` right after a
   * pause or resume). Null when nothing is due. Journal a `halt`, `resume`, `breaker`,
   * `adjustment` or `plan` decision, apply it, and decide again.
   *
   * A caller with a fast path that skips `decide` on quiet bars must still call it whenever
   * `breakersActive` is true: breakers are evaluated only here.
   */
  decide(nowNs: bigint, options: DecideOptions = {}): KernelDecision | null {
    if (options.equityOnly === true) this.measureEquity();
    else this.measure(nowNs);
    const halted = this.breakers.halted !== null;
    if (!halted && this.equity <= 0) {
      return {
        type: 'halt',
        timestampNs: nowNs,
        reason: 'equity_depleted',
        message: `portfolio equity ${String(this.equity)} <= 0: trading stops`,
      };
    }
    if (options.equityOnly === true) return null;
    if (this.options.rebalance !== false) {
      const breaker = this.breakerDue(nowNs);
      if (breaker !== null) return breaker;
    }
    const risk = this.riskState;
    if (risk !== null && risk.isDue(nowNs)) return this.adjustmentAt(nowNs, risk);
    if (this.options.rebalance === false || this.halted || this.reason === null) return null;
    if (options.planNow === false)
      return { type: 'rebalance_due', timestampNs: nowNs, reason: this.reason };
    const timeout = this.options.planTimeoutNs ?? DEFAULT_PLAN_TIMEOUT_NS;
    const blocking = this.plans.blockingPlan(nowNs, timeout);
    if (blocking !== null) return { type: 'blocked', timestampNs: nowNs, planId: blocking };
    return this.plan(nowNs, this.reason);
  }

  /**
   * A rebalance plan at `nowNs` for `reason` at the current values, not applied (next_open
   * executes a rebalance decided a bar earlier).
   */
  plan(nowNs: bigint, reason: RebalanceReason): KernelDecision {
    const prefix = this.options.planIdPrefix;
    const state = this.tracker.getState();
    const planned = this.rebalancer.createRebalancePlan(state, this.valuation(state), nowNs, {
      ...(prefix === undefined ? {} : { planId: `${prefix}${this.plansApplied}` }),
      reason,
      allocator: this.active,
      ...(this.tradable === undefined ? {} : { tradable: this.tradable }),
    });
    if (!planned.success) {
      const failed: PlanFailedDecision = {
        type: 'plan_failed',
        timestampNs: nowNs,
        reason,
        code: planned.error.code,
        message: planned.error.message,
      };
      return failed;
    }
    return { type: 'plan', plan: planned.data };
  }

  /**
   * The tracker's snapshot at `nowNs` with the kernel's view: `halted`, `paused`, and reason
   * `breaker` while a breaker rebalance is due.
   */
  getSnapshot(nowNs: bigint): PortfolioSnapshot {
    const snapshot = this.tracker.getSnapshot(nowNs);
    const due = this.breakers.rebalanceDue && this.options.rebalance !== false;
    return {
      ...snapshot,
      ...(due ? { needsRebalance: true, rebalanceReason: 'breaker' as const } : {}),
      halted: this.halted,
      paused: this.pausedIds(),
    };
  }

  /** Paused strategies in config order. */
  pausedIds(): string[] {
    const paused = this.breakers.paused;
    return paused.size === 0 ? [] : this.strategyIds.filter((id) => paused.has(id));
  }

  /** The breakers' state for a checkpoint. */
  breakersJson(): BreakersJson {
    return this.breakers.toJSON();
  }

  /**
   * Restores the breakers from a checkpoint (recovery; throws when `json` is malformed); the
   * targets follow the paused set.
   */
  restoreBreakers(json: unknown): void {
    this.breakers.restore(json);
    this.refreshActive();
  }

  /** Drops plans whose intents are all filled or that are past the timeout. */
  prunePlans(nowNs: bigint): void {
    this.plans.prune(nowNs, this.options.planTimeoutNs ?? DEFAULT_PLAN_TIMEOUT_NS);
  }

  // --- internals --------------------------------------------------------------------------

  private measure(nowNs: bigint): void {
    const ids = this.strategyIds;
    const n = ids.length;
    const tracker = this.tracker;
    if (tracker.sleeveCount !== n) {
      this.measureWithRetired(nowNs);
      return;
    }
    // Without retired sleeves the tracker's sleeves are the config's, in config order.
    let equity = tracker.unallocatedCash;
    for (let k = 0; k < n; k++) {
      const value = tracker.capitalAt(k);
      this.capital[k] = value;
      equity += value;
    }
    this.equity = equity;
    if (this.riskState !== null) this.base.calculateTargetsInto(this.baseTargets, equity);
    this.active.calculateTargetsInto(this.targets, equity);
    if (this.riskState === null) this.baseTargets.set(this.targets);
    calculateDriftInto(this.drift, this.capital, this.targets, equity);
    this.reason = this.breakers.rebalanceDue
      ? 'breaker'
      : this.active.rebalanceReason(
          this.drift,
          { nowNs, lastRebalanceNs: tracker.lastRebalanceNs },
          { targets: this.targets, equity },
        );
  }

  /** A timed resume, a breaker trip or a drawdown halt that is due (see `Breakers.due`). */
  private breakerDue(nowNs: bigint): KernelDecision | null {
    const due = this.breakers.due(nowNs, this.capitalSource);
    if (due === null) return null;
    switch (due.type) {
      case 'resume':
        return { type: 'resume', timestampNs: nowNs, strategyId: due.strategyId, by: 'timer' };
      case 'breaker': {
        const limit = this.currentConfig.allocations.find(
          (a) => a.strategyId === due.strategyId,
        )?.maxDrawdown;
        return {
          type: 'breaker',
          timestampNs: nowNs,
          strategyId: due.strategyId,
          reason: 'max_drawdown',
          drawdown: due.drawdown,
          message: `${due.strategyId} is ${String(-due.drawdown)} below its peak (max_drawdown ${String(limit)}): paused`,
        };
      }
      case 'halt':
        return {
          type: 'halt',
          timestampNs: nowNs,
          reason: 'max_drawdown',
          drawdown: due.drawdown,
          message: `portfolio equity is ${String(-due.drawdown)} below its peak (max_drawdown ${String(this.currentConfig.maxDrawdown)}): halted`,
        };
    }
  }

  /** The allocator in force: the weights in force with paused sleeves held at 0. */
  private refreshActive(): void {
    const paused = this.breakers.paused;
    this.active = paused.size === 0 ? this.weighted : this.weighted.withPaused(paused.keys());
    this.tracker.setAllocator(this.active);
  }

  /** Capital and equity only (`equityOnly`); the other measures keep their last values. */
  private measureEquity(): void {
    const tracker = this.tracker;
    const n = tracker.sleeveCount;
    if (n !== this.strategyIds.length) {
      this.measureWithRetired(0n);
      return;
    }
    let equity = tracker.unallocatedCash;
    for (let k = 0; k < n; k++) {
      const value = tracker.capitalAt(k);
      this.capital[k] = value;
      equity += value;
    }
    this.equity = equity;
  }

  /** Retired sleeves (after a config change) count toward equity with target 0: the record path. */
  private measureWithRetired(nowNs: bigint): void {
    const snapshot = this.tracker.getSnapshot(nowNs);
    const ids = this.strategyIds;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as string;
      this.capital[k] = snapshot.strategyAllocations[id] ?? 0;
      this.targets[k] = snapshot.targetAllocations[id] ?? 0;
      this.drift[k] = snapshot.driftFromTarget[id] ?? 0;
    }
    this.equity = snapshot.totalEquity;
    if (this.riskState !== null) {
      const base = this.base.calculateTargets(
        snapshot.strategyAllocations,
        snapshot.unallocatedCash,
      ).targets;
      for (let k = 0; k < ids.length; k++) this.baseTargets[k] = base[ids[k] as string] ?? 0;
    } else this.baseTargets.set(this.targets);
    this.reason = this.breakers.rebalanceDue ? 'breaker' : snapshot.rebalanceReason;
  }

  private adjustmentAt(nowNs: bigint, risk: RiskState): AdjustmentDecision {
    const baseTargets = createIdRecord<number>();
    const ids = this.strategyIds;
    for (let k = 0; k < ids.length; k++)
      baseTargets[ids[k] as string] = this.baseTargets[k] as number;
    const { adjustment, history } = risk.calculate(nowNs, baseTargets);
    return {
      type: 'adjustment',
      timestampNs: nowNs,
      weights: adjustment.weights,
      inputLatestNs: risk.latestSampleNs,
      adjustment,
      previousWeights: this.weighted.weightsById(),
      baseTargets,
      history,
    };
  }

  private applyAdjustment(event: AdjustmentEvent): void {
    this.weighted = this.base.withWeights(event.weights);
    this.refreshActive();
    const risk = this.riskState;
    if (risk !== null) {
      risk.weights = { ...event.weights };
      risk.lastAdjustmentNs = event.timestampNs;
      risk.lastInputNs = event.inputLatestNs;
    }
  }

  private reconfigure(config: PortfolioConfig): void {
    this.currentConfig = config;
    this.base = new AllocationCalculator(config);
    this.weighted = this.base;
    this.active = this.base;
    this.tracker.reconfigure(config, { allocator: this.base });
    this.breakers.configure(config, this.capitalSource);
    this.refreshActive();
    this.rebalancer = this.createRebalancer();
    const n = config.allocations.length;
    this.strategyIds = this.base.strategyIds;
    this.capital = new Float64Array(n);
    this.targets = new Float64Array(n);
    this.baseTargets = new Float64Array(n);
    this.drift = new Float64Array(n);
    // New bounds or weights: an earlier adjustment no longer applies; clock samples carry over.
    this.riskState =
      this.sampling === null
        ? null
        : RiskState.create(this.base, this.sampling, this.sleeveCapital(), this.riskState);
  }

  private createRebalancer(): Rebalancer {
    const config = this.currentConfig;
    return new Rebalancer(this.base, new PositionSizer(config), {
      minTradeValue: config.minTradeValue,
      costs: this.options.costs ?? config.costs,
      netting: config.netting,
    });
  }

  /** Config sleeves' capital, config order (0 for a sleeve not yet there). */
  private sleeveCapital(): Float64Array {
    const ids = this.base.strategyIds;
    const have = new Set(this.tracker.getStrategyIds());
    return Float64Array.from(ids, (id) => (have.has(id) ? this.tracker.getStrategyCapital(id) : 0));
  }

  private capitalsById(): Record<string, number> {
    const out = createIdRecord<number>();
    for (const id of this.tracker.getStrategyIds()) out[id] = this.tracker.getStrategyCapital(id);
    return out;
  }

  /** The value of every held symbol (last mark or last fill price). */
  private valuation(state: PortfolioStateView): PriceMap {
    const prices = createIdRecord<number>();
    for (const sleeve of state.sleeves) {
      for (const symbol of Object.keys(sleeve.positions)) {
        const price = this.tracker.getPrice(symbol);
        if (price !== undefined) prices[symbol] = price;
      }
    }
    return prices;
  }
}
