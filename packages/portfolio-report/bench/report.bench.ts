// Prints how long rendering takes and how big the page gets, for the example-sized result and long ones.
import { makeBacktestResult, type FixtureOptions } from '../src/fixture.test-util.js';
import { prepareReportData, renderPortfolioReport } from '../src/index.js';

interface Case {
  readonly name: string;
  readonly options: FixtureOptions;
  readonly runs: number;
}

const cases: Case[] = [
  {
    name: '5,000 daily bars x 3 strategies, a rebalance every bar',
    options: { bars: 5000, rebalanceEvery: 1 },
    runs: 7,
  },
  {
    name: '5,000 daily bars x 3 strategies, a rebalance every bar, risk-adjusted targets',
    options: { bars: 5000, rebalanceEvery: 1, baseTargets: true, adjustEveryBars: 5 },
    runs: 7,
  },
  {
    name: '5,000 daily bars x 3 strategies, threshold only',
    options: { bars: 5000, rebalanceEvery: 0 },
    runs: 7,
  },
  {
    name: '100,000 minute bars x 3 strategies, every 500 bars',
    options: { bars: 100_000, barSeconds: 60, volatility: 0.0008, rebalanceEvery: 500 },
    runs: 3,
  },
  {
    name: '1,000,000 minute bars x 3 strategies, every 2,000 bars',
    options: { bars: 1_000_000, barSeconds: 60, volatility: 0.0008, rebalanceEvery: 2000, seed: 8 },
    runs: 2,
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

for (const { name, options, runs } of cases) {
  const result = makeBacktestResult(options);
  const prepare: number[] = [];
  const render: number[] = [];
  let bytes = 0;
  let drawn = 0;
  for (let run = 0; run < runs; run++) {
    let started = performance.now();
    const data = prepareReportData(result);
    prepare.push(performance.now() - started);
    drawn = Math.max(...data.times.map((t) => t.length));
    started = performance.now();
    const html = renderPortfolioReport(result);
    render.push(performance.now() - started);
    bytes = Buffer.byteLength(html, 'utf8');
  }
  const trades = result.rebalances.reduce((sum, r) => sum + r.trades.length + r.skipped.length, 0);
  console.log(
    `${name}: ${result.rebalances.length} rebalances, ${trades} trade rows; ` +
      `prepare ${median(prepare).toFixed(0)} ms, render ${median(render).toFixed(0)} ms (median of ${runs}); ` +
      `page ${(bytes / 1e6).toFixed(2)} MB; at most ${drawn} points per chart`,
  );
}
