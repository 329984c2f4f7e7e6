// Test helpers: the documented example portfolio and small configs built from bounds and weights.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';

/** The documented example: a 0.40 [10k, 30k], b 0.35 [10k, 25k], c 0.25 [5k, 20k]; 50,000 total. */
export function exampleConfig(extra: Record<string, unknown> = {}): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'multi_strategy_v1',
      total_capital: 50_000,
      rebalance_threshold: 0.05,
      rebalance_frequency_hours: 24,
      allocations: [
        { strategy_id: 'a', target_weight: 0.4, min_capital: 10_000, max_capital: 30_000 },
        { strategy_id: 'b', target_weight: 0.35, min_capital: 10_000, max_capital: 25_000 },
        { strategy_id: 'c', target_weight: 0.25, min_capital: 5_000, max_capital: 20_000 },
      ],
      ...extra,
    },
  });
}

/** Strategies s0..s(n-1) with the given weights (summing to 1) and [min, max] bounds. */
export function configOf(
  allocations: readonly { readonly weight: number; readonly min: number; readonly max: number }[],
  extra: Record<string, unknown> = {},
): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'test',
      total_capital: 1000,
      rebalance_threshold: 0.05,
      allocations: allocations.map((a, i) => ({
        strategy_id: `s${i}`,
        target_weight: a.weight,
        min_capital: a.min,
        max_capital: a.max,
      })),
      ...extra,
    },
  });
}

export function allocatorOf(config: PortfolioConfig): AllocationCalculator {
  return new AllocationCalculator(config);
}
