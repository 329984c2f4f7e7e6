// Decimal text -> number without a substring: a correctly rounded fast path, Number() otherwise.

// 10^0 .. 10^22 are exact doubles.
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses `s[start, end)` as a decimal number (`12`, `-0.5`, `.5`, `1e-3`); NaN when it is
 * not one (empty, spaces, `0x10`, `Infinity`, an overflow to Infinity). The result equals
 * `Number(text)` exactly: with at most 15 significant digits and 22 fraction digits the
 * integer mantissa and the power of ten are exact doubles, so one IEEE division rounds
 * correctly (Clinger's fast path); anything else goes through `Number`.
 */
export function scanNumber(s: string, start: number, end: number): number {
  // The common case first, with the fewest branches: digits, an optional dot and digits, at
  // most 15 digits in all (the mantissa is then exact, whatever its leading zeros).
  let i = start;
  const first = s.charCodeAt(i);
  if (first === 45 || first === 43) i++;
  let mantissa = 0;
  const digitsFrom = i;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
  }
  const integerDigits = i - digitsFrom;
  let fractionDigits = 0;
  if (i < end && s.charCodeAt(i) === 46) {
    const fractionFrom = ++i;
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
    }
    fractionDigits = i - fractionFrom;
  }
  const digits = integerDigits + fractionDigits;
  if (i !== end || digits === 0 || digits > 15) return scanAny(s, start, end);
  const value =
    fractionDigits === 0 ? mantissa : mantissa / (POWERS_OF_TEN[fractionDigits] as number);
  return first === 45 ? -value : value;
}

/** `scanNumber` for any text: significant digits counted, exponents by `Number`. */
function scanAny(s: string, start: number, end: number): number {
  let i = start;
  let negative = false;
  const first = s.charCodeAt(i);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let fractionDigits = 0;
  let sawDot = false;
  let sawDigit = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      sawDigit = true;
      if (sawDot) fractionDigits++;
      if (mantissa !== 0 || d !== 0) {
        mantissa = mantissa * 10 + d;
        significant++;
      }
    } else if (c === 46 && !sawDot) {
      sawDot = true;
    } else {
      return scanSlow(s, start, end);
    }
  }
  if (!sawDigit) return Number.NaN;
  if (significant > 15 || fractionDigits > 22) return scanSlow(s, start, end);
  const value =
    fractionDigits === 0 ? mantissa : mantissa / (POWERS_OF_TEN[fractionDigits] as number);
  return negative ? -value : value;
}

function scanSlow(s: string, start: number, end: number): number {
  const text = s.slice(start, end);
  if (!DECIMAL.test(text)) return Number.NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** True for decimal text (`1e309` included: a decimal that `scanNumber` turns to NaN by overflow). */
export function isDecimalText(text: string): boolean {
  return DECIMAL.test(text);
}
