// PortfolioTracker: applies fills, marks and rebalance plans to the sleeves; reports state, sleeves and snapshots.
import { createIdRecord } from '@njord/portfolio-contracts';
import { AllocationCalculator } from '@njord/portfolio-allocator';
import type {
  FillEvent,
  PortfolioConfig,
  PortfolioSnapshot,
  PortfolioStateView,
  PriceMark,
  RebalancePlan,
  Result,
  SleeveView,
} from '@njord/portfolio-contracts';
import { Position, Sleeve, SymbolState } from './book.js';
import { TrackerError, type TrackerErrorCode } from './errors.js';
import { FillLedger } from './fill-ledger.js';
import {
  checkTrackerState,
  parseNs,
  TRACKER_STATE_VERSION,
  TRACKER_CHAINED_STATE_VERSION,
  TRACKER_LISTED_CHAINED_STATE_VERSION,
  checkAppliedFills,
  type AppliedFillJson,
  type AppliedFillsJson,
  type PackedFillsBytes,
  type TrackerStateJson,
} from './state-json.js';

export type FillOutcome = { readonly status: 'applied' | 'duplicate' };

export type TrackerOptions = {
  /** Targets, drift and trigger (e.g. with risk-adjusted weights); default `new AllocationCalculator(config)`. */
  readonly allocator?: AllocationCalculator;
  /** Start of the frequency clock (bar or clock time), default 0n. */
  readonly startNs?: bigint;
  /**
   * Keep every applied fill id to refuse duplicates and conflicts (default true). A
   * simulation whose fill ids are unique by construction (a backtest) turns it off: the
   * id lookup is most of a fill's cost, and `serialize()` then carries no fill ids.
   */
  readonly rememberFillIds?: boolean;
  /**
   * The exactly-once window for fill ids (live: `dedupe_window_hours`). With it, the ledger
   * keeps its ids in time buckets of an eighth of the window, so `forgetFillsBefore` frees
   * memory as time passes. Without it, ids are forgotten only by `forgetFillsBefore`.
   */
  readonly dedupeWindowNs?: bigint;
};

/**
 * The largest amount (cash, notional, a position's value, a sleeve's capital, the book's
 * gross) the tracker accepts. Far beyond any real book, and small enough that sums over
 * millions of sleeves and positions stay finite (MAX_VALUE is about 1.8e308).
 */
export const MAX_AMOUNT = 1e300;

export interface PositionReport {
  readonly symbol: string;
  readonly units: number;
  /** Weighted average cost of the open units (0 when flat); fees are not in it. */
  readonly averageCost: number;
  /** The value per unit in use: the last mark, or the last fill price until a first mark. */
  readonly price: number;
  /** True while the symbol has never been marked (valued at its last fill price). */
  readonly stale: boolean;
  readonly marketValue: number;
  readonly realizedPnl: number;
  /** `units x (price - averageCost)`. */
  readonly unrealizedPnl: number;
  readonly fees: number;
}

export interface SleeveReport {
  readonly strategyId: string;
  /** Removed from the config: target 0 until wound down. */
  readonly retired: boolean;
  readonly cash: number;
  /** cash + sum(units x price). */
  readonly capital: number;
  /** Every symbol the sleeve has traded, flat ones included (they keep their realized PnL). */
  readonly positions: Readonly<Record<string, PositionReport>>;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
}

type FillResult = Result<FillOutcome, TrackerError>;

const APPLIED: FillResult = Object.freeze({
  success: true,
  data: Object.freeze({ status: 'applied' }),
});
const DUPLICATE: FillResult = Object.freeze({
  success: true,
  data: Object.freeze({ status: 'duplicate' }),
});

function refuse(code: TrackerErrorCode, message: string): FillResult {
  return { success: false, error: new TrackerError(code, message) };
}

/**
 * Books a checked trade: `quantity` signed (> 0 buys), `size` its magnitude, `fee` its cash
 * cost. The one place where a trade moves a sleeve's cash and a position's units.
 */
function book(
  sleeve: Sleeve,
  position: Position,
  quantity: number,
  size: number,
  price: number,
  fee: number,
): void {
  const notional = size * price;
  if (quantity > 0) {
    sleeve.cash -= notional + fee;
    position.trade(size, price);
  } else {
    sleeve.cash += notional - fee;
    position.trade(-size, price);
  }
  position.fees += fee;
}

function isUsableNumber(value: number): boolean {
  return value - value === 0; // false for NaN and +-Infinity
}

export class PortfolioTracker {
  readonly portfolioId: string;
  private currentConfig: PortfolioConfig;
  private calculator: AllocationCalculator;
  private sleeves = new Map<string, Sleeve>();
  /** Config order, then retired sleeves. */
  private order: Sleeve[] = [];
  private symbols = new Map<string, SymbolState>();
  /** The dense symbol list of `indexSymbols` (symbol -> index), or null. */
  private denseIndex: Map<string, number> | null = null;
  private denseSymbols: readonly string[] = [];
  /** By dense index: the symbol's state once it has one. */
  private symbolAt: (SymbolState | undefined)[] = [];
  private ledger: FillLedger;
  private readonly rememberFillIds: boolean;
  private readonly bucketNs: bigint | undefined;
  /** Applied plan ids and their plans' times, in the order applied. */
  private appliedPlans = new Map<string, bigint>();
  private unallocated = 0;
  private lastRebalance: bigint;

