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
