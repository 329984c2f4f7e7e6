// Seeded synthetic OHLCV: geometric Brownian motion with calm/volatile and up/down regime switches.
import { ID_PATTERN } from '@njord/portfolio-contracts';
import { PRICE_CSV_HEADER } from './price-csv.js';
import { PriceData } from './price-data.js';
import { SeededRandom } from './random.js';

export interface SyntheticDataOptions {
  /** Symbol names, or how many to name `S01`, `S02`, ... (zero-padded to the count: S001..S200). */
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

/** Symbol names `S01`.. for a count, zero-padded to the count's digits (at least 2). */
export function syntheticSymbolNames(count: number): string[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, i) => `S${String(i + 1).padStart(width, '0')}`);
}

/**
 * The bar-by-bar core of the synthetic data: `next()` moves every symbol one bar and
 * leaves it in `open`, `high`, `low`, `close`, `volume` (one entry per symbol). One
 * regime chain (shared by all symbols) sets drift and volatility; each symbol's log
 * return mixes a market draw and its own draw (correlation 0.5), with a weak pull back
 * to the start price. Open is the previous close moved by a small gap, high/low extend
 * beyond max/min(open, close), volume is log-normal. Prices are rounded to 6
 * significant digits; high >= max(open, close), low <= min(open, close).
 */
export class SyntheticBarGenerator {
  readonly symbols: readonly string[];
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly #random: SeededRandom;
  readonly #dt: number;
  readonly #logPrice: Float64Array;
  readonly #anchor: number;
  readonly #volScale: Float64Array;
  readonly #baseVolume: Float64Array;
  readonly #previousClose: Float64Array;
  #volatile = false;
  #up = true;

  constructor(options: {
    readonly symbols: readonly string[] | number;
    readonly seed: number;
    readonly barsPerYear?: number;
    readonly startPrice?: number;
  }) {
    const symbols =
      typeof options.symbols === 'number'
        ? syntheticSymbolNames(options.symbols)
        : [...options.symbols];
    if (symbols.length === 0)
      throw new Error('generateSyntheticData: at least one symbol is needed');
    for (const symbol of symbols) {
      if (!ID_PATTERN.test(symbol))
        throw new Error(`generateSyntheticData: invalid symbol ${JSON.stringify(symbol)}`);
    }
    this.symbols = symbols;
    const count = symbols.length;
    this.open = new Float64Array(count);
    this.high = new Float64Array(count);
    this.low = new Float64Array(count);
    this.close = new Float64Array(count);
    this.volume = new Float64Array(count);
    this.#dt = 1 / (options.barsPerYear ?? 252);
    const startPrice = options.startPrice ?? 100;
    this.#random = new SeededRandom(options.seed);
    this.#logPrice = new Float64Array(count);
    this.#anchor = Math.log(startPrice);
    // Each symbol has its own scale of volatility (0.8x .. 1.2x) and a base volume.
    this.#volScale = new Float64Array(count);
    this.#baseVolume = new Float64Array(count);
    for (let s = 0; s < count; s++) {
      this.#logPrice[s] = this.#anchor;
      this.#volScale[s] = 0.8 + 0.4 * this.#random.next();
      this.#baseVolume[s] = 1e5 * (1 + 9 * this.#random.next());
    }
    this.#previousClose = new Float64Array(count).fill(roundPrice(startPrice));
  }

