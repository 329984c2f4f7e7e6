// Test helper: a small valid portfolio config built through the contracts' parser.
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import { portfolioConfig } from '@njord/test-kit';

/** A 50/50 portfolio of A and B (risk multipliers 1 and `riskB`) with three instruments. */
export function makeConfig(extra: Record<string, unknown> = {}, riskB = 0.8): PortfolioConfig {
  return portfolioConfig({
    id: 'sizer_test',
    allocations: [
      { id: 'A', weight: 0.5, max: 100000, risk: 1 },
      { id: 'B', weight: 0.5, max: 100000, risk: riskB },
    ],
    extra: {
      instruments: {
        LOT: { lot_size: 0.1 },
        BIG: { lot_size: 100 },
        MINN: { min_notional: 500 },
      },
      ...extra,
    },
  });
}
