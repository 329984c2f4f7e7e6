// Drawdown breakers and the portfolio halt: which sleeves are paused, whether the portfolio is
// halted, and the drawdown watch that says when a limit is crossed. Changed only through the
// kernel's `apply`; read by its `decide`.
import {
  BREAKER_REASONS,
  type BreakerReason,
  HALT_REASONS,
  type HaltReason,
  IdSchema,
  type PortfolioConfig,
  type ResumeCause,
  spanNs,
} from '@njord/portfolio-contracts';
import { z } from 'zod';

const NANOSECONDS_PER_HOUR = 3_600_000_000_000;

/**
 * A sleeve's flow-adjusted index, kept as a fund's price per share: `nav = capital / units`.
 * A transfer into or out of the sleeve buys or redeems units at the nav of that moment, so it
 * moves capital without moving nav; every other change of capital (marks, fills, fees) moves
 * nav. The index starts at 1 (units = capital) and starts again at 1 when the sleeve resumes.
 */
interface SleeveWatch {
  readonly strategyId: string;
  readonly maxDrawdown: number;
  readonly resumeAfterNs: bigint | null;
  /** Units outstanding; 0 when the sleeve holds nothing to measure (the next transfer restarts it). */
  units: number;
  /** The highest nav observed since the index (re)started. */
  peak: number;
}

/** A paused sleeve: since when, and why (only a `max_drawdown` trip resumes by the timer). */
export interface PausedSleeve {
  readonly sinceNs: bigint;
  readonly reason: BreakerReason;
}

export interface HaltState {
  readonly sinceNs: bigint;
  readonly reason: HaltReason;
}

/** What is due from the breakers at the capital `decide` measured, in this order. */
export type BreakerDue =
  | { readonly type: 'resume'; readonly strategyId: string; readonly by: ResumeCause }
  | { readonly type: 'breaker'; readonly strategyId: string; readonly drawdown: number }
  | { readonly type: 'halt'; readonly drawdown: number };

const nsText = z.string().regex(/^-?\d+$/, { error: 'must be a decimal integer string' });

/** The breakers' state in a checkpoint line (wire form, snake_case). */
export const BreakersJsonSchema = z.object({
  watch: z.array(
    z.object({ strategy_id: IdSchema, units: z.number().gte(0), peak: z.number().gt(0) }),
  ),
  paused: z.array(
    z.object({ strategy_id: IdSchema, since_ns: nsText, reason: z.enum(BREAKER_REASONS) }),
  ),
  halted: z.object({ since_ns: nsText, reason: z.enum(HALT_REASONS) }).nullable(),
  equity_peak: z.number().nullable(),
  observed_ns: nsText.nullable(),
  rebalance_due: z.boolean(),
});
export type BreakersJson = z.output<typeof BreakersJsonSchema>;

/** The capital of a sleeve by strategy id (the tracker's), and the portfolio's equity. */
export interface CapitalSource {
  capitalOf(strategyId: string): number;
  equity(): number;
}

/**
 * The breakers of one portfolio config.
 *
 * Observation: the watch records each sleeve's nav peak (and the portfolio equity's peak) as
 * of the close of every timestamp: when an event stamped later than any before it arrives,
 * the state before it is observed first. The observations depend only on the events and
 * their order, so a replay of the journal reproduces them. `due` compares the current nav
 * (and equity) against the peak including the current value: the drawdown is
 * `nav / max(peak, nav) - 1`, and a limit trips when it is strictly below `-max_drawdown`.
 */
export class Breakers {
  private watch: SleeveWatch[] = [];
  private watchIndex = new Map<string, SleeveWatch>();
  private portfolioLimit: number | null = null;
  private readonly pausedSleeves = new Map<string, PausedSleeve>();
  private halt: HaltState | null = null;
  private equityPeak: number | null = null;
  private observedNs: bigint | null = null;
  /** A pause or resume changed the targets: the next plan is due at once (reason `breaker`). */
  rebalanceDue = false;

  constructor(config: PortfolioConfig, capital: CapitalSource) {
    this.configure(config, capital);
  }

  /** Whether any drawdown limit is configured (else only halts and operator pauses apply). */
  get watching(): boolean {
    return this.watch.length > 0 || this.portfolioLimit !== null;
  }

