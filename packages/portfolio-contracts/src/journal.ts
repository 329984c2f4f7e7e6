// The NDJSON journal line format shared by the live manager and backtests.
export const JOURNAL_LINE_TYPES = [
  'fill',
  'mark',
  'funding',
  'plan',
  'published',
  'adjustment',
  'snapshot',
  'checkpoint',
  'config',
  'error',
] as const;
export type JournalLineType = (typeof JOURNAL_LINE_TYPES)[number];

/**
 * One journal line (no newline): `portfolio_id`, `seq`, `type` and `timestamp_ns` first,
 * then the body's keys. Bigints in the body are written as decimal strings.
 */
export function formatJournalLine(
  portfolioId: string,
  seq: number,
  type: JournalLineType,
  timestampNs: bigint,
  body: Readonly<Record<string, unknown>> = {},
): string {
  const rest = JSON.stringify(body, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  const tail = rest === '{}' ? '}' : `,${rest.slice(1)}`;
  return `{"portfolio_id":${JSON.stringify(portfolioId)},"seq":${seq},"type":"${type}","timestamp_ns":"${timestampNs.toString()}"${tail}`;
}
