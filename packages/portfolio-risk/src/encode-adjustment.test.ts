import { AllocationCalculator } from '@njord/portfolio-allocator';
import { describe, expect, it } from 'vitest';
import { exampleConfig } from './config.test-util.js';
import { encodeRiskAdjustment } from './encode-adjustment.js';
import { RiskAdjustedAllocator } from './risk-adjusted-allocator.js';

const DAY = 86_400_000_000_000n;
const T0 = 1_735_776_000_000_000_000n;

describe('encodeRiskAdjustment', () => {
  it('is JSON-safe and carries every field in snake_case', () => {
    const base = new AllocationCalculator(exampleConfig());
    const times = [T0, T0 + DAY, T0 + 2n * DAY];
    const adjustment = new RiskAdjustedAllocator(base).calculateAdjustedAllocations(
      { a: { timestampsNs: times, returns: [0.01, -0.02, 0.005] } },
      { a: 20_000, b: 17_500, c: 12_500 },
    );
    const wire = encodeRiskAdjustment(adjustment);
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
    expect(wire.as_of_ns).toBe((T0 + 2n * DAY).toString());
    expect(wire.window_start_ns).toBe((T0 + 2n * DAY - 30n * DAY).toString());
    expect(wire.targets).toEqual(adjustment.targets);
    expect(wire.stats.a?.max_drawdown).toBe(adjustment.stats.a?.maxDrawdown);
    expect(wire.stats.b).toMatchObject({ count: 0, adjusted: false, base_weight: 0.35 });
  });
});
