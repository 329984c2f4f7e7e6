// Decoding entry points built from a codec: validate, convert, freeze, or explain.

import type { Codec } from './codec.js';
import { ContractError, type Result } from './errors.js';
import { deepFreeze } from './freeze.js';
import { toContractIssues } from './issues.js';

export function safeDecodeWith<T>(codec: Codec<T>, raw: unknown, root = ''): Result<T> {
  const parsed = codec.schema.safeParse(raw);
  if (!parsed.success) {
    return {
      success: false,
      error: new ContractError(toContractIssues(parsed.error.issues, raw, root)),
    };
  }
  return { success: true, data: deepFreeze(parsed.data) as T };
}

export function decodeWith<T>(codec: Codec<T>, raw: unknown, root = ''): T {
  const result = safeDecodeWith(codec, raw, root);
  if (!result.success) throw result.error;
  return result.data;
}
