// Timestamp text -> (seconds, nanoseconds): ISO dates and date-times (UTC or offset) and epoch ns.
import type { Result } from '@njord/portfolio-contracts';

/** Where a scan leaves its answer (reused, so the CSV hot loop does not allocate). */
export interface ScannedTime {
  /** Whole seconds since the epoch (floor). */
  sec: number;
  /** 0 .. 999,999,999 */
  nanos: number;
  /** The text was a date without a time. */
  dateOnly: boolean;
}

// Years whose instants all fit a signed 64-bit count of nanoseconds (1677-09-21 .. 2262-04-11).
const MIN_YEAR = 1678;
const MAX_YEAR = 2261;
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';

export const TIMESTAMP_EXPECTED =
  'an ISO-8601 date (2024-01-31), date-time (2024-01-31T14:30:00Z, an offset, or none = UTC) or integer epoch nanoseconds';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digitsAt(s: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Scans `s[start, end)` into `out`. Returns null when it is valid, else what is wrong
 * (a short reason). Accepts `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` (T or a
 * space; fraction up to 9 digits) followed by `Z`, `±HH:MM`, `±HHMM`, `±HH` or nothing
 * (UTC), and an optionally signed integer of nanoseconds since the epoch.
 */
export function scanTimestamp(
  s: string,
  start: number,
  end: number,
  out: ScannedTime,
): string | null {
  const length = end - start;
  if (length <= 0) return 'is empty';
  const c4 = length > 4 ? s.charCodeAt(start + 4) : 0;
  if (c4 !== 45 /* - */) return scanEpochNanos(s, start, end, out);
  if (length < 10) return 'is not a valid date';
  const year = digitsAt(s, start, 4);
  const month = digitsAt(s, start + 5, 2);
  const day = digitsAt(s, start + 8, 2);
  if (year < 0 || month < 0 || day < 0 || s.charCodeAt(start + 7) !== 45)
    return 'is not a valid date';
  if (month < 1 || month > 12) return `has month ${month} (must be 1..12)`;
  const monthDays = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > monthDays)
    return `has day ${day} (month ${month} of ${year} has ${monthDays})`;
  if (year < MIN_YEAR || year > MAX_YEAR) return `is out of range (years ${MIN_YEAR}..${MAX_YEAR})`;
  let sec = daysFromCivil(year, month, day) * 86400;
  let nanos = 0;
  if (length === 10) {
    out.sec = sec;
    out.nanos = 0;
    out.dateOnly = true;
    return null;
  }
  const sep = s.charCodeAt(start + 10);
  if ((sep !== 84 /* T */ && sep !== 32) || length < 16) return 'is not a valid date-time';
  const hour = digitsAt(s, start + 11, 2);
  const minute = digitsAt(s, start + 14, 2);
  if (hour < 0 || minute < 0 || s.charCodeAt(start + 13) !== 58) return 'is not a valid date-time';
  if (hour > 23 || minute > 59) return 'has a time out of range';
  sec += hour * 3600 + minute * 60;
  let i = start + 16;
  if (i < end && s.charCodeAt(i) === 58) {
    if (i + 3 > end) return 'is not a valid date-time';
    const second = digitsAt(s, i + 1, 2);
    if (second < 0) return 'is not a valid date-time';
    if (second > 59) return 'has a time out of range';
    sec += second;
    i += 3;
    if (i < end && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
      i++;
      let digits = 0;
      while (i < end) {
        const d = s.charCodeAt(i) - 48;
        if (!(d >= 0 && d <= 9)) break;
        if (digits === 9) return 'has more than 9 fraction digits';
        nanos = nanos * 10 + d;
        digits++;
        i++;
      }
      if (digits === 0) return 'is not a valid date-time';
      for (let k = digits; k < 9; k++) nanos *= 10;
    }
  }
  if (i < end) {
    const z = s.charCodeAt(i);
    if (z === 90 /* Z */ && i + 1 === end) {
      i++;
    } else if (z === 43 || z === 45) {
      const sign = z === 43 ? 1 : -1;
      if (i + 3 > end) return 'has an invalid UTC offset';
      const oh = digitsAt(s, i + 1, 2);
      let om = 0;
      let next = i + 3;
      if (next < end && s.charCodeAt(next) === 58) next++;
      if (next < end) {
        if (next + 2 > end) return 'has an invalid UTC offset';
        om = digitsAt(s, next, 2);
        next += 2;
      }
      if (oh < 0 || om < 0 || next !== end || oh > 23 || om > 59)
        return 'has an invalid UTC offset';
      sec -= sign * (oh * 3600 + om * 60);
      i = end;
    } else {
      return 'is not a valid date-time';
    }
  }
  out.sec = sec;
  out.nanos = nanos;
  out.dateOnly = false;
  return null;
}

function scanEpochNanos(s: string, start: number, end: number, out: ScannedTime): string | null {
  let i = start;
  const negative = s.charCodeAt(i) === 45;
  if (negative || s.charCodeAt(i) === 43) i++;
  const digitCount = end - i;
  if (digitCount === 0) return 'is not a valid timestamp';
  for (let k = i; k < end; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return 'is not a valid timestamp';
  }
  while (i < end - 1 && s.charCodeAt(i) === 48) i++;
  const significant = end - i;
  if (significant > 19) return 'is out of the range of 64-bit epoch nanoseconds';
  if (significant === 19) {
    const limit = negative ? INT64_MIN_ABS : INT64_MAX;
    if (s.slice(i, end) > limit) return 'is out of the range of 64-bit epoch nanoseconds';
  }
  const split = Math.max(i, end - 9);
  const whole = split > i ? digitsAt(s, i, split - i) : 0;
  const fraction = digitsAt(s, split, end - split);
  if (negative && (whole !== 0 || fraction !== 0)) {
    out.sec = fraction === 0 ? -whole : -whole - 1;
    out.nanos = fraction === 0 ? 0 : 1_000_000_000 - fraction;
  } else {
    out.sec = whole;
    out.nanos = fraction;
  }
  out.dateOnly = false;
  return null;
}

/** Nanoseconds since the epoch of a scanned time. */
export function scannedToNs(sec: number, nanos: number): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(nanos);
}

/** ISO-8601 text of (seconds, nanoseconds) with all 9 fraction digits trimmed to what is set. */
export function formatSecNanos(sec: number, nanos: number): string {
  const base = new Date(sec * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const fraction = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}.${fraction}Z`;
}

/** ISO-8601 text (UTC) of a nanosecond timestamp, keeping sub-millisecond digits. */
export function formatTimestampNs(timestampNs: bigint): string {
  let sec = timestampNs / 1_000_000_000n;
  let nanos = timestampNs % 1_000_000_000n;
  if (nanos < 0n) {
    sec -= 1n;
    nanos += 1_000_000_000n;
  }
  return formatSecNanos(Number(sec), Number(nanos));
}

/**
 * Parses a timestamp written as the price CSV allows (ISO date, ISO date-time or
 * epoch ns). `dateOnly` tells a date without a time (a date-only `--end` means the
 * whole day).
 */
export function parseTimestamp(
  text: string,
): Result<{ readonly ns: bigint; readonly dateOnly: boolean }, string> {
  const out: ScannedTime = { sec: 0, nanos: 0, dateOnly: false };
  const problem = scanTimestamp(text, 0, text.length, out);
  if (problem !== null) {
    return {
      success: false,
      error: `${JSON.stringify(text)} ${problem} (expected ${TIMESTAMP_EXPECTED})`,
    };
  }
  return { success: true, data: { ns: scannedToNs(out.sec, out.nanos), dateOnly: out.dateOnly } };
}
