// Parses --start/--end: UTC dates or date-times, inclusive; a date-only end means the whole day.
import { parseTimestamp } from '@njord/portfolio-backtest';

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const NS_PER_DAY = 86_400_000_000_000n;

export class DateFlagError extends Error {
  readonly _tag = 'DateFlagError' as const;
  readonly code = 'invalid_date' as const;
}

/**
 * Nanoseconds since the epoch of a flag's timestamp (the price CSV's rules: ISO date,
 * ISO date-time, or epoch ns); `endOfDay` widens a bare date to its last nanosecond.
 */
export function parseDateFlag(flag: string, value: string, endOfDay: boolean): bigint {
  const parsed = parseTimestamp(value);
  if (parsed.success) {
    return parsed.data.dateOnly && endOfDay ? parsed.data.ns + NS_PER_DAY - 1n : parsed.data.ns;
  }
  if (DATE_SHAPE.test(value)) {
    // Shaped as a date: what is wrong with it (a day the month lacks, a year past the
    // nanosecond range), without the list of accepted forms.
    const problem = parsed.error.replace(/ \(expected [^]*\)$/, '');
    throw new DateFlagError(`${flag}: ${problem}`);
  }
  throw new DateFlagError(
    `${flag}: expected a UTC date (2025-01-31) or date-time (2025-01-31T15:30:00Z), got ${JSON.stringify(value)}`,
  );
}
