// Portfolio configs for tests and benchmarks: the wire form (snake_case, as YAML gives it) and parsed.
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';

/** One allocation in short: its id, target weight, and optional bounds, risk multiplier, strategy. */
export interface AllocationFixture {
  readonly id: string;
  readonly weight: number;
  /** Default 0. */
  readonly min?: number;
  /** Default 1e9 (never binding). */
  readonly max?: number;
  readonly risk?: number;
  /** The allocation's `strategy: {kind, symbols, params}`, as written in YAML. */
  readonly strategy?: Readonly<Record<string, unknown>>;
}

export interface PortfolioFixture {
  /** Default `test`. */
  readonly id?: string;
  /** Default 100,000. */
  readonly totalCapital?: number;
  /** Default 0.05. */
  readonly threshold?: number;
  /** `rebalance_frequency_hours`; left out by default. */
  readonly frequencyHours?: number;
  readonly allocations: readonly AllocationFixture[];
  /** Any other portfolio keys, in wire form (`costs`, `instruments`, `min_trade_value`, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The config as its YAML file parses: `{portfolio: {...}}` in snake_case. */
export function portfolioWire(fixture: PortfolioFixture): {
  portfolio: Record<string, unknown> & { allocations: Record<string, unknown>[] };
} {
  return {
    portfolio: {
      id: fixture.id ?? 'test',
      total_capital: fixture.totalCapital ?? 100_000,
      rebalance_threshold: fixture.threshold ?? 0.05,
      ...(fixture.frequencyHours === undefined
        ? {}
        : { rebalance_frequency_hours: fixture.frequencyHours }),
      allocations: fixture.allocations.map((a) => ({
        strategy_id: a.id,
        target_weight: a.weight,
        min_capital: a.min ?? 0,
        max_capital: a.max ?? 1e9,
        ...(a.risk === undefined ? {} : { risk_multiplier: a.risk }),
        ...(a.strategy === undefined ? {} : { strategy: a.strategy }),
      })),
      ...fixture.extra,
    },
  };
}

/** The same, parsed by the contracts (throws a ContractError when the fixture is invalid). */
export function portfolioConfig(fixture: PortfolioFixture): PortfolioConfig {
  return parsePortfolioConfig(portfolioWire(fixture));
}

/**
 * The documented example's allocations (config/portfolio.yaml): 0.40 in [10k, 30k], 0.35 in
 * [10k, 25k], 0.25 in [5k, 20k] of 50,000, under the given ids (default a, b, c).
 */
export function exampleAllocations(
  ids: readonly [string, string, string] = ['a', 'b', 'c'],
): AllocationFixture[] {
  return [
    { id: ids[0], weight: 0.4, min: 10_000, max: 30_000 },
    { id: ids[1], weight: 0.35, min: 10_000, max: 25_000 },
    { id: ids[2], weight: 0.25, min: 5_000, max: 20_000 },
  ];
}

/** The documented example portfolio (50,000, threshold 5%, daily frequency) with its ids a, b, c. */
export function exampleFixture(extra: Readonly<Record<string, unknown>> = {}): PortfolioFixture {
  return {
    id: 'multi_strategy_v1',
    totalCapital: 50_000,
    threshold: 0.05,
    frequencyHours: 24,
    allocations: exampleAllocations(),
    extra,
  };
}

/** Strategies s0..s(n-1) with the given weights and bounds (`[min, max]` each). */
export function boundedAllocations(
  weights: readonly number[],
  bounds: readonly (readonly [number, number])[] = weights.map(() => [0, 1e9] as const),
): AllocationFixture[] {
  return weights.map((weight, i) => {
    const [min, max] = bounds[i] ?? [0, 1e9];
    return { id: `s${i}`, weight, min, max };
  });
}

/**
 * The three built-in signal kinds as one portfolio's YAML (momentum 21 bars, rsi_tema_bb and
 * trendline_break with their defaults): what the sweep and runner tests and benchmarks run on
 * synthetic data. `capital` is also every allocation's max.
 */
export function threeKindsPortfolioYaml(options: {
  readonly id: string;
  readonly capital: number;
  readonly weights: readonly [number, number, number];
  readonly costs: { readonly commissionBps: number; readonly slippageBps: number };
  /** The allocations' ids (default mom, rsi, trend). */
  readonly ids?: readonly [string, string, string];
}): string {
  const { id, capital, weights, costs } = options;
  const [mom, rsi, trend] = options.ids ?? ['mom', 'rsi', 'trend'];
  return `
portfolio:
  id: ${id}
  total_capital: ${capital}
  rebalance_threshold: 0.05
  rebalance_frequency_hours: 168
  costs: {commission_bps: ${costs.commissionBps}, slippage_bps: ${costs.slippageBps}}
  allocations:
    - {strategy_id: ${mom}, target_weight: ${weights[0]}, min_capital: 0, max_capital: ${capital},
       strategy: {kind: momentum, params: {lookback: 21}}}
    - {strategy_id: ${rsi}, target_weight: ${weights[1]}, min_capital: 0, max_capital: ${capital},
       strategy: {kind: rsi_tema_bb}}
    - {strategy_id: ${trend}, target_weight: ${weights[2]}, min_capital: 0, max_capital: ${capital},
       strategy: {kind: trendline_break}}
`;
}
