// Benchmark: targets + drift through AllocationCalculator (records) and its array fast path,
// against a plain Float64Array loop doing the same projection, in the same run.
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { AllocationCalculator, allocateTargetsInto, calculateDriftInto } from '../src/index.js';
import { createRandom } from '@njord/test-kit';

/**
 * The baseline: the same water-filling (sorted breakpoints, binary search, linear piece)
 * written as one bare loop nest over Float64Arrays, then drift; no records, no scaling.
 */
function plainTargetsAndDrift(
  capital: Float64Array,
  unallocated: number,
  w: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  targets: Float64Array,
  drift: Float64Array,
  breakpoints: Float64Array,
): void {
  const n = w.length;
  let equity = unallocated;
  for (let i = 0; i < n; i++) equity += capital[i]!;
  let sumMin = 0;
  let sumMax = 0;
  for (let i = 0; i < n; i++) {
    sumMin += lo[i]!;
    sumMax += hi[i]!;
  }
  if (equity <= sumMin)
    for (let i = 0; i < n; i++) targets[i] = (lo[i]! * Math.max(equity, 0)) / sumMin;
  else if (equity >= sumMax) for (let i = 0; i < n; i++) targets[i] = hi[i]!;
  else {
    for (let i = 0; i < n; i++) {
      breakpoints[2 * i] = lo[i]! / w[i]!;
      breakpoints[2 * i + 1] = hi[i]! / w[i]!;
    }
    breakpoints.sort();
    const fill = (lambda: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.min(hi[i]!, Math.max(lo[i]!, lambda * w[i]!));
      return s;
    };
    let a = 0;
    let b = 2 * n - 1;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (fill(breakpoints[m]!) >= equity) b = m;
      else a = m + 1;
    }
    const probe = 0.5 * (breakpoints[a]! + (a > 0 ? breakpoints[a - 1]! : 0));
    let fixed = 0;
    let free = 0;
    for (let i = 0; i < n; i++) {
      const x = probe * w[i]!;
      if (x > lo[i]! && x < hi[i]!) free += w[i]!;
      else fixed += x <= lo[i]! ? lo[i]! : hi[i]!;
    }
    const lambda = (equity - fixed) / free;
    for (let i = 0; i < n; i++) targets[i] = Math.min(hi[i]!, Math.max(lo[i]!, lambda * w[i]!));
  }
  for (let i = 0; i < n; i++) drift[i] = (capital[i]! - targets[i]!) / targets[i]!;
}

function time(label: string, fn: () => void, budgetMs = 300): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 100; i++) fn();
    iterations += 100;
    elapsed = performance.now() - start;
  }
  const micros = (elapsed * 1000) / iterations;
  console.log(`  ${label.padEnd(34)} ${micros.toFixed(3).padStart(10)} us/call`);
  return micros;
}

let sink = 0;
for (const n of [10, 100, 1000]) {
  const rand = createRandom(n);
  const raw = Array.from({ length: n }, () => 0.1 + rand());
  const total = raw.reduce((s, x) => s + x, 0);
  const weights = raw.map((x) => x / total);
  const capitalTotal = 1_000_000;
  // Bounds around each weight's share; tight ones bind, so the projection has work to do.
  const allocations = weights.map((w, i) => {
    const share = w * capitalTotal;
    return {
      strategy_id: `s${i}`,
      target_weight: w,
      min_capital: share * (0.5 + 0.45 * rand()),
      max_capital: share * (1.02 + 0.5 * rand()),
    };
  });
  const config = parsePortfolioConfig({
    portfolio: { id: 'bench', total_capital: capitalTotal, rebalance_threshold: 0.05, allocations },
  });
  const calc = new AllocationCalculator(config);
  // Current capital: the shares moved by up to +-10%.
  const capital = Float64Array.from(weights, (w) => w * capitalTotal * (0.9 + 0.2 * rand()));
  const current: Record<string, number> = {};
  capital.forEach((c, i) => (current[`s${i}`] = c));
  const w = Float64Array.from(weights);
  const lo = Float64Array.from(allocations, (a) => a.min_capital);
  const hi = Float64Array.from(allocations, (a) => a.max_capital);
  const targets = new Float64Array(n);
  const drift = new Float64Array(n);
  const breakpoints = new Float64Array(2 * n);
  const scratch = new Float64Array(3 * n);

  console.log(`n = ${n} strategies`);
  const plain = time('plain Float64Array loop', () => {
    plainTargetsAndDrift(capital, 0, w, lo, hi, targets, drift, breakpoints);
    sink += drift[0]!;
  });
  const arrays = time('allocateTargetsInto + drift', () => {
    let equity = 0;
    for (let i = 0; i < n; i++) equity += capital[i]!;
    allocateTargetsInto(targets, equity, w, lo, hi, scratch);
    calculateDriftInto(drift, capital, targets, equity);
    sink += drift[0]!;
  });
  const records = time('AllocationCalculator (records)', () => {
    const allocation = calc.calculateTargets(current);
    const d = calc.calculateDrift(current, allocation.targets, allocation.equity);
    sink += d['s0']!;
  });
  console.log(
    `  ratio arrays/plain ${(arrays / plain).toFixed(2)}x, records/plain ${(records / plain).toFixed(2)}x (goal <= 2x)`,
  );
}
if (Number.isNaN(sink)) console.log('NaN in results');