  next(): void {
    const random = this.#random;
    const dt = this.#dt;
    const sqrtDt = Math.sqrt(dt);
    const idiosyncratic = Math.sqrt(1 - MARKET_CORRELATION);
    const systematic = Math.sqrt(MARKET_CORRELATION);
    const logPrice = this.#logPrice;
    const anchor = this.#anchor;
    const previousClose = this.#previousClose;
    if (this.#volatile ? random.next() < TO_CALM : random.next() < TO_VOLATILE)
      this.#volatile = !this.#volatile;
    if (random.next() < FLIP_TREND) this.#up = !this.#up;
    const volatile = this.#volatile;
    const regime = SYNTHETIC_REGIMES[
      (volatile ? 2 : 0) + (this.#up ? 0 : 1)
    ] as (typeof SYNTHETIC_REGIMES)[number];
    const market = random.nextNormal();
    for (let s = 0; s < this.symbols.length; s++) {
      const sigma = regime.volatility * (this.#volScale[s] as number);
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
      this.open[s] = o;
      this.close[s] = c;
      this.high[s] = Math.max(h, o, c);
      this.low[s] = Math.min(l, o, c);
      this.volume[s] = Math.round(
        (this.#baseVolume[s] as number) *
          Math.exp(0.5 * random.nextNormal() + (volatile ? 0.5 : 0)),
      );
      previousClose[s] = c;
    }
  }
}

/** Deterministic synthetic bars (see SyntheticBarGenerator), every symbol at every step. */
export function generateSyntheticData(options: SyntheticDataOptions): PriceData {
  const bars = options.bars;
  if (!Number.isInteger(bars) || bars < 0)
    throw new Error(`generateSyntheticData: bars must be an integer >= 0, got ${bars}`);
  const generator = new SyntheticBarGenerator(options);
  const symbols = generator.symbols;
  const startNs = options.startNs ?? DEFAULT_START_NS;
  const stepNs = options.stepNs ?? DAY_NS;
  if (stepNs <= 0n) throw new Error('generateSyntheticData: stepNs must be > 0');
  if (bars > 0 && startNs + BigInt(bars - 1) * stepNs > INT64_MAX) {
    throw new Error(
      `generateSyntheticData: ${bars} bars of ${stepNs} ns from ${startNs} pass the year 2262 (64-bit nanoseconds): use a smaller stepNs or an earlier startNs`,
    );
  }
  const timestamps = new BigInt64Array(bars);
  for (let t = 0; t < bars; t++) timestamps[t] = startNs + BigInt(t) * stepNs;
  const columns = (): Float64Array[] => symbols.map(() => new Float64Array(bars));
  const open = columns();
  const high = columns();
  const low = columns();
  const close = columns();
  const volume = columns();
  for (let t = 0; t < bars; t++) {
    generator.next();
    for (let s = 0; s < symbols.length; s++) {
      (open[s] as Float64Array)[t] = generator.open[s] as number;
      (high[s] as Float64Array)[t] = generator.high[s] as number;
      (low[s] as Float64Array)[t] = generator.low[s] as number;
      (close[s] as Float64Array)[t] = generator.close[s] as number;
      (volume[s] as Float64Array)[t] = generator.volume[s] as number;
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

export const SYNTHETIC_INTERVALS = ['1d', '1h', '5m', '1m'] as const;
export type SyntheticInterval = (typeof SYNTHETIC_INTERVALS)[number];
export const SYNTHETIC_CALENDARS = ['business', 'all'] as const;
export type SyntheticCalendar = (typeof SYNTHETIC_CALENDARS)[number];

const INTERVAL_SECONDS: Readonly<Record<SyntheticInterval, number>> = {
  '1d': 86_400,
  '1h': 3_600,
  '5m': 300,
  '1m': 60,
};
/** The last second of 2261, the last year a price file holds (64-bit nanoseconds end in 2262). */
const MAX_SECONDS = Date.UTC(2262, 0, 1) / 1000 - 1;
/** Where a request that would pass 2261 from 2000-01-03 starts when no start is given. */
const FALLBACK_START_SEC = Date.UTC(1700, 0, 1) / 1000;

/**
 * Bar times on a calendar: `all` = every interval, day and night, every day; `business` =
 * the same but only Monday to Friday (a start on a weekend moves to the Monday). Times in
 * whole seconds since the epoch.
 */
export class SyntheticCalendarClock {
  readonly #startSec: number;
  readonly #interval: number;
  readonly #barsPerDay: number;
  readonly #business: boolean;
  /** Weekday of the (business) start day, 0 = Monday. */
  readonly #weekday: number;

  constructor(startSec: number, interval: SyntheticInterval, calendar: SyntheticCalendar) {
    this.#interval = INTERVAL_SECONDS[interval];
    this.#barsPerDay = 86_400 / this.#interval;
    this.#business = calendar === 'business';
    let start = startSec;
    // 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
    const weekdayOf = (sec: number): number => (((Math.floor(sec / 86_400) + 3) % 7) + 7) % 7;
    if (this.#business) {
      const dayStart = Math.floor(start / 86_400) * 86_400;
      const weekday = weekdayOf(start);
      if (weekday >= 5) start = dayStart + (7 - weekday) * 86_400;
    }
    this.#startSec = start;
    this.#weekday = weekdayOf(start);
  }

  /** Seconds since the epoch of bar `k` (0-based). */
  secondsAt(k: number): number {
    if (!this.#business) return this.#startSec + k * this.#interval;
    const day = Math.floor(k / this.#barsPerDay);
    const slot = k - day * this.#barsPerDay;
    const shifted = day + this.#weekday;
    const calendarDays = Math.floor(shifted / 5) * 7 + (shifted % 5) - this.#weekday;
    return this.#startSec + calendarDays * 86_400 + slot * this.#interval;
  }

  /** Bars in a year on this calendar (for drift and volatility per bar). */
  get barsPerYear(): number {
    return (this.#business ? 252 : 365) * this.#barsPerDay;
  }
}

export interface SyntheticCsvOptions {
  readonly symbols: number;
  readonly bars: number;
  readonly seed: number;
  /** First bar, seconds since the epoch (default 2000-01-03, a Monday). */
  readonly startSec?: number;
  readonly interval?: SyntheticInterval;
  /** Default `business` for daily bars, `all` for intraday. */
  readonly calendar?: SyntheticCalendar;
}

export type SyntheticCsvPlan =
  | {
      readonly success: true;
      readonly interval: SyntheticInterval;
      readonly calendar: SyntheticCalendar;
      /** The first bar (a start on a weekend moves to the Monday on the business calendar). */
      readonly firstSec: number;
      readonly lastSec: number;
      readonly rows: number;
      /** Bars per year for drift and volatility (the calendar's, but see `note`). */
      readonly barsPerYear: number;
      /** Set when the plan departs from what was asked for by default (printed to the user). */
      readonly note?: string;
    }
  | { readonly success: false; readonly error: string };

function isoOf(sec: number, daily: boolean): string {
  const iso = new Date(sec * 1000).toISOString();
  return daily ? iso.slice(0, 10) : `${iso.slice(0, 19)}Z`;
}

/**
 * Resolves a request: interval, calendar and first bar. Without `startSec` the bars start
 * on 2000-01-03, or on 1700-01-01 when from 2000 they would pass 2261 (the last year
 * 64-bit nanosecond timestamps hold). A request that still does not fit fails with a
 * message saying what to change.
 */
export function planSyntheticCsv(options: SyntheticCsvOptions): SyntheticCsvPlan {
  const interval = options.interval ?? '1d';
  const calendar = options.calendar ?? (interval === '1d' ? 'business' : 'all');
  if (!Number.isSafeInteger(options.bars) || options.bars < 1)
    return { success: false, error: `bars must be an integer >= 1, got ${options.bars}` };
  if (!Number.isSafeInteger(options.symbols) || options.symbols < 1)
    return { success: false, error: `symbols must be an integer >= 1, got ${options.symbols}` };
  const lastOf = (
    startSec: number,
    on: SyntheticCalendar = calendar,
  ): { firstSec: number; lastSec: number } => {
    const clock = new SyntheticCalendarClock(startSec, interval, on);
    return { firstSec: clock.secondsAt(0), lastSec: clock.secondsAt(options.bars - 1) };
  };
  let span = lastOf(options.startSec ?? Number(DEFAULT_START_NS / 1_000_000_000n));
  if (options.startSec === undefined && span.lastSec > MAX_SECONDS)
    span = lastOf(FALLBACK_START_SEC);
  if (
    span.lastSec > MAX_SECONDS &&
    options.calendar === undefined &&
    interval === '1d' &&
    options.startSec !== undefined
  ) {
    // Daily bars from a given start without a calendar were, before calendars, one a day on
    // every day with 252 a year's drift and volatility; a request that fits only that way
    // (the engine benchmarks' workload W) still gets exactly those bars.
    const everyDay = lastOf(options.startSec, 'all');
    if (everyDay.lastSec <= MAX_SECONDS)
      return {
        success: true,
        interval,
        calendar: 'all',
        ...everyDay,
        rows: options.bars * options.symbols,
        barsPerYear: 252,
        note:
          `${options.bars} business days from ${isoOf(span.firstSec, true)} would pass 2261: bars on ` +
          'every day instead, with 252 a year for drift and volatility (as before calendars); ' +
          'pass --calendar to choose',
      };
  }
  if (span.lastSec > MAX_SECONDS) {
    const year = new Date(Math.min(span.lastSec, 8.64e12) * 1000).getUTCFullYear();
    return {
      success: false,
      error:
        `${options.bars} bars of ${interval} on the ${calendar} calendar from ${isoOf(span.firstSec, interval === '1d')} ` +
        `would end in the year ${span.lastSec > 8.64e12 ? 'beyond 275000' : String(year)}, past 2261 (the last year 64-bit nanosecond timestamps hold): ` +
        'use fewer --bars, a shorter --interval or an earlier --start (from 1678)',
    };
  }
  return {
    success: true,
    interval,
    calendar,
    firstSec: span.firstSec,
    lastSec: span.lastSec,
    rows: options.bars * options.symbols,
    barsPerYear: new SyntheticCalendarClock(span.firstSec, interval, calendar).barsPerYear,
  };
}

/**
 * The synthetic data as price CSV text, in chunks of about `chunkChars` characters (the
 * whole file is never one string): the header, then rows by time then symbol. Daily
 * bars carry ISO dates, intraday bars ISO date-times. Throws on a request past 2262
 * (see planSyntheticCsv).
 */
export function* syntheticPriceCsv(
  options: SyntheticCsvOptions,
  chunkChars = 1 << 20,
): Generator<string, void, undefined> {
  const plan = planSyntheticCsv(options);
  if (!plan.success) throw new Error(plan.error);
  const daily = plan.interval === '1d';
  const clock = new SyntheticCalendarClock(plan.firstSec, plan.interval, plan.calendar);
  const generator = new SyntheticBarGenerator({
    symbols: options.symbols,
    seed: options.seed,
    barsPerYear: plan.barsPerYear,
  });
  const symbols = generator.symbols;
  let chunk = `${PRICE_CSV_HEADER}\n`;
  for (let t = 0; t < options.bars; t++) {
    generator.next();
    const stamp = isoOf(clock.secondsAt(t), daily);
    for (let s = 0; s < symbols.length; s++) {
      chunk += `${stamp},${symbols[s] as string},${String(generator.open[s])},${String(generator.high[s])},${String(generator.low[s])},${String(generator.close[s])},${String(generator.volume[s])}\n`;
    }
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
