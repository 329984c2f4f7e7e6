// Indicators and built-in strategies per bar: trading-signals against ours, 100,000 bars x 10 symbols.
import { BollingerBands, RSI, TEMA } from 'trading-signals';
import {
  BollingerBandsWindow,
  createBarContext,
  generateSyntheticData,
  MomentumStrategy,
  RsiTemaBbStrategy,
  type Strategy,
  TrendlineBreakStrategy,
  TripleEma,
  WilderRsi,
} from '../src/index.js';

const SYMBOLS = 10;
const BARS = 100_000;
const RUNS = 3;
// Hourly bars: 100,000 daily bars from 2000 would pass the 64-bit nanosecond range (2262).
const data = generateSyntheticData({
  symbols: SYMBOLS,
  bars: BARS,
  seed: 1,
  stepNs: 3_600_000_000_000n,
});
const events = SYMBOLS * BARS;

function best(run: () => number): { ms: number; check: number } {
  let ms = Infinity;
  let check = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    check = run();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, check };
}

function library(): number {
  const rsi = data.symbols.map(() => new RSI(14));
  const bands = data.symbols.map(() => new BollingerBands(20, 2));
  const tema = data.symbols.map(() => new TEMA(20));
  let check = 0;
  for (let t = 0; t < BARS; t++) {
    for (let s = 0; s < SYMBOLS; s++) {
      const price = data.close[s]![t]!;
      const r = rsi[s]!.add(price);
      const b = bands[s]!.add(price);
      const e = tema[s]!.add(price);
      if (r !== null && b !== null && e !== null) check += r + b.lower + e;
    }
  }
  return check;
}

function ours(): number {
  const rsi = data.symbols.map(() => new WilderRsi(14));
  const bands = data.symbols.map(() => new BollingerBandsWindow(20, 2));
  const tema = data.symbols.map(() => new TripleEma(20));
  let check = 0;
  for (let t = 0; t < BARS; t++) {
    for (let s = 0; s < SYMBOLS; s++) {
      const price = data.close[s]![t]!;
      const r = rsi[s]!.update(price);
      bands[s]!.update(price);
      const e = tema[s]!.update(price);
      if (r === r && e === e && bands[s]!.isReady) check += r + bands[s]!.lower + e;
    }
  }
  return check;
}

/** Not timed: the largest relative gap between the library's and our RSI, lower band and TEMA. */
function largestDifference(): number {
  let worst = 0;
  const gap = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));
  for (let s = 0; s < SYMBOLS; s++) {
    const [rsi, bands, tema] = [new RSI(14), new BollingerBands(20, 2), new TEMA(20)];
    const [rsi2, bands2, tema2] = [
      new WilderRsi(14),
      new BollingerBandsWindow(20, 2),
      new TripleEma(20),
    ];
    for (let t = 0; t < BARS; t++) {
      const price = data.close[s]![t]!;
      const r = rsi.add(price);
      const b = bands.add(price);
      const e = tema.add(price);
      const r2 = rsi2.update(price);
      bands2.update(price);
      const e2 = tema2.update(price);
      if (r !== null) worst = Math.max(worst, gap(r2, r));
      if (b !== null)
        worst = Math.max(worst, gap(bands2.lower, b.lower), gap(bands2.upper, b.upper));
      if (e !== null) worst = Math.max(worst, gap(e2, e));
    }
  }
  return worst;
}

function strategyLoop(make: () => Strategy): () => number {
  return () => {
    const strategy = make();
    const ctx = createBarContext(data, strategy.symbols);
    let signals = 0;
    for (let t = 0; t < BARS; t++) if (strategy.onBar(ctx.moveTo(t)) !== undefined) signals++;
    return signals;
  };
}

const rate = (ms: number): string => `${(((events / ms) * 1000) / 1e6).toFixed(1)}M symbol-bars/s`;
console.log(`${SYMBOLS} symbols x ${BARS} bars = ${events} symbol-bars; best of ${RUNS}`);
const lib = best(library);
const own = best(ours);
console.log(`trading-signals RSI(14)+BB(20,2)+TEMA(20): ${lib.ms.toFixed(0)} ms (${rate(lib.ms)})`);
console.log(`ours (same three, incremental):           ${own.ms.toFixed(0)} ms (${rate(own.ms)})`);
console.log(
  `largest relative difference of any value at any step: ${largestDifference().toExponential(1)}`,
);
const symbols = data.symbols;
for (const [name, make] of [
  ['trendline_break(20)', () => new TrendlineBreakStrategy('t', symbols, { lookback: 20 })],
  [
    'rsi_tema_bb(defaults)',
    () =>
      new RsiTemaBbStrategy('r', symbols, {
        rsi_period: 14,
        oversold: 30,
        overbought: 70,
        bb_period: 20,
        bb_k: 2,
        tema_period: 20,
      }),
  ],
  [
    'momentum(63, 21)',
    () => new MomentumStrategy('m', symbols, { lookback: 63, rebalance_every: 21 }),
  ],
] as const) {
  const result = best(strategyLoop(make));
  console.log(
    `strategy ${name.padEnd(22)} onBar every bar: ${result.ms.toFixed(0)} ms (${rate(result.ms)}), ${result.check} bars with targets`,
  );
}