  /** Funds every sleeve at its target of `total_capital`; what no sleeve may take stays unallocated. */
  constructor(config: PortfolioConfig, options: TrackerOptions = {}) {
    this.portfolioId = config.id;
    this.currentConfig = config;
    this.calculator = this.checkedAllocator(config, options.allocator);
    this.lastRebalance = options.startNs ?? 0n;
    this.rememberFillIds = options.rememberFillIds ?? true;
    this.bucketNs =
      options.dedupeWindowNs !== undefined && options.dedupeWindowNs > 0n
        ? options.dedupeWindowNs / 8n
        : undefined;
    this.ledger = this.newLedger();
    const targets = this.calculator.calculateTargets({}, config.totalCapital).targets;
    let funded = 0;
    for (const allocation of config.allocations) {
      const cash = targets[allocation.strategyId] ?? 0;
      funded += cash;
      this.addSleeve(allocation.strategyId, cash);
    }
    this.unallocated = config.totalCapital - funded;
  }

  get config(): PortfolioConfig {
    return this.currentConfig;
  }

  /** The allocator used for targets, drift and the trigger. */
  get allocator(): AllocationCalculator {
    return this.calculator;
  }

  get lastRebalanceNs(): bigint {
    return this.lastRebalance;
  }

  get unallocatedCash(): number {
    return this.unallocated;
  }

  /** Number of fill ids remembered: fills applied (each id once) and not forgotten past the horizon. */
  get appliedFillCount(): number {
    return this.ledger.size;
  }

  /** Fills stamped before this are refused `too_old` (undefined: none is). */
  get dedupeHorizonNs(): bigint | undefined {
    return this.ledger.dedupeHorizonNs;
  }

  /**
   * Moves the dedupe horizon to `horizonNs` (live: the clock minus `dedupe_window_hours`;
   * it never moves back): fill ids stamped before it may be forgotten, and from now on a
   * fill stamped before it is refused `too_old` instead of being applied unchecked.
   * Returns how many ids were forgotten.
   */
  forgetFillsBefore(horizonNs: bigint): number {
    const forgotten = this.ledger.forgetBefore(horizonNs);
    this.forgetPlansBefore(this.ledger.dedupeHorizonNs ?? horizonNs);
    return forgotten;
  }

  /**
   * Plan ids stamped before `horizonNs` are forgotten with the fill ids (the applied plans stay
   * bounded by the window). Plans are applied in time order, so the oldest come first; one
   * applied out of order is kept until the plans applied before it go.
   */
  private forgetPlansBefore(horizonNs: bigint): void {
    for (const [planId, timestampNs] of this.appliedPlans) {
      if (timestampNs >= horizonNs) return;
      this.appliedPlans.delete(planId);
    }
  }

  /**
   * Applies a fill once per `fill_id`. Checked before anything changes: another portfolio's
   * fill -> `portfolio_mismatch`; a seen id -> `duplicate` (same content) or `fill_conflict`;
   * a strategy without a sleeve -> `unknown_strategy`. Never refused for its consequences
   * (negative cash, a short, a flip through zero). The caller decodes (no schema here); a
   * non-finite or out-of-range number throws `invalid_input`.
   */
  onFill(fill: FillEvent): FillResult {
    if (fill.portfolioId !== undefined && fill.portfolioId !== this.portfolioId) {
      return refuse(
        'portfolio_mismatch',
        `fill ${fill.fillId} is for portfolio ${fill.portfolioId}, not ${this.portfolioId}`,
      );
    }
    const horizon = this.ledger.dedupeHorizonNs;
    if (horizon !== undefined && fill.timestampNs < horizon) {
      return refuse(
        'too_old',
        `fill ${fill.fillId} is stamped ${fill.timestampNs.toString()}, before the dedupe window (from ${horizon.toString()}): it cannot be checked for a duplicate`,
      );
    }
    const prior = this.rememberFillIds ? this.ledger.find(fill.fillId) : -1;
    if (prior >= 0) {
      return this.ledger.matches(prior, fill)
        ? DUPLICATE
        : refuse('fill_conflict', `fill ${fill.fillId} was applied before with different content`);
    }
    const sleeve = this.sleeves.get(fill.strategyId);
    if (sleeve === undefined) {
      return refuse(
        'unknown_strategy',
        `fill ${fill.fillId}: strategy ${fill.strategyId} is not in portfolio ${this.portfolioId}`,
      );
    }
    this.checkFillNumbers(fill);
    const overflow = this.fillOverflow(sleeve, fill);
    if (overflow !== null) return refuse('out_of_range', overflow);
    this.applyFill(sleeve, fill);
    return APPLIED;
  }

