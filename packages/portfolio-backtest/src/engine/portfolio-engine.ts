// PortfolioBacktestEngine: runs the portfolio, its never-rebalanced baseline, an
// equal-weight benchmark and each strategy alone, and assembles the result.
import { createIdRecord } from '@njord/portfolio-contracts/core';
import { BacktestError } from './backtest-error.js';
import {
  type CostModel,
  encodePortfolioConfig,
  type FillModel,
  type Metrics,
  type PortfolioBacktestResult,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import type { PriceData } from '../price-data.js';
import { formatTimestampNs } from '../timestamp-text.js';
import type { Strategy } from '../strategy.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategy-registry.js';
import {
  calculateContribution,
  calculateMetrics,
  inferPeriodsPerYear,
  type SleeveCurve,
} from '../metrics.js';
import {
  type BacktestCurves,
  ColumnarBacktestResult,
  type RebalanceStore,
} from './columnar-result.js';
import {
  type BacktestJournal,
  createSignalTapes,
  simulate,
  type SimulationOutput,
} from './simulate.js';
import {
  type HoldRunOutput,
  runSideRuns,
  type SideRunsInput,
  type SideRunsOutput,
  type SideRunsTask,
  sideRunsTask,
} from './side-runs.js';

export { benchmarkCurve, standaloneConfig } from './side-runs.js';

export interface PortfolioBacktestOptions {
  readonly journal?: BacktestJournal;
  /**
   * Where the portfolio run's rebalance records go as they are made (a spill file) instead
   * of an array held to the end: the result's `summary.rebalances` is then empty and the
   * result reads them back from the store (`ColumnarBacktestResult.rebalanceRecords`).
   */
  readonly rebalanceStore?: RebalanceStore;
  /** Overrides the config's `fill_model`. */
  readonly fillModel?: FillModel;
  /** Overrides the config's `costs`. */
  readonly costs?: CostModel;
  /** First and last timestamps traded, inclusive (bars before `start` feed indicators only). */
  readonly start?: bigint;
  readonly end?: bigint;
  /** Keep every Nth bar in the equity curve (rebalance bars always kept). */
  readonly curveEvery?: number;
  /** Progress of the main run, in bars. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Milliseconds from a monotonic clock, for `stats.run_ms` (packages do not read clocks). */
  readonly clock?: () => number;
  /**
   * Called after each phase of `run` with its wall time by `clock` and the fills its
   * simulations made (benchmarks, profiles).
   */
  readonly onPhase?: (phase: BacktestPhase, ms: number, fills: number) => void;
  /** Provenance for `result.data` and `result.versions`. */
  readonly dataPath?: string;
  readonly dataSha256?: string;
  readonly loadMs?: number;
  readonly versions?: Readonly<Record<string, string>>;
}

/** The phases of `PortfolioBacktestEngine.run`, in order. */
export type BacktestPhase =
  'portfolio' | 'baseline' | 'standalone' | 'benchmark' | 'metrics' | 'curves';

export { BACKTEST_ERROR_CODES, BacktestError, isBacktestError } from './backtest-error.js';

const ZERO_SHA = '0'.repeat(64);

export class PortfolioBacktestEngine {
  readonly config: PortfolioConfig;
  readonly registry: StrategyRegistry;
  readonly options: PortfolioBacktestOptions;

  constructor(
    config: PortfolioConfig,
    strategies: StrategyRegistry = createStrategyRegistry(),
    options: PortfolioBacktestOptions = {},
  ) {
    this.config = config;
    this.registry = strategies;
    this.options = options;
  }

  /** Fresh strategies for one run (the registry's); throws ContractError with the allocation's path. */
  resolveStrategies(config: PortfolioConfig, data: PriceData): Strategy[] {
    const resolved = this.registry.resolveStrategies(config, data.symbols);
    if (!resolved.success) throw resolved.error;
    return resolved.data;
  }

  /** The steps [first, last] that `start`/`end` select; throws BacktestError when empty. */
  stepRange(data: PriceData): { firstStep: number; lastStep: number } {
    if (data.steps === 0) throw new BacktestError('no_data', `${data.source}: no bars`);
    const firstStep = this.options.start === undefined ? 0 : data.stepAtOrAfter(this.options.start);
    const lastStep =
      this.options.end === undefined ? data.steps - 1 : data.stepAtOrBefore(this.options.end);
    if (firstStep > lastStep || firstStep >= data.steps || lastStep < 0) {
      const iso = (ns: bigint) => formatTimestampNs(ns).replace('T00:00:00Z', '');
      const asked = `${this.options.start === undefined ? 'the first bar' : iso(this.options.start)} to ${this.options.end === undefined ? 'the last bar' : iso(this.options.end)}`;
      throw new BacktestError(
        'empty_range',
        `${data.source}: no bar between the start and the end of the range (asked ${asked}; the data has ${iso(data.timestamps[0] as bigint)} to ${iso(data.timestamps[data.steps - 1] as bigint)})`,
      );
    }
    return { firstStep, lastStep };
  }

  /** The whole result as objects (`runColumnar(data).toResult()`). */
  run(data: PriceData): PortfolioBacktestResult {
    return this.runColumnar(data).toResult();
  }

  /**
   * Runs the portfolio, its baseline, the benchmark and each strategy alone; the curves stay
   * in typed arrays (write them with `writeBacktestResult` of the package's node entry).
   */
  runColumnar(data: PriceData): ColumnarBacktestResult {
    const run = this.#startRun(data);
    const main = this.#runPortfolio(run);
    return this.#finish(run, main, this.#sideRunsHere(run));
  }

  /**
   * `runColumnar` with the runs that do not depend on the portfolio's (the baseline, each
   * strategy alone, the benchmark) handed to `side` (another thread, say) while this thread
   * runs the portfolio: each strategy's tape is recorded to the end first and goes with the
   * task on shared memory. The result is the same, bit for bit. When the tapes cannot be
   * shared (a strategy without a kind and params, or one that faults) every run stays here.
   */
  async runColumnarWith(
    data: PriceData,
    side: (task: SideRunsTask) => Promise<SideRunsOutput>,
  ): Promise<ColumnarBacktestResult> {
    const run = this.#startRun(data);
    const task = sideRunsTask(run.side);
    if (task === undefined) {
      const main = this.#runPortfolio(run);
      return this.#finish(run, main, this.#sideRunsHere(run));
    }
    const elsewhere = side(task);
    // A rejection is taken up below, after the portfolio's run; none is left unhandled.
    elsewhere.catch(() => undefined);
    const main = this.#runPortfolio(run);
    const others = await elsewhere;
    run.phase('baseline', others.baseline.fills);
    run.phase(
      'standalone',
      others.standalone.reduce((sum, alone) => sum + alone.fills, 0),
    );
    run.phase('benchmark');
    return this.#finish(run, main, others);
  }

  #startRun(data: PriceData): RunStart {
    const clock = this.options.clock ?? (() => 0);
    const started = clock();
    const onPhase = this.options.onPhase;
    let phaseStart = started;
    const phase = (name: BacktestPhase, fills = 0): void => {
      if (onPhase === undefined) return;
      const now = clock();
      onPhase(name, now - phaseStart, fills);
      phaseStart = now;
    };
    const config = this.config;
    const { firstStep, lastStep } = this.stepRange(data);
    // Each strategy runs once: the portfolio, the baseline and the strategy alone read its
    // targets from one tape (they depend on the data only).
    const signals = createSignalTapes(this.resolveStrategies(config, data), data, config);
    const side: SideRunsInput = {
      data,
      config,
      firstStep,
      lastStep,
      fillModel: this.options.fillModel ?? config.fillModel,
      costs: this.options.costs ?? config.costs,
      signals,
    };
    return { clock, started, phase, side };
  }

  #runPortfolio(run: RunStart): SimulationOutput {
    const { data, config, firstStep, lastStep, fillModel, costs, signals } = run.side;
    const journal = this.options.journal;
    const main = simulate({
      data,
      firstStep,
      lastStep,
      fillModel,
      costs,
      config,
      signals,
      mode: 'rebalance',
      ...(this.options.curveEvery === undefined ? {} : { curveEvery: this.options.curveEvery }),
      ...(this.options.onProgress === undefined ? {} : { onProgress: this.options.onProgress }),
      ...(journal === undefined ? {} : { journal }),
      ...(this.options.rebalanceStore === undefined
        ? {}
        : { rebalanceSink: this.options.rebalanceStore }),
    });
    run.phase('portfolio', main.fills);
    return main;
  }

  /** The side runs on this thread, each timed as its phase. */
  #sideRunsHere(run: RunStart): SideRunsOutput {
    return runSideRuns(run.side, run.phase);
  }

  #finish(run: RunStart, main: SimulationOutput, others: SideRunsOutput): ColumnarBacktestResult {
    const { clock, started, phase } = run;
    const { data, config, firstStep, lastStep } = run.side;
    const { baseline, benchmark } = others;
    const standalone: readonly HoldRunOutput[] = others.standalone;
    const timestamps = data.timestamps.subarray(firstStep, lastStep + 1);

    // P once for every curve: they share the timestamps.
    const periodsPerYear = config.periodsPerYear ?? inferPeriodsPerYear(timestamps);
    const metricOptions = {
      riskFreeRate: config.riskFreeRate,
      ...(periodsPerYear === null ? {} : { periodsPerYear }),
    };
    const ids = main.strategyIds;

    const portfolioMetrics = calculateMetrics({
      timestamps,
      equity: main.equity,
      initialCapital: config.totalCapital,
      tradedNotional: main.tradedNotional,
      costs: main.costs,
      rebalanceCount: main.rebalanceCount,
      ...metricOptions,
    });
    const baselineMetrics = calculateMetrics({
      timestamps,
      equity: baseline.equity,
      initialCapital: config.totalCapital,
      tradedNotional: baseline.tradedNotional,
      costs: baseline.costs,
      rebalanceCount: 0,
      ...metricOptions,
    });
    const benchmarkMetrics = calculateMetrics({
      timestamps,
      equity: benchmark,
      initialCapital: config.totalCapital,
      tradedNotional: 0,
      costs: 0,
      rebalanceCount: 0,
      ...metricOptions,
    });
    const sleeveMetrics = createIdRecord<Metrics>();
    const sleeves = createIdRecord<SleeveCurve>();
    ids.forEach((id, k) => {
      const curve = {
        initial: main.fundedCapital[k] as number,
        equity: main.capital[k] as Float64Array,
        transfers: main.transfers[k] as Float64Array,
      };
      sleeves[id] = curve;
      sleeveMetrics[id] = calculateMetrics({
        timestamps,
        equity: curve.equity,
        transfers: curve.transfers,
        initialCapital: curve.initial,
        tradedNotional: main.sleeveNotional[k] as number,
        costs: main.sleeveCosts[k] as number,
        rebalanceCount: main.rebalanceCount,
        ...metricOptions,
      });
    });
    const contribution = calculateContribution({ initialCapital: config.totalCapital, sleeves });
    for (const id in contribution) {
      const share = contribution[id] as number;
      if (share - share !== 0) {
        throw new BacktestError(
          'overflow',
          `${id}'s contribution (its profit over total_capital ${config.totalCapital}) is ${share}, beyond the largest number a double holds; use a total_capital nearer the prices' scale`,
        );
      }
    }
    const standaloneResult: PortfolioBacktestResult['standalone'] = Object.fromEntries(
      ids.map((id, k) => {
        const alone = standalone[k] as HoldRunOutput;
        return [
          id,
          {
            equityCurve: [],
            metrics: calculateMetrics({
              timestamps,
              equity: alone.equity,
              initialCapital: config.totalCapital,
              tradedNotional: alone.tradedNotional,
              costs: alone.costs,
              rebalanceCount: 0,
              ...metricOptions,
            }),
          },
        ];
      }),
    );
    phase('metrics');

    const barEvents = data.countBarEvents(firstStep, lastStep);
    const runMs = Math.max(0, clock() - started);
    const bars = lastStep - firstStep + 1;
    const summary: PortfolioBacktestResult = {
      portfolioId: config.id,
      config: encodePortfolioConfig(config).portfolio as PortfolioBacktestResult['config'],
      data: {
        path: this.options.dataPath ?? data.source,
        sha256: this.options.dataSha256 ?? ZERO_SHA,
        symbols: data.symbols,
        bars: data.steps,
      },
      versions: this.options.versions ?? {},
      start: data.timestamps[firstStep] as bigint,
      end: data.timestamps[lastStep] as bigint,
      initialCapital: config.totalCapital,
      finalEquity: main.equity[bars - 1] as number,
      equityCurve: [],
      rebalances: main.rebalances,
      breakers: main.breakers,
      metrics: {
        portfolio: portfolioMetrics,
        baseline: baselineMetrics,
        benchmark: benchmarkMetrics,
        strategies: sleeveMetrics,
      },
      contribution,
      baseline: { equityCurve: [] },
      benchmark: { equityCurve: [] },
      standalone: standaloneResult,
      stats: {
        bars,
        barEvents,
        loadMs: this.options.loadMs ?? 0,
        runMs,
        barEventsPerSecond: runMs > 0 ? (barEvents / runMs) * 1000 : 0,
      },
    };
    const curves: BacktestCurves = {
      strategyIds: ids,
      bars: main.recordedSteps,
      timestamps,
      equity: main.equity,
      cash: main.cash,
      unallocated: main.unallocated,
      strategies: main.capital,
      targets: main.targets,
      drift: main.drift,
      baseTargets: main.baseTargets,
      baseline: baseline.equity,
      benchmark,
      standalone: standalone.map((alone) => alone.equity),
    };
    return new ColumnarBacktestResult(summary, curves, this.options.rebalanceStore ?? null);
  }
}

/** A run under way: its clock, its phase timer and what the side runs read. */
interface RunStart {
  readonly clock: () => number;
  readonly started: number;
  readonly phase: (name: BacktestPhase, fills?: number) => void;
  readonly side: SideRunsInput;
}
