// The error of a bad price file: what is wrong and where (file, line, column).
import { taggedError } from '@njord/portfolio-contracts/core';

export const PRICE_DATA_ERROR_CODES = [
  'io',
  'empty',
  'bad_header',
  'unknown_column',
  'field_count',
  'invalid_number',
  'non_positive_price',
  'negative_volume',
  'missing_value',
  'invalid_timestamp',
  'invalid_symbol',
  'timestamp_backwards',
  'duplicate_bar',
  'no_rows',
  'not_text',
  'line_too_long',
  'not_a_file',
  'too_large',
] as const;
export type PriceDataErrorCode = (typeof PRICE_DATA_ERROR_CODES)[number];

/** `message` is `file:line:column: detail` (line and column 1-based; 0 when not about a place). */
export class PriceDataError extends taggedError('PriceDataError', PRICE_DATA_ERROR_CODES) {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What is wrong, without the position. */
  readonly detail: string;

  constructor(
    code: PriceDataErrorCode,
    file: string,
    line: number,
    column: number,
    detail: string,
  ) {
    super(code, line > 0 ? `${file}:${line}:${column}: ${detail}` : `${file}: ${detail}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

export function isPriceDataError(value: unknown): value is PriceDataError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _tag?: unknown })._tag === 'PriceDataError'
  );
}