  /**
   * A fill without an event object, for a simulation's hot path: `quantity` signed (> 0 buys),
   * `fee` its cash cost. The same accounting as `onFill`, but no fill id is remembered, so
   * only for runs whose fills are unique by construction. Throws `unknown_strategy` without
   * a sleeve and `invalid_input` for a non-finite or non-positive number.
   */
  applyTrade(
    strategyId: string,
    symbol: string,
    quantity: number,
    price: number,
    fee: number,
  ): void {
    const sleeve = this.sleeveOf(strategyId);
    const size = Math.abs(quantity);
    if (
      !(size > 0) ||
      size === Infinity ||
      !(price > 0) ||
      price === Infinity ||
      !(fee >= 0) ||
      fee === Infinity
    ) {
      throw new TrackerError(
        'invalid_input',
        `trade of ${strategyId} in ${symbol}: quantity and price must be finite and non-zero/> 0, fee finite and >= 0 (got ${String(quantity)}, ${String(price)}, ${String(fee)})`,
      );
    }
    book(sleeve, this.positionFor(sleeve, symbol, price), quantity, size, price, fee);
  }

  /** Whether a fill id has been applied. */
  hasFill(fillId: string): boolean {
    return this.ledger.find(fillId) >= 0;
  }

  /**
   * Why a mark at `price` for `symbol` cannot be applied, or null: a price that is not a
   * finite number > 0, or one that would value a position or the book beyond `MAX_AMOUNT`
   * (a 1.7e308 mark). Nothing changes; the live manager dead-letters a non-null answer.
   */
  checkMark(symbol: string, price: number): string | null {
    if (!(price > 0) || price === Infinity)
      return `mark for ${symbol}: price must be a finite number > 0, got ${String(price)}`;
    if (price > MAX_AMOUNT)
      return `mark for ${symbol}: price ${String(price)} is beyond ${String(MAX_AMOUNT)}`;
    const valuation = this.symbols.get(symbol);
    return this.grossProblem(undefined, 0, '', 0, 0, valuation, price, 'mark for', symbol);
  }

  /** The value per unit of every symbol a sleeve holds (units != 0), keyed by symbol (no prototype). */
  getPriceMap(): Record<string, number> {
    const prices = createIdRecord<number>();
    for (const sleeve of this.order) {
      for (const position of sleeve.positions.values()) {
        if (position.units !== 0) prices[position.symbol] = position.valuation.price;
      }
    }
    return prices;
  }

  onPrice(mark: PriceMark): void {
    this.setMark(mark.symbol, mark.price, mark.timestampNs);
  }

  /**
   * Values `symbol` at `price` from now on. Allocation-free once the symbol is known. A mark
   * older than the symbol's last mark is ignored (out of order). Throws `invalid_input` for a
   * price that is not a finite number > 0.
   */
  setMark(symbol: string, price: number, timestampNs: bigint): void {
    if (!(price > 0) || price === Infinity) {
      throw new TrackerError(
        'invalid_input',
        `mark for ${symbol}: price must be a finite number > 0, got ${String(price)}`,
      );
    }
    const valuation = this.symbols.get(symbol);
    if (valuation === undefined) {
      const created = this.newSymbolState(symbol, price);
      created.marked = true;
      created.markNs = timestampNs;
      return;
    }
    if (valuation.marked && timestampNs < valuation.markNs) return;
    valuation.price = price;
    valuation.marked = true;
    valuation.markNs = timestampNs;
  }

  /**
   * Applies a rebalance plan: each transfer to its sleeve's cash, unallocated cash minus
   * their sum, the plan's internal (netting) fills as fills, and `lastRebalanceNs` =
   * `plan.timestampNs`. Everything is checked first (throws `portfolio_mismatch` or
   * `invalid_plan`, nothing changed). A plan id applied before is ignored. Retired sleeves
   * left with no units and no cash are dropped afterwards.
   */
  applyPlan(plan: RebalancePlan): void {
    if (plan.portfolioId !== this.portfolioId) {
      throw new TrackerError(
        'portfolio_mismatch',
        `plan ${plan.planId} is for portfolio ${plan.portfolioId}, not ${this.portfolioId}`,
      );
    }
    if (this.appliedPlans.has(plan.planId)) return;
    // Own keys in Object.entries' order, without an array per entry (one plan per bar in a
    // backtest that rebalances on every bar).
    const transfers = plan.transfers;
    for (const strategyId in transfers) {
      if (!Object.hasOwn(transfers, strategyId)) continue;
      const amount = transfers[strategyId] as number;
      if (!this.sleeves.has(strategyId)) {
        throw new TrackerError(
          'invalid_plan',
          `plan ${plan.planId}: transfer to ${strategyId}, which has no sleeve`,
        );
      }
      if (!isUsableNumber(amount)) {
        throw new TrackerError(
          'invalid_plan',
          `plan ${plan.planId}: transfer to ${strategyId} is ${String(amount)}`,
        );
      }
    }
    const internalFills = plan.internalFills ?? [];
    const seen = new Set<string>();
    for (const fill of internalFills) {
      if (seen.has(fill.fillId))
        throw new TrackerError(
          'invalid_plan',
          `plan ${plan.planId}: internal fill ${fill.fillId} twice`,
        );
      seen.add(fill.fillId);
      const problem = this.checkFill(fill);
      if (problem !== null)
        throw new TrackerError('invalid_plan', `plan ${plan.planId}: ${problem}`);
    }

    let transferred = 0;
    for (const strategyId in transfers) {
      if (!Object.hasOwn(transfers, strategyId)) continue;
      const amount = transfers[strategyId] as number;
      (this.sleeves.get(strategyId) as Sleeve).cash += amount;
      transferred += amount;
    }
    this.unallocated -= transferred;
    for (const fill of internalFills) {
      const sleeve = this.sleeves.get(fill.strategyId) as Sleeve;
      if (this.ledger.find(fill.fillId) < 0) this.applyFill(sleeve, fill);
    }
    this.lastRebalance = plan.timestampNs;
    this.appliedPlans.set(plan.planId, plan.timestampNs);
    this.dropWoundDownSleeves();
  }

