// W's three real strategies (trendline_break, rsi_tema_bb, momentum at their defaults) written
// for the benchmark as tight struct-of-arrays loops: every symbol's indicator state in flat
// typed arrays, one pass over the steps, targets into a preallocated row per strategy. The same
// arithmetic as the library's indicators, in the same order, so the targets must equal the
// engine's signal tapes bit for bit (checked by `differences`): the least the real strategies'
// work costs here, beside the toy strategies of the reference loop.
import type { PriceData } from '../src/price-data.js';
import type { SignalTape } from '../src/engine/signals.js';

const TREND_LENGTH = 20;
const RSI_PERIOD = 14;
const OVERSOLD = 30;
const OVERBOUGHT = 70;
const BB_PERIOD = 20;
const BB_K = 2;
const TEMA_PERIOD = 20;
const MOMENTUM_LOOKBACK = 63;
const MOMENTUM_EVERY = 21;

/** Per strategy, every step's targets: `rows[k][t * m + i]` (NaN = not named), `held[k][t]`. */
export interface RealSignals {
  readonly rows: Float64Array[];
  readonly held: Uint8Array[];
  readonly ms: number;
}

/** A least-squares line through each symbol's last TREND_LENGTH values, side by side. */
class Lines {
  readonly window: Float64Array;
  readonly count: Int32Array;
  readonly head: Int32Array;
  readonly sumY: Float64Array;
  readonly sumXY: Float64Array;
  constructor(m: number) {
    this.window = new Float64Array(m * TREND_LENGTH);
    this.count = new Int32Array(m);
    this.head = new Int32Array(m);
    this.sumY = new Float64Array(m);
    this.sumXY = new Float64Array(m);
  }
}

const L = TREND_LENGTH;
const SUM_X = (L * (L - 1)) / 2;
const INVERSE_DENOMINATOR = 1 / (L * (((L - 1) * L * (2 * L - 1)) / 6) - SUM_X * SUM_X);

function extrapolate(lines: Lines, i: number): number {
  const sumY = lines.sumY[i] as number;
  const slope = (L * (lines.sumXY[i] as number) - SUM_X * sumY) * INVERSE_DENOMINATOR;
  return (sumY - slope * SUM_X) / L + slope * L;
}

function push(lines: Lines, i: number, y: number): void {
  const base = i * L;
  const w = lines.window;
  const count = lines.count[i] as number;
  if (count < L) {
    w[base + count] = y;
    lines.sumXY[i] = (lines.sumXY[i] as number) + count * y;
    lines.sumY[i] = (lines.sumY[i] as number) + y;
    lines.count[i] = count + 1;
    return;
  }
  let head = lines.head[i] as number;
  const oldest = w[base + head] as number;
  w[base + head] = y;
  head++;
  if (head === L) head = 0;
  lines.head[i] = head;
  if (head === 0) {
    let sumY = 0;
    let sumXY = 0;
    for (let j = 0; j < L; j++) {
      const v = w[base + j] as number;
      sumY += v;
      sumXY += j * v;
    }
    lines.sumY[i] = sumY;
    lines.sumXY[i] = sumXY;
  } else {
    const sumY = lines.sumY[i] as number;
    lines.sumXY[i] = (lines.sumXY[i] as number) - (sumY - oldest) + (L - 1) * y;
    lines.sumY[i] = sumY - oldest + y;
  }
}

