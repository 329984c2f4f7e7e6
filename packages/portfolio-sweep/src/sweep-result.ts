// The sweep result (wire form, snake_case, JSON-ready): combinations, the best, the
// overfitting figures and the walk-forward summary, assembled from the runs.
import { encodeMetrics, type Metrics, type PortfolioConfig } from '@njord/portfolio-contracts';
import { calculateMetrics } from '@njord/portfolio-backtest';
import type { Combination } from './combinations.js';
import { encodeSweepGrid, type SweepGrid } from './grid.js';
import { objectiveValue, pickBest } from './objective.js';
import { deflatedSharpeRatio, probabilityOfOverfitting, returnsFromEquity } from './overfitting.js';
import type { PortfolioRun } from './run-portfolio.js';
import {
  stitchSegments,
  walkForwardEfficiency,
  walkForwardWindows,
  type WalkForwardWindow,
} from './walk-forward.js';

type MetricsWire = ReturnType<typeof encodeMetrics>;

export interface SweepCombinationWire {
  readonly index: number;
  readonly id: string;
  readonly params: Record<string, unknown>;
  readonly metrics: MetricsWire;
  readonly equity?: number[];
}

export interface SweepResultWire {
  readonly sweep_id: string;
  readonly grid: Record<string, unknown>;
  readonly data: { path: string; sha256: string; symbols: readonly string[]; bars: number };
  readonly versions: Readonly<Record<string, string>>;
  readonly objective: string;
  readonly timestamps_ns: string[];
  readonly combinations: SweepCombinationWire[];
  readonly best: number;
  readonly overfitting: {
    pbo: number;
    partitions: number;
    logits: number[];
    deflated_sharpe: {
      sharpe: number;
      sharpe_0: number;
      trials: number;
      skew: number | null;
      kurtosis: number | null;
      observations: number;
      dsr: number | null;
    };
  };
  readonly walk_forward?: {
    windows: {
      is_start: number;
      is_end: number;
      oos_start: number;
      oos_end: number;
      best: number;
      is_objective: number | null;
      oos_metrics: MetricsWire;
    }[];
    equity_curve: { timestamp_ns: string; equity: number }[];
    metrics: MetricsWire;
    efficiency: number | null;
  };
  readonly stats: {
    combinations: number;
    run_ms: number;
    combinations_per_second: number;
    workers: number;
    cache_hits: number;
  };
}

/** Per window: every combination in-sample (index order) and the chosen one out-of-sample. */
export interface WalkForwardRuns {
  readonly windows: readonly WalkForwardWindow[];
  readonly inSample: readonly (readonly PortfolioRun[])[];
  readonly outOfSample: readonly PortfolioRun[];
}

export interface AssembleSweepInput {
  readonly grid: SweepGrid;
  readonly combinations: readonly Combination[];
  /** The full-range run of each combination, index order. */
  readonly runs: readonly PortfolioRun[];
  /** Timestamps of the run's bars (the full range). */
  readonly timestamps: BigInt64Array;
  readonly data: { path: string; sha256: string; symbols: readonly string[]; bars: number };
  readonly versions: Readonly<Record<string, string>>;
  readonly walkForward?: WalkForwardRuns;
  /** Keep each combination's equity per bar (false: `--no-curves`). */
  readonly curves: boolean;
  readonly stats: SweepResultWire['stats'];
}

function paramsObject(params: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const [path, value] of params) out[path] = value;
  return out;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Index of the chosen combination in each window: highest in-sample objective, lowest index on ties. */
export function chooseInSample(
  inSample: readonly (readonly PortfolioRun[])[],
  objective: SweepGrid['objective'],
): number[] {
  return inSample.map((runs) =>
    pickBest(
      runs.map((r) => r.metrics),
      objective,
    ),
  );
}

/** The walk-forward windows of a grid over a run of `bars` bars (empty without walk_forward). */
export function planWalkForward(grid: SweepGrid, bars: number): WalkForwardWindow[] {
  return grid.walkForward === undefined ? [] : walkForwardWindows(bars, grid.walkForward);
}