  /** Whether a plan id has been applied. */
  hasPlan(planId: string): boolean {
    return this.appliedPlans.has(planId);
  }

  /** Uses another allocator (e.g. risk-adjusted weights) for targets, drift and the trigger. */
  setAllocator(allocator: AllocationCalculator): void {
    this.calculator = this.checkedAllocator(this.currentConfig, allocator);
  }

  /**
   * Switches to a new config of the same portfolio. Strategies added get an empty sleeve
   * (0 cash: the next rebalance funds them). Strategies removed keep their sleeve, retired
   * with target 0, until a rebalance winds it down (no units, no cash), then it is dropped;
   * a removed sleeve that is already empty is dropped at once. `total_capital` is not
   * re-applied: the capital is what the sleeves hold.
   */
  reconfigure(
    config: PortfolioConfig,
    options: { readonly allocator?: AllocationCalculator } = {},
  ): void {
    if (config.id !== this.portfolioId) {
      throw new TrackerError(
        'portfolio_mismatch',
        `config is for portfolio ${config.id}, not ${this.portfolioId}`,
      );
    }
    const allocator = this.checkedAllocator(config, options.allocator);
    const previous = this.order;
    const inConfig = new Set(config.allocations.map((allocation) => allocation.strategyId));
    this.order = [];
    for (const allocation of config.allocations) {
      const existing = this.sleeves.get(allocation.strategyId);
      if (existing === undefined) this.addSleeve(allocation.strategyId, 0);
      else {
        existing.retired = false;
        this.order.push(existing);
      }
    }
    for (const sleeve of previous) {
      if (inConfig.has(sleeve.strategyId)) continue;
      if (sleeve.isEmpty()) this.sleeves.delete(sleeve.strategyId);
      else {
        sleeve.retired = true;
        this.order.push(sleeve);
      }
    }
    this.currentConfig = config;
    this.calculator = allocator;
  }

  /** What the rebalancer plans from: config sleeves in config order, then retired ones. */
  getState(): PortfolioStateView {
    const sleeves: SleeveView[] = [];
    for (const sleeve of this.order) {
      const positions = createIdRecord<number>();
      for (const [symbol, position] of sleeve.positions) {
        if (position.units !== 0) positions[symbol] = position.units;
      }
      sleeves.push({ strategyId: sleeve.strategyId, cash: sleeve.cash, positions });
    }
    return {
      portfolioId: this.portfolioId,
      sleeves,
      unallocatedCash: this.unallocated,
      lastRebalanceNs: this.lastRebalance,
    };
  }

  /** Every snapshot field, with drift and the trigger as of `nowNs`. */
  getSnapshot(nowNs: bigint): PortfolioSnapshot {
    const capitals = createIdRecord<number>();
    let equity = 0;
    for (const sleeve of this.order) {
      const capital = sleeve.capital();
      capitals[sleeve.strategyId] = capital;
      equity += capital;
    }
    equity += this.unallocated;
    const allocation = this.calculator.calculateTargets(capitals, this.unallocated);
    const drift = this.calculator.calculateDrift(capitals, allocation.targets, equity);
    const reason = this.calculator.rebalanceReason(
      drift,
      { nowNs, lastRebalanceNs: this.lastRebalance },
      { targets: allocation.targets, equity },
    );
    return {
      portfolioId: this.portfolioId,
      timestampNs: nowNs,
      totalEquity: equity,
      strategyAllocations: capitals,
      driftFromTarget: drift,
      needsRebalance: reason !== null,
      targetAllocations: allocation.targets,
      unallocatedCash: this.unallocated,
      boundsViolated: allocation.boundsViolated,
      rebalanceReason: reason,
      staleSymbols: this.staleSymbols(),
    };
  }

  /** Held symbols never marked (valued at their last fill price), sorted. */
  staleSymbols(): string[] {
    const stale = new Set<string>();
    for (const sleeve of this.order) {
      for (const position of sleeve.positions.values()) {
        if (position.units !== 0 && !position.valuation.marked) stale.add(position.symbol);
      }
    }
    return [...stale].sort();
  }

  /** The value per unit in use for `symbol` (last mark or last fill price), undefined if never seen. */
  getPrice(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.price;
  }

  /** A sleeve's capital: cash + sum(units x value). Throws `unknown_strategy` without a sleeve. */
  getStrategyCapital(strategyId: string): number {
    return this.sleeveOf(strategyId).capital();
  }

