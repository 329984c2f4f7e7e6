// Benchmarks (printed, never asserted): equal risk contribution against the npm package
// portfolio-allocation on the same matrices, and the per-bar cost of the rolling statistics.
import { createRequire } from 'node:module';
import { AllocationCalculator } from '@njord/portfolio-allocator';
import {
  equalRiskContributionWeights,
  RiskAdjustedAllocator,
  RollingReturnStats,
} from '../src/index.js';
import { createNormal, createRandom, exampleFixture, portfolioConfig } from '@njord/test-kit';

const require = createRequire(import.meta.url);
const portfolioAllocation = require('portfolio-allocation') as {
  equalRiskContributionWeights(
    sigma: number[][],
    options?: { eps?: number; maxCycles?: number },
  ): number[];
};

/**
 * The sample covariance of T = max(2n, 250) daily returns of n strategies driven by 3 common
 * factors plus their own noise (volatilities 0.5% to 2.5% a day): what a portfolio of sleeves
 * looks like, ill-conditioned for large n as real sample covariances are.
 */
function sampleCovariance(n: number, gaussian: () => number, random: () => number): Float64Array {
  const rows = Math.max(2 * n, 250);
  const factors = 3;
  const loadings = Array.from({ length: n }, () =>
    Array.from({ length: factors }, () => 0.5 * gaussian()),
  );
  const volatility = Array.from({ length: n }, () => 0.005 + 0.02 * random());
  const data = new Float64Array(rows * n);
  for (let t = 0; t < rows; t++) {
    const f = Array.from({ length: factors }, gaussian);
    for (let i = 0; i < n; i++) {
      let s = gaussian();
      const b = loadings[i] as number[];
      for (let k = 0; k < factors; k++) s += (b[k] as number) * (f[k] as number);
      data[t * n + i] = (volatility[i] as number) * s;
    }
  }
  const mean = new Float64Array(n);
  for (let t = 0; t < rows; t++)
    for (let i = 0; i < n; i++) mean[i] = (mean[i] as number) + (data[t * n + i] as number) / rows;
  const cov = new Float64Array(n * n);
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < n; i++) {
      const di = (data[t * n + i] as number) - (mean[i] as number);
      for (let j = i; j < n; j++)
        cov[i * n + j] =
          (cov[i * n + j] as number) + di * ((data[t * n + j] as number) - (mean[j] as number));
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const c = (cov[i * n + j] as number) / (rows - 1);
      cov[i * n + j] = c;
      cov[j * n + i] = c;
    }
  }
  return cov;
}

function toRows(cov: Float64Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(cov.subarray(i * n, i * n + n)));
}

/** Mean time per call in ms over `repeats` calls (after one warm-up call). */
function time(repeats: number, run: () => void): number {
  run();
  const start = performance.now();
  for (let r = 0; r < repeats; r++) run();
  return (performance.now() - start) / repeats;
}

function benchEqualRiskContribution(): void {
  console.log(
    'Equal risk contribution: @njord/portfolio-risk vs portfolio-allocation 0.0.11 (same matrices, same run)',
  );
  console.log(
    'n    matrices  ours ms/call  sweeps+newton  theirs(eps 1e-10) ms  ratio  max|dw|   theirs(eps 1e-14) ms  ratio  max|dw|',
  );
  const random = createRandom(20250601);
  const gaussian = createNormal(random);
  for (const [n, count, repeats] of [
    [10, 40, 200],
    [50, 10, 40],
    [500, 3, 2],
  ] as const) {
    const matrices = Array.from({ length: count }, () => sampleCovariance(n, gaussian, random));
    const rows = matrices.map((m) => toRows(m, n));
    let ours = 0;
    let theirs = 0;
    let theirsTight = 0;
    let diff = 0;
    let diffTight = 0;
    let sweeps = 0;
    let newton = 0;
    matrices.forEach((cov, m) => {
      const sigma = rows[m] as number[][];
      const result = equalRiskContributionWeights(cov, n);
      sweeps += result.sweeps;
      newton += result.newtonSteps;
      const reference = portfolioAllocation.equalRiskContributionWeights(sigma);
      const referenceTight = portfolioAllocation.equalRiskContributionWeights(sigma, {
        eps: 1e-14,
      });
      for (let i = 0; i < n; i++) {
        diff = Math.max(diff, Math.abs((result.weights[i] as number) - (reference[i] as number)));
        diffTight = Math.max(
          diffTight,
          Math.abs((result.weights[i] as number) - (referenceTight[i] as number)),
        );
      }
      ours += time(repeats, () => equalRiskContributionWeights(cov, n));
      theirs += time(repeats, () => portfolioAllocation.equalRiskContributionWeights(sigma));
      theirsTight += time(repeats, () =>
        portfolioAllocation.equalRiskContributionWeights(sigma, { eps: 1e-14 }),
      );
    });
    ours /= count;
    theirs /= count;
    theirsTight /= count;
    console.log(
      [
        String(n).padEnd(4),
        String(count).padEnd(9),
        ours.toFixed(4).padStart(12),
        `${(sweeps / count).toFixed(1)}+${(newton / count).toFixed(1)}`.padStart(14),
        theirs.toFixed(4).padStart(21),
        `${(theirs / ours).toFixed(1)}x`.padStart(6),
        diff.toExponential(1).padStart(8),
        theirsTight.toFixed(4).padStart(21),
        `${(theirsTight / ours).toFixed(1)}x`.padStart(6),
        diffTight.toExponential(1).padStart(8),
      ].join(' '),
    );
  }
  console.log(
    '(ours: tolerance 1e-10 on the relative risk contributions; theirs: cyclic coordinate descent, eps on the objective)',
  );
}

