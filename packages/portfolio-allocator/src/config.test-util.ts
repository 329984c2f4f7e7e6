// Test helper: small configs built from bounds (weights are overridden by the tests).
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';

/** A config with strategies s0..s(n-1) and the given bounds; weights all on s0 (override them). */
export function configWithBounds(
  bounds: readonly (readonly [number, number])[],
  extra: Record<string, unknown> = {},
): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'test',
      total_capital: 1000,
      rebalance_threshold: 0.05,
      allocations: bounds.map(([min, max], i) => ({
        strategy_id: `s${i}`,
        target_weight: i === 0 ? 1 : 0,
        min_capital: min,
        max_capital: max,
      })),
      ...extra,
    },
  });
}
