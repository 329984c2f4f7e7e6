// Number and time formatting of the report's browser script, built on the same rules as the
// static text (../format.ts): en-US grouping, a real minus sign, an em dash for no value.
import { formatNumber, formatPercent, formatPlain, NONE } from '../format.js';

export { NONE as DASH };
export const MINUS = '\u2212';

type Maybe = number | null | undefined;

/** Exactly `digits` decimals: 1234.5 -> "1,234.50". */
export function fmt(value: Maybe, digits: number): string {
  return formatNumber(value, digits);
}

/** Up to `digits` decimals, trailing zeros dropped. */
export function fmtUpTo(value: Maybe, digits: number): string {
  return formatPlain(value, digits);
}

export function fmtPercent(value: Maybe, digits: number): string {
  return formatPercent(value, digits);
}

/** Fixed decimals so a column of quantities lines up; more only for tiny ones. */
export function fmtQuantity(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.001) return fmtUpTo(value, 8);
  return fmt(value, 4);
}

export function fmtPrice(value: Maybe): string {
  if (value === null || value === undefined) return NONE;
  return Math.abs(value) >= 1 ? fmt(value, 2) : fmtUpTo(value, 6);
}

/** Axis labels: 1.2B, 3.4M, 56.7k, 890. */
export function fmtCompact(value: Maybe): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${formatPlain(value / 1e9, 2)}B`;
  if (abs >= 1e6) return `${formatPlain(value / 1e6, 2)}M`;
  if (abs >= 1e4) return `${formatPlain(value / 1e3, 1)}k`;
  return formatPlain(value, 2);
}

/** Seconds since the epoch as a UTC date, with the time of day when the run is intraday. */
export function fmtTime(seconds: Maybe, intraday: boolean): string {
  if (seconds === null || seconds === undefined) return NONE;
  const iso = new Date(Math.round(seconds * 1000)).toISOString();
  if (!intraday) return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, iso.slice(17, 19) === '00' ? 16 : 19)}`;
}
