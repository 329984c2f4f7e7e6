// Canonical JSON and the hashes that name combinations and cached runs.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new RangeError(`canonicalJson: ${value} has no JSON form`);
    }
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A combination's id: the first 12 hex digits of the sha256 of its parameters (path order kept). */
export function combinationId(params: ReadonlyMap<string, unknown>): string {
  return sha256Hex(canonicalJson([...params.entries()])).slice(0, 12);
}

export interface RunKey {
  /** The portfolio's wire form (`encodePortfolioConfig(config).portfolio`). */
  readonly portfolio: Readonly<Record<string, unknown>>;
  readonly dataSha256: string;
  readonly engineVersion: string;
  /** First and last timestamps traded (ns), inclusive; undefined = the data's ends. */
  readonly start?: bigint;
  readonly end?: bigint;
}

/**
 * The key of a stored result: sha256 of (portfolio wire form, data sha256, engine version)
 * and the traded range, which walk-forward segments vary.
 */
export function runHash(key: RunKey): string {
  return sha256Hex(
    canonicalJson({
      portfolio: key.portfolio,
      data_sha256: key.dataSha256,
      engine_version: key.engineVersion,
      start: key.start === undefined ? null : key.start.toString(),
      end: key.end === undefined ? null : key.end.toString(),
    }),
  );
}