function stitchWalkForward(
  input: AssembleSweepInput,
  runs: WalkForwardRuns,
  base: PortfolioConfig,
): NonNullable<SweepResultWire['walk_forward']> {
  const objective = input.grid.objective;
  const chosen = chooseInSample(runs.inSample, objective);
  const segments = runs.outOfSample.map((r) => r.equity);
  const initial = runs.outOfSample[0]?.initialCapital ?? base.totalCapital;
  const equity = stitchSegments(segments, initial);
  const timestamps = new BigInt64Array(equity.length);
  let k = 0;
  for (const window of runs.windows) {
    for (let t = window.oosStart; t < window.oosEnd; t++)
      timestamps[k++] = input.timestamps[t] as bigint;
  }
  let costs = 0;
  let rebalances = 0;
  for (const run of runs.outOfSample) {
    costs += run.metrics.costs ?? 0;
    rebalances += run.metrics.rebalanceCount;
  }
  const metrics: Metrics = calculateMetrics({
    timestamps,
    equity,
    initialCapital: initial,
    costs,
    rebalanceCount: rebalances,
    riskFreeRate: base.riskFreeRate,
    ...(base.periodsPerYear === undefined ? {} : { periodsPerYear: base.periodsPerYear }),
  });
  const inSampleCagrs = chosen.map((c, w) => runs.inSample[w]?.[c]?.metrics.cagr ?? null);
  return {
    windows: runs.windows.map((window, w) => {
      const best = chosen[w] as number;
      const isRun = runs.inSample[w]?.[best] as PortfolioRun;
      return {
        is_start: window.isStart,
        is_end: window.isEnd,
        oos_start: window.oosStart,
        oos_end: window.oosEnd,
        best,
        is_objective: finiteOrNull(objectiveValue(isRun.metrics, objective)),
        oos_metrics: encodeMetrics((runs.outOfSample[w] as PortfolioRun).metrics),
      };
    }),
    equity_curve: Array.from(equity, (value, i) => ({
      timestamp_ns: (timestamps[i] as bigint).toString(),
      equity: value,
    })),
    metrics: encodeMetrics(metrics),
    efficiency: walkForwardEfficiency(metrics.cagr, inSampleCagrs),
  };
}

/** Assembles the sweep JSON from the runs (all in combination index order). */
export function assembleSweepResult(input: AssembleSweepInput): SweepResultWire {
  const { grid, combinations, runs } = input;
  if (runs.length !== combinations.length || runs.length === 0) {
    throw new RangeError(`${runs.length} runs for ${combinations.length} combinations`);
  }
  const best = pickBest(
    runs.map((r) => r.metrics),
    grid.objective,
  );
  const returns = runs.map((r) => returnsFromEquity(r.equity, r.initialCapital));
  const pbo = probabilityOfOverfitting(returns, grid.pboPartitions);
  const dsr = deflatedSharpeRatio(returns, best);
  const base = (combinations[0] as Combination).config;
  return {
    sweep_id: grid.id,
    grid: encodeSweepGrid(grid),
    data: input.data,
    versions: input.versions,
    objective: grid.objective,
    timestamps_ns: Array.from(input.timestamps, (t) => t.toString()),
    combinations: combinations.map((c, i) => {
      const run = runs[i] as PortfolioRun;
      return {
        index: c.index,
        id: c.id,
        params: paramsObject(c.params),
        metrics: encodeMetrics(run.metrics),
        ...(input.curves ? { equity: Array.from(run.equity) } : {}),
      };
    }),
    best,
    overfitting: {
      pbo: pbo.pbo,
      partitions: pbo.partitions,
      logits: pbo.logits,
      deflated_sharpe: {
        sharpe: dsr.sharpe,
        sharpe_0: dsr.sharpe0,
        trials: dsr.trials,
        skew: dsr.skew,
        kurtosis: dsr.kurtosis,
        observations: dsr.observations,
        dsr: dsr.dsr,
      },
    },
    ...(input.walkForward === undefined
      ? {}
      : { walk_forward: stitchWalkForward(input, input.walkForward, base) }),
    stats: input.stats,
  };
}