  /** Units of `symbol` held by a sleeve (0 when none): allocation-free, for per-bar loops. */
  getUnits(strategyId: string, symbol: string): number {
    return this.sleeveOf(strategyId).positions.get(symbol)?.units ?? 0;
  }

  /** A sleeve's cash. Throws `unknown_strategy` without a sleeve. */
  getCash(strategyId: string): number {
    return this.sleeveOf(strategyId).cash;
  }

  // --- dense hot path: symbols by index, sleeves by position in `getStrategyIds()` order ---

  /**
   * Numbers `symbols` 0..m-1 for the dense methods below (a simulation passes its data's
   * symbols once). The dense methods do exactly what their named counterparts do.
   */
  indexSymbols(symbols: readonly string[]): void {
    const index = new Map<string, number>();
    symbols.forEach((symbol, s) => {
      if (!index.has(symbol)) index.set(symbol, s);
    });
    this.denseIndex = index;
    this.denseSymbols = [...symbols];
    this.symbolAt = new Array<SymbolState | undefined>(symbols.length).fill(undefined);
    for (const valuation of this.symbols.values()) {
      valuation.index = index.get(valuation.symbol) ?? -1;
      if (valuation.index >= 0) this.symbolAt[valuation.index] = valuation;
    }
    for (const sleeve of this.sleeves.values()) {
      sleeve.at.length = 0;
      for (const position of sleeve.list) {
        if (position.valuation.index >= 0) sleeve.at[position.valuation.index] = position;
      }
    }
  }

  /**
   * `setMark` for every symbol of the dense list at once: `row[s]` is symbol s's price, NaN
   * for none. Allocation-free once every symbol is known.
   */
  setMarksAt(row: Float64Array, timestampNs: bigint): void {
    const at = this.symbolAt;
    for (let s = 0; s < row.length; s++) {
      const price = row[s] as number;
      if (price !== price) continue;
      const valuation = at[s];
      if (valuation === undefined || !(price > 0) || price === Infinity) {
        this.setMark(this.denseSymbols[s] as string, price, timestampNs);
        continue;
      }
      if (valuation.marked && timestampNs < valuation.markNs) continue;
      valuation.price = price;
      valuation.marked = true;
      valuation.markNs = timestampNs;
    }
  }

  /**
   * `applyTrade` for the `k`-th sleeve (`getStrategyIds()` order) and dense symbol `s`.
   */
  applyTradeAt(k: number, s: number, quantity: number, price: number, fee: number): void {
    const sleeve = this.order[k];
    const position = sleeve?.at[s];
    const size = quantity > 0 ? quantity : -quantity;
    if (
      sleeve === undefined ||
      position === undefined ||
      !(size > 0) ||
      size === Infinity ||
      !(price > 0) ||
      price === Infinity ||
      !(fee >= 0) ||
      fee === Infinity
    ) {
      // A first trade in the symbol, or numbers to refuse: the named path says why.
      const symbol = this.denseSymbols[s];
      if (sleeve === undefined || symbol === undefined)
        throw new TrackerError(
          'invalid_input',
          `no sleeve ${k} or no symbol ${s} in the dense book`,
        );
      this.applyTrade(sleeve.strategyId, symbol, quantity, price, fee);
      return;
    }
    const valuation = position.valuation;
    if (!valuation.marked) valuation.price = price;
    book(sleeve, position, quantity, size, price, fee);
  }

  /** The `k`-th sleeve's capital (`getStrategyCapital`). */
  capitalAt(k: number): number {
    return (this.order[k] as Sleeve).capital();
  }

  /** The `k`-th sleeve's cash (`getCash`). */
  cashAt(k: number): number {
    return (this.order[k] as Sleeve).cash;
  }

  /** Units of dense symbol `s` in the `k`-th sleeve (`getUnits`). */
  unitsAt(k: number, s: number): number {
    return (this.order[k] as Sleeve).at[s]?.units ?? 0;
  }

  /** The value per unit of dense symbol `s` (`getPrice`). */
  priceAt(s: number): number | undefined {
    return this.symbolAt[s]?.price;
  }

  /** Sum of sleeve capital + unallocated cash. */
  getTotalEquity(): number {
    let equity = 0;
    for (const sleeve of this.order) equity += sleeve.capital();
    return equity + this.unallocated;
  }

  /** Sleeves held: the config's, then retired ones not yet wound down. */
  get sleeveCount(): number {
    return this.order.length;
  }

  /** Strategy ids with a sleeve: config order, then retired ones. */
  getStrategyIds(): string[] {
    return this.order.map((sleeve) => sleeve.strategyId);
  }

