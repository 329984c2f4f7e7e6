// Drawdown breakers: when a sleeve (on its flow-adjusted index) or the portfolio (on its equity)
// falls past its configured max_drawdown, and when a tripped sleeve resumes by itself.
import type { PortfolioConfig } from '@njord/portfolio-contracts';

const NANOSECONDS_PER_HOUR = 3_600_000_000_000;

export type BreakerEvent =
  | {
      readonly type: 'breaker';
      readonly strategyId: string;
      readonly timestampNs: bigint;
      /** The sleeve index's drawdown from its peak when it tripped (negative). */
      readonly drawdown: number;
    }
  | {
      readonly type: 'halt';
      readonly timestampNs: bigint;
      /** The portfolio equity's drawdown from its peak (negative). */
      readonly drawdown: number;
    }
  | {
      readonly type: 'resume';
      readonly strategyId: string;
      readonly timestampNs: bigint;
      readonly by: 'timer';
    };

interface SleeveWatch {
  readonly strategyId: string;
  readonly maxDrawdown: number;
  readonly resumeAfterNs: bigint | null;
  /** Flow-adjusted index (1 at the start or at a resume), its peak, and the last capital. */
  index: number;
  peak: number;
  lastCapital: number | null;
  trippedAtNs: bigint | null;
}

/**
 * Watches the sleeves that have `max_drawdown` and the portfolio's `max_drawdown`.
 *
 * A sleeve's index moves by its flow-adjusted return `r = (capital - transfer) / previous - 1`
 * (a transfer into or out of the sleeve is not performance); its drawdown is
 * `index / running peak - 1`, and the breaker trips when that is below `-max_drawdown`
 * (strictly: exactly at the limit does not trip). A tripped sleeve is not watched until it
 * resumes: by itself `resume_after_hours` after the trip (`now - trip >= period`), or when
 * `resume` is called (an operator); its index then starts again at 1. The portfolio halts when
 * its equity's drawdown from its running peak is below `-max_drawdown`, once, until `resumeAll`.
 */
export class DrawdownBreakers {
  private readonly sleeves: SleeveWatch[] = [];
  private readonly portfolioLimit: number | null;
  private equityPeak = -Infinity;
  private haltedAtNs: bigint | null = null;

  constructor(config: PortfolioConfig) {
    for (const allocation of config.allocations) {
      if (allocation.maxDrawdown === undefined) continue;
      const hours = allocation.resumeAfterHours;
      this.sleeves.push({
        strategyId: allocation.strategyId,
        maxDrawdown: allocation.maxDrawdown,
        resumeAfterNs:
          hours === undefined ? null : BigInt(Math.round(hours * NANOSECONDS_PER_HOUR)),
        index: 1,
        peak: 1,
        lastCapital: null,
        trippedAtNs: null,
      });
    }
    this.portfolioLimit = config.maxDrawdown ?? null;
  }

  /** Strategy ids paused by their breaker, in config order. */
  paused(): string[] {
    return this.sleeves.filter((s) => s.trippedAtNs !== null).map((s) => s.strategyId);
  }

  get halted(): boolean {
    return this.haltedAtNs !== null;
  }

  /**
   * One observation at `nowNs`: each watched sleeve's capital and the transfer it received
   * since the last observation (by strategy id; a missing one is 0), and the portfolio
   * equity. Returns what happened, resumes first, then trips, then the halt.
   */
  observe(
    nowNs: bigint,
    capital: ReadonlyMap<string, number>,
    transfers: ReadonlyMap<string, number>,
    equity: number,
  ): BreakerEvent[] {
    const events: BreakerEvent[] = [];
    for (const sleeve of this.sleeves) {
      if (sleeve.trippedAtNs === null) continue;
      if (sleeve.resumeAfterNs !== null && nowNs - sleeve.trippedAtNs >= sleeve.resumeAfterNs) {
        this.restart(sleeve);
        events.push({
          type: 'resume',
          strategyId: sleeve.strategyId,
          timestampNs: nowNs,
          by: 'timer',
        });
      }
    }
    for (const sleeve of this.sleeves) {
      if (sleeve.trippedAtNs !== null) continue;
      const value = capital.get(sleeve.strategyId) ?? 0;
      const previous = sleeve.lastCapital;
      sleeve.lastCapital = value;
      if (previous === null || !(previous > 0) || !Number.isFinite(value)) continue;
      const transfer = transfers.get(sleeve.strategyId) ?? 0;
      sleeve.index *= (value - transfer) / previous;
      if (sleeve.index > sleeve.peak) sleeve.peak = sleeve.index;
      const drawdown = sleeve.index / sleeve.peak - 1;
      if (drawdown < -sleeve.maxDrawdown) {
        sleeve.trippedAtNs = nowNs;
        events.push({
          type: 'breaker',
          strategyId: sleeve.strategyId,
          timestampNs: nowNs,
          drawdown,
        });
      }
    }
    if (this.portfolioLimit !== null && this.haltedAtNs === null && Number.isFinite(equity)) {
      if (equity > this.equityPeak) this.equityPeak = equity;
      const drawdown = this.equityPeak > 0 ? equity / this.equityPeak - 1 : 0;
      if (drawdown < -this.portfolioLimit) {
        this.haltedAtNs = nowNs;
        events.push({ type: 'halt', timestampNs: nowNs, drawdown });
      }
    }
    return events;
  }

  /** An operator's resume of one sleeve; false when it was not paused. */
  resume(strategyId: string): boolean {
    const sleeve = this.sleeves.find((s) => s.strategyId === strategyId);
    if (sleeve === undefined || sleeve.trippedAtNs === null) return false;
    this.restart(sleeve);
    return true;
  }

  /** An operator's resume of the portfolio: the halt is lifted and equity's peak starts again. */
  resumeAll(): void {
    this.haltedAtNs = null;
    this.equityPeak = -Infinity;
  }

  private restart(sleeve: SleeveWatch): void {
    sleeve.trippedAtNs = null;
    sleeve.index = 1;
    sleeve.peak = 1;
    sleeve.lastCapital = null;
  }
}
