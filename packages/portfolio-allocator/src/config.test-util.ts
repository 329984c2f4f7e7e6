// Test helper: small configs built from bounds (weights are overridden by the tests).
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import { portfolioConfig } from '@njord/test-kit';

/** A config with strategies s0..s(n-1) and the given bounds; weights all on s0 (override them). */
export function configWithBounds(
  bounds: readonly (readonly [number, number])[],
  extra: Record<string, unknown> = {},
): PortfolioConfig {
  return portfolioConfig({
    totalCapital: 1000,
    allocations: bounds.map(([min, max], i) => ({
      id: `s${i}`,
      weight: i === 0 ? 1 : 0,
      min,
      max,
    })),
    extra,
  });
}