export function realStrategies(data: PriceData): RealSignals {
  const m = data.symbols.length;
  const steps = data.steps;
  const rows = [0, 1, 2].map(() => new Float64Array(steps * m).fill(Number.NaN));
  const held = [0, 1, 2].map(() => new Uint8Array(steps));
  const started = performance.now();
  const { close, high, low } = data;
  // trendline_break
  const highs = new Lines(m);
  const lows = new Lines(m);
  // rsi_tema_bb: Wilder's RSI, Bollinger bands (on prices minus a shift), TEMA.
  const rsiCount = new Int32Array(m);
  const rsiPrevious = new Float64Array(m);
  const sumGain = new Float64Array(m);
  const sumLoss = new Float64Array(m);
  const avgGain = new Float64Array(m);
  const avgLoss = new Float64Array(m);
  const rsi = new Float64Array(m).fill(Number.NaN);
  const bbWindow = new Float64Array(m * BB_PERIOD);
  const bbCount = new Int32Array(m);
  const bbHead = new Int32Array(m);
  const bbShift = new Float64Array(m);
  const bbSum = new Float64Array(m);
  const bbSquares = new Float64Array(m);
  const alpha = 2 / (TEMA_PERIOD + 1);
  const beta = 1 - alpha;
  const n1 = new Int32Array(m);
  const n2 = new Int32Array(m);
  const n3 = new Int32Array(m);
  const e1 = new Float64Array(m);
  const e2 = new Float64Array(m);
  const e3 = new Float64Array(m);
  const tema = new Float64Array(m).fill(Number.NaN);
  // momentum
  const size = MOMENTUM_LOOKBACK + 1;
  const ring = new Float64Array(m * size);
  const ringCount = new Float64Array(m);
  const ringHead = new Int32Array(m);
  const returns = new Float64Array(m);
  const order = new Int32Array(m);
  const slots = Math.ceil(m / 2);
  const long = 1 / m;
  const [trendRows, rsiRows, momentumRows] = rows as [Float64Array, Float64Array, Float64Array];
  const [trendHeld, rsiHeld, momentumHeld] = held as [Uint8Array, Uint8Array, Uint8Array];

  for (let t = 0; t < steps; t++) {
    const at = t * m;
    let trendNamed = false;
    let rsiNamed = false;
    for (let i = 0; i < m; i++) {
      const c = (close[i] as Float64Array)[t] as number;
      if (c !== c) continue;
      // trendline_break
      if ((highs.count[i] as number) >= L) {
        if (c > extrapolate(highs, i)) {
          trendRows[at + i] = long;
          trendNamed = true;
        } else if (c < extrapolate(lows, i)) {
          trendRows[at + i] = 0;
          trendNamed = true;
        }
      }
      push(highs, i, (high[i] as Float64Array)[t] as number);
      push(lows, i, (low[i] as Float64Array)[t] as number);

      // rsi_tema_bb: RSI
      const count = rsiCount[i] as number;
      rsiCount[i] = count + 1;
      if (count === 0) rsiPrevious[i] = c;
      else {
        const change = c - (rsiPrevious[i] as number);
        rsiPrevious[i] = c;
        const gain = change > 0 ? change : 0;
        const loss = change < 0 ? -change : 0;
        if (count < RSI_PERIOD) {
          sumGain[i] = (sumGain[i] as number) + gain;
          sumLoss[i] = (sumLoss[i] as number) + loss;
        } else {
          if (count === RSI_PERIOD) {
            avgGain[i] = ((sumGain[i] as number) + gain) / RSI_PERIOD;
            avgLoss[i] = ((sumLoss[i] as number) + loss) / RSI_PERIOD;
          } else {
            avgGain[i] =
              (gain - (avgGain[i] as number)) * (1 / RSI_PERIOD) + (avgGain[i] as number);
            avgLoss[i] =
              (loss - (avgLoss[i] as number)) * (1 / RSI_PERIOD) + (avgLoss[i] as number);
          }
          const g = avgGain[i] as number;
          const l = avgLoss[i] as number;
          rsi[i] = l === 0 ? (g === 0 ? 50 : 100) : 100 - 100 / (1 + g / l);
        }
      }
      // Bollinger bands
      const base = i * BB_PERIOD;
      const bc = bbCount[i] as number;
      let ready = true;
      if (bc < BB_PERIOD) {
        if (bc === 0) bbShift[i] = c;
        bbWindow[base + bc] = c;
        bbCount[i] = bc + 1;
        const d = c - (bbShift[i] as number);
        bbSum[i] = (bbSum[i] as number) + d;
        bbSquares[i] = (bbSquares[i] as number) + d * d;
        ready = bc + 1 >= BB_PERIOD;
      } else {
        let head = bbHead[i] as number;
        const oldest = bbWindow[base + head] as number;
        bbWindow[base + head] = c;
        head++;
        if (head === BB_PERIOD) head = 0;
        bbHead[i] = head;
        if (head === 0) {
          const shift = bbWindow[base] as number;
          let sum = 0;
          let squares = 0;
          for (let j = 0; j < BB_PERIOD; j++) {
            const d = (bbWindow[base + j] as number) - shift;
            sum += d;
            squares += d * d;
          }
          bbShift[i] = shift;
          bbSum[i] = sum;
          bbSquares[i] = squares;
        } else {
          const shift = bbShift[i] as number;
          const dOld = oldest - shift;
          const dNew = c - shift;
          bbSum[i] = (bbSum[i] as number) + (dNew - dOld);
          bbSquares[i] = (bbSquares[i] as number) + (dNew * dNew - dOld * dOld);
        }
      }
      let upper = Number.NaN;
      let lower = Number.NaN;
      if (ready) {
        const meanOffset = (bbSum[i] as number) / BB_PERIOD;
        const variance = (bbSquares[i] as number) / BB_PERIOD - meanOffset * meanOffset;
        const band = variance > 0 ? BB_K * Math.sqrt(variance) : 0;
        const mean = (bbShift[i] as number) + meanOffset;
        upper = mean + band;
        lower = mean - band;
      }
      // TEMA, and its value before this bar
      const previous = tema[i] as number;
      e1[i] = n1[i] === 0 ? c : c * alpha + (e1[i] as number) * beta;
      n1[i] = (n1[i] as number) + 1;
      if ((n1[i] as number) >= TEMA_PERIOD) {
        const single = e1[i] as number;
        e2[i] = n2[i] === 0 ? single : single * alpha + (e2[i] as number) * beta;
        n2[i] = (n2[i] as number) + 1;
        if ((n2[i] as number) >= TEMA_PERIOD) {
          const double = e2[i] as number;
          e3[i] = n3[i] === 0 ? double : double * alpha + (e3[i] as number) * beta;
          n3[i] = (n3[i] as number) + 1;
          if ((n3[i] as number) >= TEMA_PERIOD)
            tema[i] = 3 * single - 3 * double + (e3[i] as number);
        }
      }
      const r = rsi[i] as number;
      if (previous === previous && r === r && ready) {
        if (r < OVERSOLD && c <= lower && (tema[i] as number) > previous) {
          rsiRows[at + i] = long;
          rsiNamed = true;
        } else if (r > OVERBOUGHT || c >= upper) {
          rsiRows[at + i] = 0;
          rsiNamed = true;
        }
      }

      // momentum's ring of closes
      const head = ringHead[i] as number;
      ring[i * size + head] = c;
      ringHead[i] = head + 1 === size ? 0 : head + 1;
      ringCount[i] = (ringCount[i] as number) + 1;
    }
    if (!trendNamed) trendHeld[t] = 1;
    if (!rsiNamed) rsiHeld[t] = 1;
    if (t % MOMENTUM_EVERY !== 0) {
      momentumHeld[t] = 1;
      continue;
    }
    for (let i = 0; i < m; i++) {
      const head = ringHead[i] as number;
      returns[i] =
        (ringCount[i] as number) >= size
          ? (ring[i * size + (head === 0 ? size - 1 : head - 1)] as number) /
              (ring[i * size + head] as number) -
            1
          : Number.NaN;
      order[i] = i;
    }
    // Insertion sort, highest return first, NaN last, ties in symbol order.
    for (let a = 1; a < m; a++) {
      const item = order[a] as number;
      const value = returns[item] as number;
      let b = a - 1;
      for (; b >= 0; b--) {
        const other = returns[order[b] as number] as number;
        if (!(value === value && (other !== other || value > other))) break;
        order[b + 1] = order[b] as number;
      }
      order[b + 1] = item;
    }
    momentumRows.fill(0, at, at + m);
    for (let rank = 0; rank < slots; rank++) {
      const i = order[rank] as number;
      if ((returns[i] as number) > 0) momentumRows[at + i] = 1 / slots;
    }
  }
  return { rows, held, ms: performance.now() - started };
}

/**
 * Steps where the tapes' targets differ from `signals` (each tape's targets as a row: its
 * entries, NaN elsewhere; held when it held), over all three strategies.
 */
export function differences(signals: RealSignals, tapes: readonly SignalTape[], m: number): number {
  let differ = 0;
  const row = new Float64Array(m);
  tapes.forEach((tape, k) => {
    const rows = signals.rows[k] as Float64Array;
    const held = signals.held[k] as Uint8Array;
    for (let t = 0; t < held.length; t++) {
      const from = tape.from(t);
      if ((from === -1) !== (held[t] === 1)) {
        differ++;
        continue;
      }
      if (from === -1) continue;
      row.fill(Number.NaN);
      for (let e = from; e < tape.to(t); e++)
        row[tape.dataIndex[tape.symbols[e] as number] as number] = tape.exposures[e] as number;
      for (let i = 0; i < m; i++) {
        if (!Object.is(row[i], rows[t * m + i])) {
          differ++;
          break;
        }
      }
    }
  });
  return differ;
}
