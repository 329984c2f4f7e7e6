// Seeded synthetic OHLCV: geometric Brownian motion with calm/volatile and up/down regime switches.
import { ID_PATTERN } from '@njord/portfolio-contracts';
import { PriceData } from './price-data.js';
import { SeededRandom } from './random.js';

export interface SyntheticDataOptions {
  /** Symbol names, or how many to name `S01`, `S02`, ... */
  readonly symbols: readonly string[] | number;
  /** Steps (every symbol has a bar at every step). */
  readonly bars: number;
  readonly seed: number;
  /** First timestamp (default 2000-01-03T00:00:00Z). */
  readonly startNs?: bigint;
  /** Spacing of the bars (default one day). */
  readonly stepNs?: bigint;
  /** Bars per year for the drift and volatility figures (default 252). */
  readonly barsPerYear?: number;
  /** First price of every symbol (default 100). */
  readonly startPrice?: number;
}

/** Annualized drift and volatility of the four market regimes. */
export const SYNTHETIC_REGIMES = [
  { name: 'calm_up', drift: 0.15, volatility: 0.12 },
  { name: 'calm_down', drift: -0.1, volatility: 0.15 },
  { name: 'volatile_up', drift: 0.25, volatility: 0.35 },
  { name: 'volatile_down', drift: -0.4, volatility: 0.45 },
] as const;

// Per-bar switch probabilities: the calm/volatile state lasts ~250 / ~60 bars, the trend ~150 bars.
const TO_VOLATILE = 1 / 250;
const TO_CALM = 1 / 60;
const FLIP_TREND = 1 / 150;
/** Share of a symbol's variance that comes from the common market factor. */
const MARKET_CORRELATION = 0.5;
/** Pull of the log price back toward the start price (per year): keeps 100,000 bars finite. */
const MEAN_REVERSION = 0.05;
const DEFAULT_START_NS = 946_857_600_000_000_000n; // 2000-01-03
const DAY_NS = 86_400_000_000_000n;
const INT64_MAX = 9_223_372_036_854_775_807n;

/** Rounds to 6 significant digits (a tick grid relative to the price, never 0). */
function roundPrice(value: number): number {
  const scale = 10 ** (5 - Math.floor(Math.log10(value)));
  return Math.round(value * scale) / scale;
}

/**
 * Deterministic synthetic bars. One regime chain (shared by all symbols) sets drift and
 * volatility; each symbol's log return mixes a market draw and its own draw (correlation
 * 0.5), with a weak pull back to the start price. Open is the previous close moved by a
 * small gap, high/low extend beyond max/min(open, close), volume is log-normal.
 * Prices are rounded to 6 significant digits; high >= max(open, close), low <= min(open, close).
 */
export function generateSyntheticData(options: SyntheticDataOptions): PriceData {
  const symbols =
    typeof options.symbols === 'number'
      ? Array.from({ length: options.symbols }, (_, i) => `S${String(i + 1).padStart(2, '0')}`)
      : [...options.symbols];
  const bars = options.bars;
  if (!Number.isInteger(bars) || bars < 0)
    throw new Error(`generateSyntheticData: bars must be an integer >= 0, got ${bars}`);
  if (symbols.length === 0) throw new Error('generateSyntheticData: at least one symbol is needed');
  for (const symbol of symbols) {
    if (!ID_PATTERN.test(symbol))
      throw new Error(`generateSyntheticData: invalid symbol ${JSON.stringify(symbol)}`);
  }
  const startNs = options.startNs ?? DEFAULT_START_NS;
  const stepNs = options.stepNs ?? DAY_NS;
  if (stepNs <= 0n) throw new Error('generateSyntheticData: stepNs must be > 0');
  if (bars > 0 && startNs + BigInt(bars - 1) * stepNs > INT64_MAX) {
    throw new Error(
      `generateSyntheticData: ${bars} bars of ${stepNs} ns from ${startNs} pass the year 2262 (64-bit nanoseconds): use a smaller stepNs or an earlier startNs`,
    );
  }
  const dt = 1 / (options.barsPerYear ?? 252);
  const startPrice = options.startPrice ?? 100;
  const random = new SeededRandom(options.seed);
  const count = symbols.length;

  const timestamps = new BigInt64Array(bars);
  for (let t = 0; t < bars; t++) timestamps[t] = startNs + BigInt(t) * stepNs;
  const open = symbols.map(() => new Float64Array(bars));
  const high = symbols.map(() => new Float64Array(bars));
  const low = symbols.map(() => new Float64Array(bars));
  const close = symbols.map(() => new Float64Array(bars));
  const volume = symbols.map(() => new Float64Array(bars));
  const logPrice = new Float64Array(count);
  const anchor = Math.log(startPrice);
  // Each symbol has its own scale of volatility (0.8x .. 1.2x) and a base volume.
  const volScale = new Float64Array(count);
  const baseVolume = new Float64Array(count);
  for (let s = 0; s < count; s++) {
    logPrice[s] = anchor;
    volScale[s] = 0.8 + 0.4 * random.next();
    baseVolume[s] = 1e5 * (1 + 9 * random.next());
  }
  let volatile = false;
  let up = true;
  const sqrtDt = Math.sqrt(dt);
  const idiosyncratic = Math.sqrt(1 - MARKET_CORRELATION);
  const systematic = Math.sqrt(MARKET_CORRELATION);
  const previousClose = new Float64Array(count).fill(roundPrice(startPrice));

  for (let t = 0; t < bars; t++) {
    if (volatile ? random.next() < TO_CALM : random.next() < TO_VOLATILE) volatile = !volatile;
    if (random.next() < FLIP_TREND) up = !up;
    const regime = SYNTHETIC_REGIMES[
      (volatile ? 2 : 0) + (up ? 0 : 1)
    ] as (typeof SYNTHETIC_REGIMES)[number];
    const market = random.nextNormal();
    for (let s = 0; s < count; s++) {
      const sigma = regime.volatility * (volScale[s] as number);
      const shock = systematic * market + idiosyncratic * random.nextNormal();
      const pull = -MEAN_REVERSION * ((logPrice[s] as number) - anchor);
      const logReturn = (regime.drift + pull - 0.5 * sigma * sigma) * dt + sigma * sqrtDt * shock;
      logPrice[s] = (logPrice[s] as number) + logReturn;
      const c = roundPrice(Math.exp(logPrice[s] as number));
      const o = roundPrice(
        (previousClose[s] as number) * Math.exp(0.1 * sigma * sqrtDt * random.nextNormal()),
      );
      const reach = sigma * sqrtDt * 0.5;
      const h = roundPrice(Math.max(o, c) * Math.exp(reach * Math.abs(random.nextNormal())));
      const l = roundPrice(Math.min(o, c) * Math.exp(-reach * Math.abs(random.nextNormal())));
      (open[s] as Float64Array)[t] = o;
      (close[s] as Float64Array)[t] = c;
      (high[s] as Float64Array)[t] = Math.max(h, o, c);
      (low[s] as Float64Array)[t] = Math.min(l, o, c);
      (volume[s] as Float64Array)[t] = Math.round(
        (baseVolume[s] as number) * Math.exp(0.5 * random.nextNormal() + (volatile ? 0.5 : 0)),
      );
      previousClose[s] = c;
    }
  }
  return new PriceData({
    symbols,
    timestamps,
    open,
    high,
    low,
    close,
    volume,
    source: `synthetic(seed=${options.seed})`,
  });
}