  get halted(): HaltState | null {
    return this.halt;
  }

  get paused(): ReadonlyMap<string, PausedSleeve> {
    return this.pausedSleeves;
  }

  /**
   * Takes a config's limits: sleeves still watched keep their index, new ones start at 1;
   * paused sleeves no longer in the config are dropped (they wind down to target 0 anyway).
   */
  configure(config: PortfolioConfig, capital: CapitalSource): void {
    const previous = this.watchIndex;
    this.watch = [];
    this.watchIndex = new Map();
    const ids = new Set<string>();
    for (const allocation of config.allocations) {
      ids.add(allocation.strategyId);
      if (allocation.maxDrawdown === undefined) continue;
      const hours = allocation.resumeAfterHours;
      const before = previous.get(allocation.strategyId);
      const watch: SleeveWatch = {
        strategyId: allocation.strategyId,
        maxDrawdown: allocation.maxDrawdown,
        resumeAfterNs: hours === undefined ? null : spanNs(hours, NANOSECONDS_PER_HOUR),
        units: 0,
        peak: 1,
      };
      if (before !== undefined) {
        watch.units = before.units;
        watch.peak = before.peak;
      } else this.restart(watch, capital);
      this.watch.push(watch);
      this.watchIndex.set(watch.strategyId, watch);
    }
    for (const id of [...this.pausedSleeves.keys()])
      if (!ids.has(id)) this.pausedSleeves.delete(id);
    this.portfolioLimit = config.maxDrawdown ?? null;
  }

  /**
   * Before an event stamped `timestampNs` is applied: when it is later than every event so
   * far, the state as it stands (the close of the previous timestamp) is observed.
   */
  advance(timestampNs: bigint, capital: CapitalSource): void {
    const observed = this.observedNs;
    if (observed !== null && timestampNs <= observed) return;
    if (observed !== null) this.observe(capital);
    this.observedNs = timestampNs;
  }

  /** Records the current navs and equity as peaks where they are higher. */
  observe(capital: CapitalSource): void {
    for (const watch of this.watch) {
      if (this.pausedSleeves.has(watch.strategyId) || !(watch.units > 0)) continue;
      const nav = capital.capitalOf(watch.strategyId) / watch.units;
      if (nav > watch.peak) watch.peak = nav;
    }
    if (this.portfolioLimit !== null && this.halt === null) {
      const equity = capital.equity();
      if (Number.isFinite(equity) && (this.equityPeak === null || equity > this.equityPeak))
        this.equityPeak = equity;
    }
  }

  /** Each watched sleeve's capital before a plan's transfers (to keep nav through them). */
  navsBeforeTransfers(capital: CapitalSource): Map<string, number> {
    const navs = new Map<string, number>();
    for (const watch of this.watch) {
      if (this.pausedSleeves.has(watch.strategyId) || !(watch.units > 0)) continue;
      navs.set(watch.strategyId, capital.capitalOf(watch.strategyId) / watch.units);
    }
    return navs;
  }

  /**
   * After a plan: transfers bought or redeemed units at the nav before them; a sleeve with
   * no usable nav (none held, or nav <= 0) starts again at 1. The breaker rebalance is done.
   */
  afterTransfers(
    transfers: Readonly<Record<string, number>>,
    navs: ReadonlyMap<string, number>,
    capital: CapitalSource,
  ): void {
    for (const watch of this.watch) {
      const transfer = transfers[watch.strategyId];
      if (transfer === undefined || transfer === 0) continue;
      if (this.pausedSleeves.has(watch.strategyId)) continue;
      const nav = navs.get(watch.strategyId);
      const after = capital.capitalOf(watch.strategyId);
      if (nav !== undefined && nav > 0 && Number.isFinite(nav)) watch.units = after / nav;
      else this.restart(watch, capital);
    }
    this.rebalanceDue = false;
  }