  /** One sleeve in full. Throws `unknown_strategy` without a sleeve. */
  getSleeve(strategyId: string): SleeveReport {
    const sleeve = this.sleeveOf(strategyId);
    const positions = createIdRecord<PositionReport>();
    let realizedPnl = 0;
    let unrealizedPnl = 0;
    let fees = 0;
    let capital = sleeve.cash;
    for (const [symbol, position] of sleeve.positions) {
      const price = position.valuation.price;
      const marketValue = position.units * price;
      const unrealized = position.units === 0 ? 0 : position.units * (price - position.averageCost);
      positions[symbol] = {
        symbol,
        units: position.units,
        averageCost: position.averageCost,
        price,
        stale: !position.valuation.marked,
        marketValue,
        realizedPnl: position.realizedPnl,
        unrealizedPnl: unrealized,
        fees: position.fees,
      };
      realizedPnl += position.realizedPnl;
      unrealizedPnl += unrealized;
      fees += position.fees;
      if (position.units !== 0) capital += marketValue;
    }
    return {
      strategyId,
      retired: sleeve.retired,
      cash: sleeve.cash,
      capital,
      positions,
      realizedPnl,
      unrealizedPnl,
      fees,
    };
  }

  /**
   * Applied fills ever recorded in the dedupe ledger (remembered or forgotten since): fill
   * number `n` is the `n + 1`-th recorded. A chain of checkpoints writes each fill once by these
   * numbers (`serialize({ fillsSince })`).
   */
  get ledgerAdded(): number {
    return this.ledger.added;
  }

  /** The number (see `ledgerAdded`) of the oldest fill id still remembered. */
  get oldestRememberedFill(): number {
    return this.ledger.oldestRemembered;
  }

  /**
   * The whole state as plain JSON (bigints as decimal strings); exact through JSON. With
   * `fillsSince`, `applied_fills` hold only the remembered fills numbered `fillsSince` or later
   * (version 4, a link of a chain: restoring it needs the earlier links' fills, see `restore`);
   * the cost then grows with the fills since, not with every fill remembered. Fills are packed:
   * a 128-bit hash of each id, a 64-bit hash of its content and its timestamp (no id string).
   */
  serialize(options: { readonly fillsSince?: number } = {}): TrackerStateJson {
    const since = options.fillsSince;
    return {
      version: since === undefined ? TRACKER_STATE_VERSION : TRACKER_CHAINED_STATE_VERSION,
      portfolio_id: this.portfolioId,
      unallocated_cash: this.unallocated,
      last_rebalance_ns: this.lastRebalance.toString(),
      sleeves: this.order.map((sleeve) => ({
        strategy_id: sleeve.strategyId,
        cash: sleeve.cash,
        positions: [...sleeve.positions.values()].map((position) => ({
          symbol: position.symbol,
          units: position.units,
          average_cost: position.averageCost,
          realized_pnl: position.realizedPnl,
          fees: position.fees,
        })),
      })),
      symbols: [...this.symbols.values()].map((valuation) => ({
        symbol: valuation.symbol,
        price: valuation.price,
        marked_ns: valuation.marked ? valuation.markNs.toString() : null,
      })),
      applied_fills: this.ledger.packed(since ?? 0),
      dedupe_horizon_ns: this.ledger.dedupeHorizonNs?.toString() ?? null,
      applied_plans: [...this.appliedPlans.keys()],
      applied_plan_ns: Array.from(this.appliedPlans.values(), (ns) => ns.toString()),
    };
  }

  /**
   * A tracker in exactly the serialized state, under `config` (which may differ from the
   * one serialized: as `reconfigure`, new strategies get empty sleeves, removed ones retire).
   * Throws `invalid_state` for a malformed state, `portfolio_mismatch` for another portfolio's.
   * A chained state (version 4, or 2 as written before fills were packed) needs `earlierFills`:
   * the `applied_fills` of the earlier links of its chain, oldest first, packed or listed (read
   * one link at a time: only one is held at once), else it throws `invalid_state`.
   */
  static restore(
    config: PortfolioConfig,
    state: TrackerStateJson,
    options: {
      readonly allocator?: AllocationCalculator;
      readonly dedupeWindowNs?: bigint;
      readonly earlierFills?: Iterable<unknown>;
    } = {},
  ): PortfolioTracker {
    const checked = checkTrackerState(state);
    if (checked.portfolio_id !== config.id) {
      throw new TrackerError(
        'portfolio_mismatch',
        `state is for portfolio ${checked.portfolio_id}, not ${config.id}`,
      );
    }
    const tracker = new PortfolioTracker(config, {
      ...(options.allocator === undefined ? {} : { allocator: options.allocator }),
      ...(options.dedupeWindowNs === undefined ? {} : { dedupeWindowNs: options.dedupeWindowNs }),
    });
    if (
      (checked.version === TRACKER_CHAINED_STATE_VERSION ||
        checked.version === TRACKER_LISTED_CHAINED_STATE_VERSION) &&
      options.earlierFills === undefined
    )
      throw new TrackerError(
        'invalid_state',
        `state.version: ${checked.version} (a link of a checkpoint chain) needs the earlier links’ fills`,
      );
    tracker.load(checked, options.earlierFills ?? []);
    return tracker;
  }

