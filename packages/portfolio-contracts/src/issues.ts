// Turns zod issues into ContractIssues: wire paths and messages in the house format.
import type { z } from 'zod';
import type { ContractIssue } from './errors.js';

export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** `String(n)` for numbers, JSON for strings, a word for the rest. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  return 'an object';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

const EXPECTED_NAMES: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  bigint: 'an integer',
};

function messageFor(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return 'is required';
      if (typeof value === 'number' && !Number.isFinite(value) && issue.expected === 'number') {
        return `must be a finite number, got ${String(value)}`;
      }
      const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected;
      return `must be ${expected}, got ${typeName(value)} ${describeValue(value)}`;
    }
    case 'too_small': {
      if (issue.origin === 'number' || issue.origin === 'bigint') {
        const op = issue.inclusive === false ? '>' : '>=';
        return `must be ${op} ${String(issue.minimum)}, got ${describeValue(value)}`;
      }
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
      return `must have at least ${String(issue.minimum)} character(s)`;
    }
    case 'too_big': {
      if (issue.origin === 'number' || issue.origin === 'bigint') {
        const op = issue.inclusive === false ? '<' : '<=';
        return `must be ${op} ${String(issue.maximum)}, got ${describeValue(value)}`;
      }
      if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} item(s)`;
      return `must have at most ${String(issue.maximum)} character(s)`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${describeValue(value)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, got ${describeValue(value)}`;
    default:
      return issue.message;
  }
}

export function toContractIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  root = '',
): ContractIssue[] {
  const out: ContractIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...issue.path, key], root), message: issue.message });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest: the one with the deepest first issue.
      const best = [...issue.errors].sort(
        (a, b) =>
          Math.max(...b.map((i) => i.path.length)) - Math.max(...a.map((i) => i.path.length)),
      )[0];
      if (best && best.length > 0) {
        out.push(
          ...toContractIssues(
            best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })),
            raw,
            root,
          ),
        );
        continue;
      }
    }
    const value = valueAt(raw, issue.path);
    out.push({ path: formatPath(issue.path, root), message: messageFor(issue, value) });
  }
  return out;
}
