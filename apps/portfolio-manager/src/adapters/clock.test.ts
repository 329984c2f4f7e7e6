import { describe, expect, it } from 'vitest';
import { createEventClock, isEventClock, latestInputNs, systemClock } from './clock.js';

describe('the event clock', () => {
  it('is the latest input timestamp and never goes back', () => {
    const clock = createEventClock();
    expect(clock.nowNs()).toBe(0n);
    clock.advanceTo(1_700_000_000_123_456_789n);
    clock.advanceTo(5n);
    expect(clock.nowNs()).toBe(1_700_000_000_123_456_789n);
    // Milliseconds keep the microseconds: 1700000000123.456 (the last 789 ns dropped).
    expect(clock.nowMs()).toBe(1_700_000_000_123.456);
    expect(isEventClock(clock)).toBe(true);
    expect(isEventClock(systemClock)).toBe(false);
  });

  it('reads the latest timestamp_ns of the payloads, string or number, skipping others', () => {
    expect(
      latestInputNs([
        '{"symbol":"A","price":1,"timestamp_ns":"1700000000000000002"}',
        undefined,
        '{not json',
        '{"fill_id":"x","timestamp_ns":1700000000000000001}',
      ]),
    ).toBe(1_700_000_000_000_000_002n);
    expect(latestInputNs([])).toBe(0n);
  });
});