  private load(state: TrackerStateJson, earlierFills: Iterable<unknown>): void {
    this.sleeves = new Map();
    this.order = [];
    this.symbols = new Map();
    this.symbolAt = [];
    this.ledger = this.newLedger();
    this.unallocated = state.unallocated_cash;
    this.lastRebalance = parseNs(state.last_rebalance_ns, 'state.last_rebalance_ns');
    // A state written before plans carried their times: each is taken as the last
    // rebalance's (no plan is later), so none is forgotten before it could have been.
    const planNs = state.applied_plan_ns;
    this.appliedPlans = new Map(
      state.applied_plans.map((planId, i) => [
        planId,
        planNs === undefined ? this.lastRebalance : BigInt(planNs[i] as string),
      ]),
    );
    for (const entry of state.symbols) {
      const valuation = this.newSymbolState(entry.symbol, entry.price);
      if (entry.marked_ns !== null) {
        valuation.marked = true;
        valuation.markNs = BigInt(entry.marked_ns);
      }
    }
    const restored = new Map<string, Sleeve>();
    for (const entry of state.sleeves) {
      if (restored.has(entry.strategy_id)) {
        throw new TrackerError('invalid_state', `state.sleeves: ${entry.strategy_id} twice`);
      }
      const sleeve = new Sleeve(
        entry.strategy_id,
        this.ledger.intern(entry.strategy_id),
        entry.cash,
      );
      for (const saved of entry.positions) {
        const valuation = this.symbols.get(saved.symbol);
        if (valuation === undefined) {
          throw new TrackerError(
            'invalid_state',
            `state.sleeves: ${entry.strategy_id} holds ${saved.symbol}, which has no value`,
          );
        }
        if (sleeve.positions.has(saved.symbol)) {
          throw new TrackerError(
            'invalid_state',
            `state.sleeves: ${entry.strategy_id} holds ${saved.symbol} twice`,
          );
        }
        const position = new Position(valuation);
        position.units = saved.units;
        position.averageCost = saved.average_cost;
        position.realizedPnl = saved.realized_pnl;
        position.fees = saved.fees;
        sleeve.add(position);
      }
      restored.set(entry.strategy_id, sleeve);
    }
    const inConfig = new Set<string>();
    for (const allocation of this.currentConfig.allocations) {
      inConfig.add(allocation.strategyId);
      const sleeve = restored.get(allocation.strategyId);
      if (sleeve === undefined) this.addSleeve(allocation.strategyId, 0);
      else {
        this.sleeves.set(sleeve.strategyId, sleeve);
        this.order.push(sleeve);
      }
    }
    for (const sleeve of restored.values()) {
      if (inConfig.has(sleeve.strategyId)) continue;
      sleeve.retired = true;
      this.sleeves.set(sleeve.strategyId, sleeve);
      this.order.push(sleeve);
    }
    let link = 0;
    for (const earlier of earlierFills) {
      const path = `earlier link ${link}.applied_fills`;
      this.addAppliedFills(checkAppliedFills(earlier, path), path);
      link++;
    }
    this.addAppliedFills(state.applied_fills, 'state.applied_fills');
    const horizon = state.dedupe_horizon_ns;
    if (horizon !== undefined && horizon !== null) this.ledger.forgetBefore(BigInt(horizon));
  }

  private addAppliedFills(fills: AppliedFillsJson | PackedFillsBytes, path: string): void {
    if (Array.isArray(fills))
      for (const entry of fills as readonly AppliedFillJson[]) this.ledger.addEntry(entry);
    else this.ledger.addPacked(fills as PackedFillsBytes, path);
  }

  /** A symbol seen for the first time (its dense index set when the tracker has a list). */
  private newSymbolState(symbol: string, price: number): SymbolState {
    const valuation = new SymbolState(symbol, this.ledger.intern(symbol), price);
    const index = this.denseIndex?.get(symbol);
    if (index !== undefined) {
      valuation.index = index;
      this.symbolAt[index] = valuation;
    }
    this.symbols.set(symbol, valuation);
    return valuation;
  }

  private newLedger(): FillLedger {
    return new FillLedger(undefined, this.bucketNs);
  }

  private addSleeve(strategyId: string, cash: number): Sleeve {
    const sleeve = new Sleeve(strategyId, this.ledger.intern(strategyId), cash);
    this.sleeves.set(strategyId, sleeve);
    this.order.push(sleeve);
    return sleeve;
  }

  private sleeveOf(strategyId: string): Sleeve {
    const sleeve = this.sleeves.get(strategyId);
    if (sleeve === undefined) {
      throw new TrackerError(
        'unknown_strategy',
        `strategy ${strategyId} has no sleeve in portfolio ${this.portfolioId}`,
      );
    }
    return sleeve;
  }

  private checkedAllocator(
    config: PortfolioConfig,
    allocator: AllocationCalculator | undefined,
  ): AllocationCalculator {
    if (allocator === undefined) return new AllocationCalculator(config);
    if (allocator.config.id !== config.id) {
      throw new TrackerError(
        'portfolio_mismatch',
        `allocator is for portfolio ${allocator.config.id}, not ${config.id}`,
      );
    }
    return allocator;
  }

