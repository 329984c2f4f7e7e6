// Strategy params as zod schemas: the shared pieces (weights, error wording) and zod issues -> ContractIssues.
import { type ContractIssue, formatPath } from '@njord/portfolio-contracts';
import { z } from 'zod';

/** What a strategy kind's `params` is. Every zod schema will do; a strict object names every allowed key. */
export type StrategyParamsSchema<Params = unknown> = z.ZodType<Params, unknown>;

/** A value as error messages show it: numbers as `String(n)`, strings quoted with their type. */
export function describeParamValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `string ${JSON.stringify(text)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Map || (typeof value === 'object' && !Array.isArray(value))) {
    return 'an object';
  }
  return 'a list';
}

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a finite number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  array: 'a list',
};

/**
 * The wording of every param issue a schema does not word itself (a schema's own `error`
 * wins): what is allowed, then what was given. Used for the built-in kinds and for user
 * schemas alike, so `z.int().min(2)` reads `must be >= 2, got 1` wherever it is declared.
 */
export const strategyParamErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = describeParamValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`;
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}, got ${got}`;
      }
      return `must have at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'character(s)' : 'item(s)'}`;
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}, got ${got}`;
      }
      return `must have at most ${String(issue.maximum)} ${issue.origin === 'string' ? 'character(s)' : 'item(s)'}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${got}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, got ${got}`;
    default:
      return undefined; // zod's own wording
  }
};

function plainObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !(raw instanceof Map);
}

/**
 * A required `symbol -> exposure` param (any finite exposure; at least one symbol). Read
 * into a Map, never into object keys, so a symbol named `__proto__` is data like any other;
 * the registry checks the symbols against the data and hands the factory data order.
 */
export function weightsParam(): z.ZodType<ReadonlyMap<string, number>, unknown> {
  return z.preprocess(
    (raw) => (plainObject(raw) ? new Map(Object.entries(raw)) : raw),
    z
      .map(
        z.string(),
        z.number({
          error: (issue) => `must be a finite number, got ${describeParamValue(issue.input)}`,
        }),
        {
          error: (issue) =>
            issue.input === undefined
              ? 'is required (symbol -> exposure)'
              : `must be an object of symbol -> exposure, got ${describeParamValue(issue.input)}`,
        },
      )
      .refine((weights) => weights.size > 0, { error: 'must name at least one symbol' }),
  );
}

/** The keys an object schema allows (none known for other schemas). */
export function paramNames(schema: StrategyParamsSchema): readonly string[] | undefined {
  const shape = (schema as { shape?: unknown }).shape;
  return plainObject(shape) ? Object.keys(shape) : undefined;
}

/** `in 2..1000000`, `>= 1`, `> 0`: the bounds of a top-level numeric param, from its JSON Schema. */
function describeNumericParam(field: z.ZodType): string | undefined {
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' });
  } catch {
    return undefined;
  }
  const kind = json.type === 'integer' ? 'an integer' : json.type === 'number' ? 'a number' : null;
  if (kind === null) return undefined;
  // z.int() carries the safe-integer range: not a bound the user chose.
  const bound = (key: string): number | undefined => {
    const value = json[key];
    return typeof value === 'number' && Math.abs(value) < Number.MAX_SAFE_INTEGER
      ? value
      : undefined;
  };
  const min = bound('minimum');
  const max = bound('maximum');
  const above = bound('exclusiveMinimum');
  const below = bound('exclusiveMaximum');
  if (min !== undefined && max !== undefined) return `${kind} in ${min}..${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`>= ${min}`);
  if (above !== undefined) parts.push(`> ${above}`);
  if (max !== undefined) parts.push(`<= ${max}`);
  if (below !== undefined) parts.push(`< ${below}`);
  return parts.length === 0 ? kind : `${kind} ${parts.join(' and ')}`;
}

const NUMERIC_ISSUES = new Set(['too_small', 'too_big', 'not_multiple_of']);

/**
 * A failed params parse as ContractIssues under `path` (`...strategy.params`): unknown keys
 * first, one issue each, naming the kind and the allowed keys; a top-level number out of its
 * range says the whole range (`must be an integer in 2..1000000, got 1.5`); the rest as worded.
 */
export function toParamIssues(
  error: z.ZodError,
  schema: StrategyParamsSchema,
  raw: unknown,
  path: string,
  kind: string,
): ContractIssue[] {
  const names = paramNames(schema);
  const shape = (schema as { shape?: Record<string, z.ZodType> }).shape;
  const unknown: ContractIssue[] = [];
  const issues: ContractIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = names === undefined || names.length === 0 ? 'none' : names.join(', ');
      for (const key of issue.keys) {
        unknown.push({
          path: formatPath([...issue.path, key], path),
          message: `unknown parameter of ${kind} (allowed: ${allowed})`,
        });
      }
      continue;
    }
    let message = issue.message;
    const [first] = issue.path;
    const field =
      issue.path.length === 1 && typeof first === 'string' && shape !== undefined
        ? Object.hasOwn(shape, first)
          ? shape[first]
          : undefined
        : undefined;
    const value = plainObject(raw) && typeof first === 'string' ? raw[first] : undefined;
    const numeric =
      NUMERIC_ISSUES.has(issue.code) ||
      (issue.code === 'invalid_type' &&
        value !== undefined &&
        (issue.expected === 'number' || issue.expected === 'int'));
    if (field !== undefined && numeric) {
      const allowed = describeNumericParam(field);
      if (allowed !== undefined) message = `must be ${allowed}, got ${describeParamValue(value)}`;
    }
    issues.push({ path: formatPath(issue.path, path), message });
  }
  // Unknown names first: a misspelt name often explains the missing one after it.
  return [...unknown, ...issues];
}
