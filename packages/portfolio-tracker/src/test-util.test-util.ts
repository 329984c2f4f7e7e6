// Test helpers: configs through the contracts' parser, fills and plans with defaults.
import { portfolioConfig } from '@njord/test-kit';
import type { FillEvent, PortfolioConfig, RebalancePlan } from '@njord/portfolio-contracts';

export const HOUR_NS = 3_600_000_000_000n;

export type AllocationInput = { id: string; weight: number; min?: number; max?: number };

export function makeConfig(
  allocations: readonly AllocationInput[] = [
    { id: 'A', weight: 0.6 },
    { id: 'B', weight: 0.4 },
  ],
  extra: Record<string, unknown> = {},
): PortfolioConfig {
  return portfolioConfig({
    id: 'p1',
    frequencyHours: 24,
    allocations: allocations.map(({ id, weight, min, max }) => ({
      id,
      weight,
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
    })),
    extra,
  });
}

let counter = 0;

export function fill(
  strategyId: string,
  symbol: string,
  side: 'buy' | 'sell',
  quantity: number,
  price: number,
  fee = 0,
  extra: Partial<FillEvent> = {},
): FillEvent {
  counter += 1;
  return {
    fillId: `f${counter}`,
    strategyId,
    symbol,
    side,
    quantity,
    price,
    fee,
    timestampNs: BigInt(counter),
    ...extra,
  };
}

export function plan(
  extra: Partial<RebalancePlan> & Pick<RebalancePlan, 'planId' | 'transfers'>,
): RebalancePlan {
  return {
    portfolioId: 'p1',
    timestampNs: 100n,
    reason: 'threshold',
    trades: [],
    skipped: [],
    expectedDriftReduction: {},
    estimatedCosts: 0,
    ...extra,
  };
}
