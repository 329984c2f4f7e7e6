// The manager's operational events (plans, dead letters, batches, journal timings) as a narrow
// port: the service calls an observer; metrics and the dashboard's event stream listen.
import type { PortfolioSnapshot, RebalancePlan } from '@njord/portfolio-contracts';

export type InputStream = 'fills' | 'prices';

export interface DeadLetterEvent {
  readonly source: InputStream | 'commands';
  readonly entryId: string;
  /** The dead letter's reason (`unknown_strategy`, `not_json`, `invalid_input`, ...) for labels and counts. */
  readonly reason: string;
  /** The full message (no secrets: it is made from the entry and the rule it broke). */
  readonly error: string;
}

/** A breaker line the manager journaled: a sleeve paused, the portfolio halted, a resume. */
export interface BreakerEvent {
  /** `breaker`, `halt` or `resume`. */
  readonly kind: string;
  /** The sleeve, or null for the portfolio. */
  readonly strategyId: string | null;
  /** Why, in a few words (the reason, the drawdown, who resumed it). */
  readonly detail: string;
}

export interface ManagerObserver {
  /** A plan was journaled (before its intents are published). */
  plan?(plan: RebalancePlan): void;
  deadLetter?(event: DeadLetterEvent): void;
  /** A snapshot was journaled and published. */
  snapshot?(snapshot: PortfolioSnapshot): void;
  breaker?(event: BreakerEvent): void;
  /** A batch of input entries was applied, journaled and acknowledged. */
  batch?(entries: number, seconds: number): void;
  /** One fsync of the journal file. */
  fsync?(seconds: number): void;
  /** One batch's fenced acknowledgement (and its dead letters) to Redis, sent to answered. */
  ack?(seconds: number): void;
  /** One checkpoint line built and written. */
  checkpoint?(seconds: number): void;
}

type Method = keyof ManagerObserver;

/** One observer calling each of `observers`; a throwing observer never reaches the loop. */
export function fanOut(...observers: ManagerObserver[]): Required<ManagerObserver> {
  const call =
    <M extends Method>(method: M) =>
    (...args: Parameters<Required<ManagerObserver>[M]>) => {
      for (const observer of observers) {
        const fn = observer[method] as ((...a: typeof args) => void) | undefined;
        if (fn === undefined) continue;
        try {
          fn.apply(observer, args);
        } catch {
          // Instrumentation must never stop the manager.
        }
      }
    };
  return {
    plan: call('plan'),
    deadLetter: call('deadLetter'),
    snapshot: call('snapshot'),
    breaker: call('breaker'),
    batch: call('batch'),
    fsync: call('fsync'),
    ack: call('ack'),
    checkpoint: call('checkpoint'),
  };
}
