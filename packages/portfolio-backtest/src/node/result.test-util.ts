// Test helpers for the result writer and reader: a two-sleeve portfolio on the shipped
// monthly stock file, and an async iterator gathered into an array.
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';

/** Trendline and momentum at half each, rebalanced every `frequencyHours` or past `threshold`. */
export function twoSleeveConfig(
  id: string,
  frequencyHours: number,
  threshold = 0.02,
): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id,
      total_capital: 100_000,
      rebalance_threshold: threshold,
      rebalance_frequency_hours: frequencyHours,
      allocations: [
        {
          strategy_id: 'trend',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e6,
          strategy: { kind: 'trendline_break' },
        },
        {
          strategy_id: 'momentum_v1',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e6,
          strategy: { kind: 'momentum' },
        },
      ],
    },
  });
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
