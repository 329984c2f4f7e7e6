// The second thread of bench/w-threads.ts: the runs that do not depend on the portfolio's
// (the baseline, each strategy alone, the benchmark), on the coordinator's shared columns
// and recorded tapes. Plain JavaScript on the built package, as a worker loads it.
import { parentPort } from 'node:worker_threads';
import {
  benchmarkCurve,
  createStrategyRegistry,
  PriceData,
  SignalTape,
  simulate,
  standaloneConfig,
} from '@njord/portfolio-backtest';
import { parsePortfolioConfig } from '@njord/portfolio-contracts';

parentPort.on('message', (task) => {
  const started = performance.now();
  const data = new PriceData(task.columns);
  const config = parsePortfolioConfig(task.portfolio);
  const resolved = createStrategyRegistry().resolveStrategies(config, data.symbols);
  if (!resolved.success) throw resolved.error;
  const signals = resolved.data.map((strategy, k) =>
    SignalTape.adopt(strategy, data, task.maxAbsExposure, task.tapes[k]),
  );
  const common = {
    data,
    firstStep: task.firstStep,
    lastStep: task.lastStep,
    fillModel: config.fillModel,
    costs: config.costs,
  };
  const baseline = simulate({ ...common, config, signals, mode: 'hold', record: 'equity' });
  const standalone = config.allocations.map((allocation, k) =>
    simulate({
      ...common,
      config: standaloneConfig(config, allocation),
      signals: [signals[k]],
      mode: 'hold',
      record: 'equity',
    }),
  );
  const benchmark = benchmarkCurve(data, task.firstStep, task.lastStep, config.totalCapital);
  const curves = [baseline.equity, ...standalone.map((run) => run.equity), benchmark];
  parentPort.postMessage(
    { curves, ms: performance.now() - started },
    curves.map((c) => c.buffer),
  );
});
