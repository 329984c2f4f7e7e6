// Test helper: a small valid portfolio config built through the contracts' parser.
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';

export function makeConfig(extra: Record<string, unknown> = {}, riskB = 0.8): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'sizer_test',
      total_capital: 100000,
      rebalance_threshold: 0.05,
      allocations: [
        {
          strategy_id: 'A',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 100000,
          risk_multiplier: 1,
        },
        {
          strategy_id: 'B',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 100000,
          risk_multiplier: riskB,
        },
      ],
      instruments: {
        LOT: { lot_size: 0.1 },
        BIG: { lot_size: 100 },
        MINN: { min_notional: 500 },
      },
      ...extra,
    },
  });
}