  /**
   * What is due at the current capital, first found: a paused sleeve whose timer ran out, a
   * watched sleeve past its limit, the portfolio past its limit. Changes nothing.
   */
  due(nowNs: bigint, capital: CapitalSource): BreakerDue | null {
    for (const [strategyId, paused] of this.pausedSleeves) {
      if (paused.reason !== 'max_drawdown') continue;
      const after = this.watchIndex.get(strategyId)?.resumeAfterNs ?? null;
      if (after !== null && nowNs - paused.sinceNs >= after)
        return { type: 'resume', strategyId, by: 'timer' };
    }
    for (const watch of this.watch) {
      if (this.pausedSleeves.has(watch.strategyId) || !(watch.units > 0)) continue;
      const value = capital.capitalOf(watch.strategyId);
      if (!Number.isFinite(value)) continue;
      const nav = value / watch.units;
      const drawdown = nav > 0 ? nav / Math.max(watch.peak, nav) - 1 : -1;
      if (drawdown < -watch.maxDrawdown)
        return { type: 'breaker', strategyId: watch.strategyId, drawdown };
    }
    if (this.portfolioLimit !== null && this.halt === null) {
      const equity = capital.equity();
      const peak = this.equityPeak;
      if (Number.isFinite(equity) && peak !== null && peak > 0) {
        const drawdown = equity > 0 ? equity / Math.max(peak, equity) - 1 : -1;
        if (drawdown < -this.portfolioLimit) return { type: 'halt', drawdown };
      }
    }
    return null;
  }

  /** A sleeve paused (a trip or an operator): its target is 0 from now on. */
  pause(strategyId: string, timestampNs: bigint, reason: BreakerReason): void {
    if (this.pausedSleeves.has(strategyId)) return;
    this.pausedSleeves.set(strategyId, { sinceNs: timestampNs, reason });
    this.rebalanceDue = true;
  }

  /** A paused sleeve resumes: its index starts again at 1. False when it was not paused. */
  resume(strategyId: string, capital: CapitalSource): boolean {
    if (!this.pausedSleeves.delete(strategyId)) return false;
    const watch = this.watchIndex.get(strategyId);
    if (watch !== undefined) this.restart(watch, capital);
    this.rebalanceDue = true;
    return true;
  }

  setHalt(timestampNs: bigint, reason: HaltReason): void {
    if (this.halt === null) this.halt = { sinceNs: timestampNs, reason };
  }

  /** The halt is lifted; the equity's peak starts again from the next observation. */
  liftHalt(): void {
    this.halt = null;
    this.equityPeak = null;
  }

  toJSON(): BreakersJson {
    return {
      watch: this.watch.map((w) => ({ strategy_id: w.strategyId, units: w.units, peak: w.peak })),
      paused: [...this.pausedSleeves].map(([strategyId, p]) => ({
        strategy_id: strategyId,
        since_ns: p.sinceNs.toString(),
        reason: p.reason,
      })),
      halted:
        this.halt === null
          ? null
          : { since_ns: this.halt.sinceNs.toString(), reason: this.halt.reason },
      equity_peak: this.equityPeak,
      observed_ns: this.observedNs?.toString() ?? null,
      rebalance_due: this.rebalanceDue,
    };
  }

  /**
   * Restores a checkpoint's state (sleeves the config no longer watches are passed over).
   * Throws, naming the field, when `raw` is not a breakers state.
   */
  restore(raw: unknown): void {
    const parsed = BreakersJsonSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `checkpoint breakers.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const json = parsed.data;
    for (const entry of json.watch) {
      const watch = this.watchIndex.get(entry.strategy_id);
      if (watch === undefined) continue;
      watch.units = entry.units;
      watch.peak = entry.peak;
    }
    this.pausedSleeves.clear();
    for (const entry of json.paused)
      this.pausedSleeves.set(entry.strategy_id, {
        sinceNs: BigInt(entry.since_ns),
        reason: entry.reason,
      });
    this.halt =
      json.halted === null
        ? null
        : { sinceNs: BigInt(json.halted.since_ns), reason: json.halted.reason };
    this.equityPeak = json.equity_peak;
    this.observedNs = json.observed_ns === null ? null : BigInt(json.observed_ns);
    this.rebalanceDue = json.rebalance_due;
  }

  private restart(watch: SleeveWatch, capital: CapitalSource): void {
    const value = capital.capitalOf(watch.strategyId);
    watch.units = value > 0 && Number.isFinite(value) ? value : 0;
    watch.peak = 1;
  }
}
