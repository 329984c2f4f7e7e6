// Number and date formatting for the report's static text (en-US grouping, UTC dates, em dash for none).
export const NONE = '\u2014';
const MINUS = '\u2212';

const formatters = new Map<string, Intl.NumberFormat>();
function numberFormat(
  minimumFractionDigits: number,
  maximumFractionDigits: number,
): Intl.NumberFormat {
  const key = `${minimumFractionDigits}:${maximumFractionDigits}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits, maximumFractionDigits });
    formatters.set(key, format);
  }
  return format;
}

function withMinus(text: string): string {
  return text.startsWith('-') ? `${MINUS}${text.slice(1)}` : text;
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * From here on a number is shown in scientific notation (in the report and in the runner's
 * printed summary): past 2^53 (about 9e15) a double no longer holds every integer, so grouped
 * digits would show a precision that is not there (and 1e300 would fill a table cell with 300
 * digits).
 */
export const SCIENTIFIC_FROM = 1e15;

/** 3e305 -> "3.00e+305", with a true minus sign. */
function scientific(value: number, fractionDigits: number): string {
  return withMinus(value.toExponential(fractionDigits));
}

/** 1234.5 -> "1,234.50"; 3e305 -> "3.00e+305" (from 1e15 on); null -> em dash. */
export function formatNumber(value: number | null | undefined, fractionDigits = 2): string {
  if (!isNumber(value)) return NONE;
  if (Math.abs(value) >= SCIENTIFIC_FROM) return scientific(value, fractionDigits);
  // Avoid "-0.00": a value that rounds to zero shows as zero.
  const text = numberFormat(fractionDigits, fractionDigits).format(value);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : withMinus(text);
}

/** Up to `maxFractionDigits` decimals, trailing zeros dropped: 0.35 -> "0.35", 3 -> "3". */
export function formatPlain(value: number | null | undefined, maxFractionDigits = 6): string {
  if (!isNumber(value)) return NONE;
  if (Math.abs(value) >= SCIENTIFIC_FROM)
    return scientific(value, Math.min(maxFractionDigits, 6)).replace(/\.?0+e/, 'e');
  const text = numberFormat(0, maxFractionDigits).format(value);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : withMinus(text);
}

/** A fraction as a percentage: 0.1234 -> "12.34%"; `signed` adds "+" to positive values. */
export function formatPercent(
  value: number | null | undefined,
  fractionDigits = 2,
  signed = false,
): string {
  if (!isNumber(value)) return NONE;
  const text = formatNumber(value * 100, fractionDigits);
  return `${signed && value > 0 && text !== formatNumber(0, fractionDigits) ? '+' : ''}${text}%`;
}

/** A time in UTC: "2005-03-04", or "2005-03-04 14:30 UTC" when `withTime`. */
export function formatTimestamp(timestampNs: bigint, withTime: boolean): string {
  const iso = new Date(Number(timestampNs / 1_000_000n)).toISOString();
  if (!withTime) return iso.slice(0, 10);
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds === '00' ? 16 : 19)} UTC`;
}

/** A span of time in the largest sensible unit: "19.2 years", "45 days", "3.5 hours". */
export function formatSpan(nanoseconds: bigint): string {
  const days = Number(nanoseconds / 1_000_000n) / 86_400_000;
  if (days >= 730) return `${formatNumber(days / 365.25, 1)} years`;
  if (days >= 2) return `${formatNumber(days, 0)} days`;
  return `${formatNumber(days * 24, 1)} hours`;
}
