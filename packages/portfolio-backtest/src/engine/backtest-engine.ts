// BacktestEngine: one strategy in one sleeve with the whole capital, through the same loop.
import type {
  CostModel,
  FillModel,
  Metrics,
  PortfolioConfig,
  StrategyAllocation,
} from '@njord/portfolio-contracts';
import { calculateMetrics } from '../metrics.js';
import type { PriceData } from '../price-data.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategy-registry.js';
import {
  type PortfolioBacktestOptions,
  PortfolioBacktestEngine,
  standaloneConfig,
} from './portfolio-engine.js';
import { simulate } from './simulate.js';

export interface SingleBacktestResult {
  readonly timestamps: BigInt64Array;
  readonly equity: Float64Array;
  readonly metrics: Metrics;
  readonly fills: number;
  readonly costs: number;
  readonly skipped: Readonly<Record<string, number>>;
}

/**
 * A single-strategy backtest: the allocation's strategy alone with the portfolio's
 * capital, costs, lots and fill model, never rebalanced (a one-sleeve portfolio).
 */
export class BacktestEngine {
  private readonly config: PortfolioConfig;
  private readonly portfolio: PortfolioBacktestEngine;

  constructor(
    config: PortfolioConfig,
    allocation: StrategyAllocation,
    registry: StrategyRegistry = createStrategyRegistry(),
    options: Pick<PortfolioBacktestOptions, 'start' | 'end'> & {
      readonly fillModel?: FillModel;
      readonly costs?: CostModel;
    } = {},
  ) {
    this.config = standaloneConfig(config, allocation);
    this.portfolio = new PortfolioBacktestEngine(this.config, registry, options);
  }

  run(data: PriceData): SingleBacktestResult {
    const { firstStep, lastStep } = this.portfolio.stepRange(data);
    const config = this.config;
    const [strategy] = this.portfolio.resolveStrategies(config, data);
    if (strategy === undefined) throw new Error('BacktestEngine: no strategy');
    const out = simulate({
      config,
      strategies: [strategy],
      data,
      firstStep,
      lastStep,
      mode: 'hold',
      record: 'equity',
      fillModel: this.portfolio.options.fillModel ?? config.fillModel,
      costs: this.portfolio.options.costs ?? config.costs,
    });
    const timestamps = data.timestamps.slice(firstStep, lastStep + 1);
    return {
      timestamps,
      equity: out.equity,
      metrics: calculateMetrics({
        timestamps,
        equity: out.equity,
        initialCapital: config.totalCapital,
        tradedNotional: out.tradedNotional,
        costs: out.costs,
        rebalanceCount: 0,
        riskFreeRate: config.riskFreeRate,
        ...(config.periodsPerYear === undefined ? {} : { periodsPerYear: config.periodsPerYear }),
      }),
      fills: out.fills,
      costs: out.costs,
      skipped: out.skipped,
    };
  }
}