function benchRollingStats(): void {
  const bars = 100_000;
  const n = 3;
  const DAY = 86_400_000_000_000n;
  const HOUR = 3_600_000_000_000n;
  const start = 946_684_800_000_000_000n; // 2000-01-01
  const random = createRandom(7);
  const gaussian = createNormal(random);
  const returns = new Float64Array(bars * n);
  for (let k = 0; k < returns.length; k++) returns[k] = 0.0003 + 0.01 * gaussian();
  const timestamps = new BigInt64Array(bars);
  // Hourly bars (100,000 days would not fit in int64 nanoseconds): 720 bars in a 30-day window.
  for (let t = 0; t < bars; t++) timestamps[t] = start + BigInt(t) * HOUR;
  const ids = ['a', 'b', 'c'];
  const row = new Float64Array(n);
  const annualization = { periodsPerYear: 252 * 24 };

  function run(covariance: boolean, query: boolean): number {
    const rolling = new RollingReturnStats(ids, { windowNs: 30n * DAY, covariance });
    const cov = new Float64Array(n * n);
    let sink = 0;
    const t0 = performance.now();
    for (let t = 0; t < bars; t++) {
      for (let i = 0; i < n; i++) row[i] = returns[t * n + i] as number;
      rolling.push(timestamps[t] as bigint, row);
      if (query) {
        for (let i = 0; i < n; i++) {
          const s = rolling.stats(i, annualization);
          sink += (s.sharpe ?? 0) + (s.maxDrawdown ?? 0);
        }
        if (covariance) sink += rolling.covarianceInto(cov);
      }
    }
    const elapsed = performance.now() - t0;
    if (Number.isNaN(sink)) console.log('(sink)');
    return (elapsed * 1e6) / bars;
  }

  function bruteForce(): number {
    // Recomputes the window (30 calendar days of hourly bars = 720 bars) at every bar: the cost avoided.
    let sink = 0;
    const t0 = performance.now();
    const window = 720;
    for (let t = 0; t < bars; t++) {
      const from = Math.max(0, t - window + 1);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        let count = 0;
        for (let k = from; k <= t; k++) {
          sum += returns[k * n + i] as number;
          count++;
        }
        const mean = sum / count;
        let squares = 0;
        let level = 0;
        let peak = 0;
        let drop = 0;
        for (let k = from; k <= t; k++) {
          const r = returns[k * n + i] as number;
          squares += (r - mean) * (r - mean);
          level += Math.log1p(r);
          if (level > peak) peak = level;
          else if (peak - level > drop) drop = peak - level;
        }
        sink += squares + drop;
      }
    }
    const elapsed = performance.now() - t0;
    if (Number.isNaN(sink)) console.log('(sink)');
    return (elapsed * 1e6) / bars;
  }

  for (let warm = 0; warm < 2; warm++) {
    run(false, false);
    run(true, true);
  }
  console.log(
    `\nRolling statistics, ${bars.toLocaleString('en-US')} hourly bars, ${n} strategies, 30-day window = 720 bars (ns per bar, best of 3)`,
  );
  const best = (f: () => number) => Math.min(f(), f(), f());
  console.log(
    `push only (mean, variance, drawdown state)        ${best(() => run(false, false))
      .toFixed(0)
      .padStart(6)}`,
  );
  console.log(
    `push + covariance                                 ${best(() => run(true, false))
      .toFixed(0)
      .padStart(6)}`,
  );
  console.log(
    `push + every statistic queried per bar            ${best(() => run(false, true))
      .toFixed(0)
      .padStart(6)}`,
  );
  console.log(
    `push + covariance + every statistic per bar       ${best(() => run(true, true))
      .toFixed(0)
      .padStart(6)}`,
  );
  console.log(
    `brute-force recomputation of the window per bar   ${best(bruteForce).toFixed(0).padStart(6)}`,
  );

  // A whole adjustment per bar (the worst case: adjust_every_hours unset in a daily backtest).
  const config = portfolioConfig({ ...exampleFixture(), id: 'bench' });

  const base = new AllocationCalculator(config);
  const baseTargets = base.calculateTargetsForEquity(50_000).targets;
  for (const method of [
    'sharpe_drawdown',
    'inverse_volatility',
    'equal_risk_contribution',
  ] as const) {
    const risk = new RiskAdjustedAllocator(base, { method, periodsPerYear: 252 * 24 });
    const rolling = risk.createRollingStats();
    const adjustBars = 20_000;
    let sink = 0;
    const t0 = performance.now();
    for (let t = 0; t < adjustBars; t++) {
      for (let i = 0; i < n; i++) row[i] = returns[t * n + i] as number;
      rolling.push(timestamps[t] as bigint, row);
      sink += risk.calculateAdjustedAllocations(rolling, baseTargets).targets.a ?? 0;
    }
    const perBar = ((performance.now() - t0) * 1e6) / adjustBars;
    if (Number.isNaN(sink)) console.log('(sink)');
    console.log(
      `push + calculateAdjustedAllocations (${method})`.padEnd(50) + perBar.toFixed(0).padStart(6),
    );
  }
}

if (process.argv[2] !== '--rolling') benchEqualRiskContribution();
benchRollingStats();
