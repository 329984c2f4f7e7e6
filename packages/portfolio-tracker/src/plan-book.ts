// Live rebalance plans in flight: which are published, which intents are still unfilled,
// and whether an earlier plan still blocks a new one (plan_timeout_seconds, docs/formats.md).
import {
  decodeRebalancePlan,
  encodeRebalancePlan,
  type FillEvent,
  type RebalancePlan,
  type RebalancePlanWire,
} from '@njord/portfolio-contracts';

/** Relative tolerance (of the intent's quantity) under which an intent counts as filled. */
const FILL_TOLERANCE = 1e-9;

interface PlanEntry {
  readonly plan: RebalancePlan;
  published: boolean;
  /** intent id -> quantity still to fill. */
  readonly remaining: Map<string, number>;
}

/** A `PlanBook`'s state in a checkpoint: each plan on the wire, its flag and what is left to fill. */
export interface PlanBookJson {
  readonly plans: readonly {
    readonly plan: RebalancePlanWire;
    readonly published: boolean;
    readonly remaining: Record<string, number>;
  }[];
}

/**
 * Rebalance plans in flight: a plan is added when journaled, marked published once its intents
 * are out, and its intents count as filled by fills carrying their `intent_id` (partial fills add
 * up). Pure: every time (`nowNs`) and the timeout are passed in.
 */
export class PlanBook {
  private readonly plans = new Map<string, PlanEntry>();
  private readonly intentToPlan = new Map<string, string>();

  /** Tracks a plan: every trade's intent unfilled, by its full quantity. */
  add(plan: RebalancePlan, published = false): void {
    const remaining = new Map<string, number>();
    for (const trade of plan.trades) {
      remaining.set(trade.intentId, trade.quantity);
      this.intentToPlan.set(trade.intentId, plan.planId);
    }
    this.plans.set(plan.planId, { plan, published, remaining });
  }

  /** The plan's intents were published (an unknown id is ignored). */
  markPublished(planId: string): void {
    const entry = this.plans.get(planId);
    if (entry) entry.published = true;
  }

  /** Counts a fill against its intent (by `intent_id`); other fills are ignored. */
  onFill(fill: FillEvent): void {
    if (fill.intentId === undefined) return;
    const planId = this.intentToPlan.get(fill.intentId);
    if (planId === undefined) return;
    const entry = this.plans.get(planId);
    const left = entry?.remaining.get(fill.intentId);
    if (!entry || left === undefined) return;
    const after = left - fill.quantity;
    const trade = entry.plan.trades.find((t) => t.intentId === fill.intentId);
    const scale = trade ? trade.quantity : 1;
    if (after <= FILL_TOLERANCE * scale) entry.remaining.delete(fill.intentId);
    else entry.remaining.set(fill.intentId, after);
  }

  /** Plans journaled but not marked published (to publish again after a crash). */
  unpublished(): RebalancePlan[] {
    return [...this.plans.values()].filter((entry) => !entry.published).map((entry) => entry.plan);
  }

  /** The id of a plan with unfilled intents younger than the timeout, or null. */
  blockingPlan(nowNs: bigint, timeoutNs: bigint): string | null {
    for (const entry of this.plans.values()) {
      if (entry.remaining.size > 0 && nowNs - entry.plan.timestampNs < timeoutNs)
        return entry.plan.planId;
    }
    return null;
  }

  /** Forgets published plans that are filled or timed out. */
  prune(nowNs: bigint, timeoutNs: bigint): void {
    for (const [planId, entry] of this.plans) {
      if (!entry.published) continue;
      if (entry.remaining.size === 0 || nowNs - entry.plan.timestampNs >= timeoutNs) {
        for (const trade of entry.plan.trades) this.intentToPlan.delete(trade.intentId);
        this.plans.delete(planId);
      }
    }
  }

  /**
   * Forgets plans stamped before `horizonNs` whose intents are all filled, published or not
   * (a backtest journals no `published` lines; an offline replay drops its plans this way).
   * Nothing is left to publish or to wait for in such a plan.
   */
  forgetFilledBefore(horizonNs: bigint): void {
    for (const [planId, entry] of this.plans) {
      if (entry.remaining.size > 0 || entry.plan.timestampNs >= horizonNs) continue;
      for (const trade of entry.plan.trades) this.intentToPlan.delete(trade.intentId);
      this.plans.delete(planId);
    }
  }

  /** Intents of the plan not yet filled (0 for an unknown plan). */
  unfilledIntents(planId: string): number {
    return this.plans.get(planId)?.remaining.size ?? 0;
  }

  /** Plans tracked. */
  get size(): number {
    return this.plans.size;
  }

  toJSON(): PlanBookJson {
    return {
      plans: [...this.plans.values()].map((entry) => ({
        plan: encodeRebalancePlan(entry.plan),
        published: entry.published,
        remaining: Object.fromEntries(entry.remaining),
      })),
    };
  }

  /** The book of a checkpoint (`undefined`: an empty book), with each intent's progress. */
  static fromJSON(json: PlanBookJson | undefined): PlanBook {
    const book = new PlanBook();
    for (const item of json?.plans ?? []) {
      const plan = decodeRebalancePlan(item.plan);
      book.add(plan, item.published);
      const entry = book.plans.get(plan.planId);
      if (!entry) continue;
      entry.remaining.clear();
      for (const [intentId, quantity] of Object.entries(item.remaining))
        entry.remaining.set(intentId, quantity);
    }
    return book;
  }
}
