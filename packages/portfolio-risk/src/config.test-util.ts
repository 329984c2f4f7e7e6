// Test helpers: the documented example portfolio and small configs built from bounds and weights.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import { boundedAllocations, exampleFixture, portfolioConfig } from '@njord/test-kit';

/** The documented example: a 0.40 [10k, 30k], b 0.35 [10k, 25k], c 0.25 [5k, 20k]; 50,000 total. */
export function exampleConfig(extra: Record<string, unknown> = {}): PortfolioConfig {
  return portfolioConfig(exampleFixture(extra));
}

/** Strategies s0..s(n-1) with the given weights (summing to 1) and [min, max] bounds. */
export function configOf(
  allocations: readonly { readonly weight: number; readonly min: number; readonly max: number }[],
  extra: Record<string, unknown> = {},
): PortfolioConfig {
  return portfolioConfig({
    totalCapital: 1000,
    allocations: boundedAllocations(
      allocations.map((a) => a.weight),
      allocations.map((a) => [a.min, a.max] as const),
    ),
    extra,
  });
}

export function allocatorOf(config: PortfolioConfig): AllocationCalculator {
  return new AllocationCalculator(config);
}