  /**
   * Why applying `fill` to `sleeve` would take an amount past `MAX_AMOUNT` (or make it
   * non-finite), or null: the notional, the fee, the sleeve's cash, and the book's gross
   * value (sum of |cash| and |units x price| over every sleeve, with the symbol repriced at
   * the fill price while it has no mark).
   */
  private fillOverflow(sleeve: Sleeve, fill: FillEvent): string | null {
    const { quantity, price, fee } = fill;
    const notional = quantity * price;
    if (!(notional <= MAX_AMOUNT) || !(fee <= MAX_AMOUNT))
      return `fill ${fill.fillId}: quantity x price (${String(quantity)} x ${String(price)} = ${String(notional)}) and fee must be <= ${String(MAX_AMOUNT)}`;
    const cash = fill.side === 'buy' ? sleeve.cash - notional - fee : sleeve.cash + notional - fee;
    if (!(Math.abs(cash) <= MAX_AMOUNT))
      return `fill ${fill.fillId}: the sleeve's cash would be ${String(cash)}, beyond ${String(MAX_AMOUNT)}`;
    const valuation = this.symbols.get(fill.symbol);
    const newPrice = valuation === undefined || !valuation.marked ? price : valuation.price;
    const held = sleeve.positions.get(fill.symbol)?.units ?? 0;
    const units = held + (fill.side === 'buy' ? quantity : -quantity);
    return this.grossProblem(
      sleeve,
      cash,
      fill.symbol,
      units,
      newPrice,
      valuation,
      newPrice,
      'fill',
      fill.fillId,
    );
  }

  /**
   * The book's gross value with one sleeve's cash and units of a symbol changed (`changed`
   * undefined: none) and/or one symbol repriced; a message about `${kind} ${name}` when it
   * passes `MAX_AMOUNT`, else null. Members, not an object: nothing is built per fill.
   */
  private grossProblem(
    changed: Sleeve | undefined,
    changedCash: number,
    changedSymbol: string,
    changedUnits: number,
    changedPrice: number,
    valuation: SymbolState | undefined,
    newPrice: number,
    kind: 'fill' | 'mark for',
    name: string,
  ): string | null {
    let gross = Math.abs(this.unallocated);
    for (const sleeve of this.order) {
      const isChanged = changed === sleeve;
      gross += Math.abs(isChanged ? changedCash : sleeve.cash);
      for (const position of sleeve.positions.values()) {
        if (isChanged && position.symbol === changedSymbol) continue;
        const price = position.valuation === valuation ? newPrice : position.valuation.price;
        gross += Math.abs(position.units * price);
      }
      if (isChanged) gross += Math.abs(changedUnits * changedPrice);
    }
    if (gross <= MAX_AMOUNT) return null;
    return `${kind} ${name}: the book's gross value would be ${String(gross)}, beyond ${String(MAX_AMOUNT)}`;
  }

  private checkFillNumbers(fill: FillEvent): void {
    const { quantity, price, fee } = fill;
    if (
      !(quantity > 0) ||
      quantity === Infinity ||
      !(price > 0) ||
      price === Infinity ||
      !(fee >= 0) ||
      fee === Infinity
    ) {
      throw new TrackerError(
        'invalid_input',
        `fill ${fill.fillId}: quantity and price must be finite and > 0, fee finite and >= 0 (got ${String(quantity)}, ${String(price)}, ${String(fee)})`,
      );
    }
  }

  /** The reason a fill would be refused, or null if it would apply or is a duplicate (no mutation). */
  private checkFill(fill: FillEvent): string | null {
    if (fill.portfolioId !== undefined && fill.portfolioId !== this.portfolioId)
      return `fill ${fill.fillId} is for portfolio ${fill.portfolioId}`;
    const prior = this.ledger.find(fill.fillId);
    if (prior >= 0)
      return this.ledger.matches(prior, fill)
        ? null
        : `fill ${fill.fillId} conflicts with an applied fill`;
    if (!this.sleeves.has(fill.strategyId))
      return `fill ${fill.fillId}: strategy ${fill.strategyId} has no sleeve`;
    try {
      this.checkFillNumbers(fill);
    } catch (error) {
      return (error as Error).message;
    }
    return null;
  }

  private applyFill(sleeve: Sleeve, fill: FillEvent): void {
    const { quantity, price, fee } = fill;
    const position = this.positionFor(sleeve, fill.symbol, price);
    if (this.rememberFillIds) this.ledger.add(fill);
    book(sleeve, position, fill.side === 'buy' ? quantity : -quantity, quantity, price, fee);
  }

  /**
   * `sleeve`'s position in `symbol`, opened when it has none; the symbol's value per unit is
   * the trade's `price` until its first mark.
   */
  private positionFor(sleeve: Sleeve, symbol: string, price: number): Position {
    let valuation = this.symbols.get(symbol);
    if (valuation === undefined) {
      valuation = this.newSymbolState(symbol, price);
    } else if (!valuation.marked) {
      valuation.price = price;
    }
    let position = sleeve.positions.get(symbol);
    if (position === undefined) {
      position = new Position(valuation);
      sleeve.add(position);
    }
    return position;
  }

  private dropWoundDownSleeves(): void {
    if (!this.order.some((sleeve) => sleeve.retired)) return;
    this.order = this.order.filter((sleeve) => {
      if (!sleeve.retired || !sleeve.isEmpty()) return true;
      this.sleeves.delete(sleeve.strategyId);
      return false;
    });
  }
}
