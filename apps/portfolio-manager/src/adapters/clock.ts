// The wall clock port: nanosecond timestamps for events and milliseconds for timers.
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Nanoseconds since the Unix epoch (microsecond resolution). */
  nowNs(): bigint;
  /** Milliseconds since the Unix epoch, fractional. */
  nowMs(): number;
}

export const systemClock: Clock = {
  nowNs: () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n,
  nowMs: () => performance.timeOrigin + performance.now(),
};

/** A clock a test moves by hand. */
export function createManualClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  return {
    nowNs: () => BigInt(Math.round(now * 1000)) * 1000n,
    nowMs: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/**
 * `clock: event`: time is the latest input's timestamp (never going back), so a tape of a
 * backtest plays through the manager in the backtest's time, at any speed.
 */
export interface EventClock extends Clock {
  readonly kind: 'event';
  advanceTo(timestampNs: bigint): void;
}

export function createEventClock(startNs = 0n): EventClock {
  let now = startNs;
  return {
    kind: 'event',
    nowNs: () => now,
    nowMs: () => Number(now / 1_000n) / 1_000,
    advanceTo(timestampNs) {
      if (timestampNs > now) now = timestampNs;
    },
  };
}

export function isEventClock(clock: Clock): clock is EventClock {
  return (clock as Partial<EventClock>).kind === 'event';
}

const TIMESTAMP_FIELD = /"timestamp_ns"\s*:\s*"?(\d{1,20})"?/;

/** The latest `timestamp_ns` among input payloads (0n when none has one). */
export function latestInputNs(payloads: Iterable<string | undefined>): bigint {
  let latest = 0n;
  for (const payload of payloads) {
    if (payload === undefined) continue;
    const match = TIMESTAMP_FIELD.exec(payload);
    if (!match) continue;
    const value = BigInt(match[1] as string);
    if (value > latest) latest = value;
  }
  return latest;
}
