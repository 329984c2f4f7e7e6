// Building blocks shared by every contract: ids, finite numbers, nanosecond timestamps.
import { z } from 'zod';
import { type Codec, plain } from './codec.js';
import { describeValue } from './issues.js';

import { ID_PATTERN } from './constants.js';

export { ID_PATTERN };

export const IdSchema = z.string().regex(ID_PATTERN, {
  error: (issue) =>
    `must match ${String(ID_PATTERN)} (letters, digits, _ . -; 1 to 64 characters), got ${describeValue(issue.input)}`,
});

export const id: Codec<string> = plain(IdSchema);
export const text: Codec<string> = plain(z.string());
export const bool: Codec<boolean> = plain(z.boolean());
/** zod 4 numbers are finite: NaN and Infinity are rejected. */
export const finite: Codec<number> = plain(z.number());
export const positive: Codec<number> = plain(z.number().gt(0));
export const nonNegative: Codec<number> = plain(z.number().gte(0));
export const nonNegativeInt: Codec<number> = plain(z.int().gte(0));
export const side: Codec<'buy' | 'sell'> = plain(z.enum(['buy', 'sell']));

const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * Nanoseconds since the Unix epoch: a decimal string on the wire (a JSON number is
 * accepted only when it is a safe integer), a bigint in TypeScript.
 */
export const timestampNs: Codec<bigint> = {
  schema: z.union([z.string(), z.number(), z.bigint()]).transform((value, ctx) => {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'string' && DECIMAL_INTEGER.test(value)) return BigInt(value);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    ctx.addIssue({
      code: 'custom',
      message: `must be an integer number of nanoseconds since the epoch as a decimal string, got ${describeValue(value)}`,
    });
    return z.NEVER;
  }),
  encode: (value) => value.toString(),
};

export function timestampFromDate(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}

export function timestampToIso(timestamp: bigint): string {
  return new Date(Number(timestamp / 1_000_000n)).toISOString();
}
