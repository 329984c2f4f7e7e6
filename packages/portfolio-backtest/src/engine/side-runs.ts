// The runs of a backtest that do not depend on the portfolio's: the never-rebalanced baseline,
// each strategy alone and the equal-weight benchmark. They read the strategies' recorded
// tapes only, so they can run on another thread (`SideRunsTask`) while the portfolio runs.
import {
  type CostModel,
  encodePortfolioConfig,
  type FillModel,
  parsePortfolioConfig,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import { PriceData, type PriceDataColumns } from '../price-data.js';
import type { Strategy } from '../strategy.js';
import { identityParams, type RecordedTape, SignalTape } from './signals.js';
import { simulate } from './simulate.js';
import { BacktestError } from './backtest-error.js';
import { formatTimestampNs } from '../timestamp-text.js';

/** What the result needs of one hold-only run. */
export interface HoldRunOutput {
  /** Equity at every bar of [firstStep, lastStep]. */
  readonly equity: Float64Array;
  readonly tradedNotional: number;
  readonly costs: number;
  readonly fills: number;
}

export interface SideRunsOutput {
  readonly baseline: HoldRunOutput;
  /** Each strategy alone, in allocation order. */
  readonly standalone: readonly HoldRunOutput[];
  readonly benchmark: Float64Array;
}

export interface SideRunsInput {
  readonly data: PriceData;
  readonly config: PortfolioConfig;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly fillModel: FillModel;
  readonly costs: CostModel;
  /** One per allocation, in order. */
  readonly signals: readonly SignalTape[];
}

/**
 * The baseline, each strategy alone and the benchmark, on this thread. Each strategy's tape
 * is read as far as it was recorded and recorded on from there. `phase` is told when each
 * part is done, with the fills its runs made.
 */
export function runSideRuns(
  input: SideRunsInput,
  phase: (name: 'baseline' | 'standalone' | 'benchmark', fills?: number) => void = () => {},
): SideRunsOutput {
  const { data, config, firstStep, lastStep, fillModel, costs, signals } = input;
  const common = { data, firstStep, lastStep, fillModel, costs };
  const hold = (run: ReturnType<typeof simulate>): HoldRunOutput => ({
    equity: run.equity,
    tradedNotional: run.tradedNotional,
    costs: run.costs,
    fills: run.fills,
  });
  const baseline = hold(simulate({ ...common, config, signals, mode: 'hold', record: 'equity' }));
  phase('baseline', baseline.fills);
  const standalone = config.allocations.map((allocation, k) =>
    hold(
      simulate({
        ...common,
        config: standaloneConfig(config, allocation),
        signals: [signals[k] as SignalTape],
        mode: 'hold',
        record: 'equity',
      }),
    ),
  );
  phase(
    'standalone',
    standalone.reduce((sum, alone) => sum + alone.fills, 0),
  );
  const benchmark = benchmarkCurve(data, firstStep, lastStep, config.totalCapital);
  phase('benchmark');
  return { baseline, standalone, benchmark };
}

/** A strategy's identity as a tape names it (no code: a thread adopts the tape instead). */
export interface StrategyIdentity {
  readonly id: string;
  readonly kind: string;
  readonly symbols: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * The side runs as a message for another thread: the columns on shared memory, each
 * strategy's tape recorded to `lastStep`, the config as its wire form. Plain data: it goes
 * through `postMessage` without copying the columns or the tapes.
 */
export interface SideRunsTask {
  readonly columns: PriceDataColumns;
  /** `encodePortfolioConfig(config)`: the config file's form. */
  readonly portfolio: unknown;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly fillModel: FillModel;
  readonly costs: CostModel;
  readonly strategies: readonly StrategyIdentity[];
  readonly maxAbsExposure: number;
  readonly tapes: readonly RecordedTape[];
}

/**
 * The task for `input`'s side runs, or undefined when they cannot leave this thread: a
 * strategy without a kind and params (its tape cannot be named), or one whose tape faulted
 * while recording (the one-thread path meets the fault where it always did).
 */
export function sideRunsTask(input: SideRunsInput): SideRunsTask | undefined {
  const strategies: StrategyIdentity[] = [];
  const tapes: RecordedTape[] = [];
  for (const tape of input.signals) {
    const { id, kind, symbols, params } = tape.strategy;
    if (kind === undefined || params === undefined) return undefined;
    try {
      tape.record(input.lastStep);
    } catch {
      return undefined;
    }
    const shared = tape.share();
    if (shared === undefined) return undefined;
    // Plain data with the same identity: a user's params may hold what postMessage cannot copy.
    strategies.push({ id, kind, symbols: [...symbols], params: identityParams(params) });
    tapes.push(shared);
  }
  return {
    columns: input.data.sharedColumns(),
    portfolio: encodePortfolioConfig(input.config),
    firstStep: input.firstStep,
    lastStep: input.lastStep,
    fillModel: input.fillModel,
    costs: input.costs,
    strategies,
    maxAbsExposure: input.signals[0]?.maxAbsExposure ?? 0,
    tapes,
  };
}

/** Runs a `SideRunsTask` (on the thread it was sent to). */
export function runSideRunsTask(task: SideRunsTask): SideRunsOutput {
  const data = new PriceData(task.columns);
  const config = parsePortfolioConfig(task.portfolio);
  const signals = task.strategies.map((identity, k) => {
    const strategy: Strategy = {
      ...identity,
      onBar() {
        throw new Error(`${identity.id}: an adopted tape never calls its strategy`);
      },
    };
    return SignalTape.adopt(strategy, data, task.maxAbsExposure, task.tapes[k] as RecordedTape);
  });
  return runSideRuns({
    data,
    config,
    firstStep: task.firstStep,
    lastStep: task.lastStep,
    fillModel: task.fillModel,
    costs: task.costs,
    signals,
  });
}

/** One strategy with the whole capital, never rebalanced (bounds cannot bind). */
export function standaloneConfig(
  config: PortfolioConfig,
  allocation: PortfolioConfig['allocations'][number],
): PortfolioConfig {
  const { rebalanceFrequencyHours: _frequency, riskAdjustment: _risk, ...rest } = config;
  return {
    ...rest,
    allocations: [{ ...allocation, targetWeight: 1, minCapital: 0, maxCapital: Number.MAX_VALUE }],
  };
}

/**
 * Equal-weight buy-and-hold of the symbols that have a bar at the first step, without
 * costs; a symbol listed later is not in it.
 */
export function benchmarkCurve(
  data: PriceData,
  firstStep: number,
  lastStep: number,
  capital: number,
): Float64Array {
  const held: number[] = [];
  for (let s = 0; s < data.symbols.length; s++) if (data.hasBar(s, firstStep)) held.push(s);
  const units = held.map(
    (s) => capital / held.length / ((data.close[s] as Float64Array)[firstStep] as number),
  );
  const last = held.map((s) => (data.close[s] as Float64Array)[firstStep] as number);
  const out = new Float64Array(lastStep - firstStep + 1);
  for (let t = firstStep; t <= lastStep; t++) {
    let equity = held.length === 0 ? capital : 0;
    for (let j = 0; j < held.length; j++) {
      const price = (data.close[held[j] as number] as Float64Array)[t] as number;
      if (price === price) last[j] = price;
      equity += (units[j] as number) * (last[j] as number);
    }
    if (equity - equity !== 0) {
      throw new BacktestError(
        'overflow',
        `the benchmark (equal-weight hold) at ${formatTimestampNs(data.timestamps[t] as bigint)}: worth ${equity}, beyond the largest number a double holds; use a smaller total_capital for prices this far apart`,
      );
    }
    out[t - firstStep] = equity;
  }
  return out;
}
