// Parses --start/--end: UTC dates or date-times, inclusive; a date-only end means the whole day.
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;
const NS_PER_MS = 1_000_000n;
const NS_PER_DAY = 86_400_000_000_000n;

export class DateFlagError extends Error {
  readonly _tag = 'DateFlagError' as const;
  readonly code = 'invalid_date' as const;
}

/** Nanoseconds since the epoch of a UTC date or date-time; `endOfDay` widens a bare date to its last nanosecond. */
export function parseDateFlag(flag: string, value: string, endOfDay: boolean): bigint {
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const ms = Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
    const check = new Date(ms).toISOString().slice(0, 10);
    if (check !== value)
      throw new DateFlagError(`${flag}: ${JSON.stringify(value)} is not a calendar date`);
    const start = BigInt(ms) * NS_PER_MS;
    return endOfDay ? start + NS_PER_DAY - 1n : start;
  }
  if (DATE_TIME.test(value)) {
    const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(withZone);
    if (Number.isFinite(ms)) {
      const fraction = /\.(\d{1,9})/.exec(value)?.[1] ?? '';
      // Date keeps milliseconds; the digits past them are added back as nanoseconds.
      const extraNs = fraction.length > 3 ? BigInt(fraction.padEnd(9, '0').slice(3)) : 0n;
      return BigInt(ms) * NS_PER_MS + extraNs;
    }
  }
  throw new DateFlagError(
    `${flag}: expected a UTC date (2025-01-31) or date-time (2025-01-31T15:30:00Z), got ${JSON.stringify(value)}`,
  );
}
