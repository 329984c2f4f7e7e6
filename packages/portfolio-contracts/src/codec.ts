// A small codec kit: one definition per contract gives the zod schema of the snake_case
// wire form, the camelCase TypeScript type it decodes to, and the encoder back.
import { z } from 'zod';
import { createIdRecord, inheritsNothing, setId } from './id-record.js';

/** Decodes a wire value (through `schema`) and encodes it back (`encode`). */
export interface Codec<T> {
  readonly schema: z.ZodType<T>;
  // Method syntax on purpose: codecs of different types must fit one `Record` of fields.
  encode(value: T): unknown;
}

export interface OptionalCodec<T> extends Codec<T | undefined> {
  readonly isOptional: true;
}

type AnyCodec = Codec<unknown>;

export type SnakeToCamel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<SnakeToCamel<Tail>>}`
  : S;

type Decoded<C> = C extends OptionalCodec<infer T> ? T : C extends Codec<infer T> ? T : never;

type OptionalKeys<S> = {
  [K in keyof S]: S[K] extends OptionalCodec<unknown> ? K : never;
}[keyof S];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type ObjectOf<S extends Record<string, AnyCodec>> = Simplify<
  {
    readonly [K in Exclude<keyof S, OptionalKeys<S>> & string as SnakeToCamel<K>]: Decoded<S[K]>;
  } & {
    readonly [K in OptionalKeys<S> & string as SnakeToCamel<K>]?: Decoded<S[K]>;
  }
>;

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A codec whose wire and TypeScript forms are the same value. */
export function plain<T>(schema: z.ZodType<T>): Codec<T> {
  return { schema, encode: (value) => value };
}

export function object<S extends Record<string, AnyCodec>>(shape: S): Codec<ObjectOf<S>> {
  const keys = Object.keys(shape);
  const camelKeys = keys.map(snakeToCamel);
  const zodShape: Record<string, z.ZodType> = {};
  for (const key of keys) zodShape[key] = (shape[key] as AnyCodec).schema;
  const allowed = keys.join(', ');
  const schema = z
    .strictObject(zodShape, {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown key (allowed: ${allowed})` : undefined,
    })
    .transform((wire) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const value = wire[keys[i] as string];
        if (value !== undefined) out[camelKeys[i] as string] = value;
      }
      return out as ObjectOf<S>;
    });
  return {
    schema,
    encode(value) {
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const field = source[camelKeys[i] as string];
        if (field !== undefined)
          out[keys[i] as string] = (shape[keys[i] as string] as AnyCodec).encode(field);
      }
      return out;
    },
  };
}

export function optional<T>(codec: Codec<T>): OptionalCodec<T> {
  return {
    isOptional: true,
    schema: codec.schema.optional(),
    encode: (value) => (value === undefined ? undefined : codec.encode(value)),
  };
}

/** Optional on the wire, always present once decoded. */
export function withDefault<T>(codec: Codec<T>, fallback: NoInfer<T>): Codec<T> {
  // zod's default() returns the fallback as the output, skipping the codec's own transform.
  return {
    schema: codec.schema.default(fallback as never),
    encode: (value) => codec.encode(value),
  };
}

export function nullable<T>(codec: Codec<T>): Codec<T | null> {
  return {
    schema: codec.schema.nullable(),
    encode: (value) => (value === null ? null : codec.encode(value)),
  };
}

export function array<T>(codec: Codec<T>, minItems = 0): Codec<readonly T[]> {
  return {
    schema: minItems > 0 ? z.array(codec.schema).min(minItems) : z.array(codec.schema),
    encode: (values) => values.map((value) => codec.encode(value)),
  };
}

/** zod's own record, for each id record: what a JSON Schema shows in its place. */
const standIns = new WeakMap<object, z.ZodType>();

/** The plain zod record an `idRecord` schema stands for (for JSON Schema), if it is one. */
export function idRecordStandIn(schema: object): z.ZodType | undefined {
  return standIns.get(schema);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype || inheritsNothing(value);
}

/**
 * A record keyed by ids, decoded into a null-prototype record: as `z.record(keys, values)`,
 * but an own key `__proto__` is kept and checked like any other (zod's record drops it
 * silently, and a plain object would take it as its prototype).
 */
export function idRecord<T>(
  keySchema: z.ZodType<string>,
  valueSchema: z.ZodType<T>,
): z.ZodType<Readonly<Record<string, T>>> {
  const schema = z.unknown().transform((input, ctx) => {
    if (!isPlainObject(input)) {
      ctx.addIssue({ code: 'invalid_type', expected: 'record', input });
      return z.NEVER;
    }
    const out = createIdRecord<T>();
    for (const key of Object.keys(input)) {
      const parsedKey = keySchema.safeParse(key);
      if (!parsedKey.success) {
        ctx.addIssue({
          code: 'invalid_key',
          origin: 'record',
          issues: parsedKey.error.issues,
          input: key,
          path: [key],
        });
        continue;
      }
      const value = valueSchema.safeParse(input[key]);
      if (!value.success) {
        for (const issue of value.error.issues)
          ctx.addIssue({ ...issue, path: [key, ...issue.path] });
        continue;
      }
      out[parsedKey.data] = value.data;
    }
    return out;
  });
  standIns.set(schema, z.record(keySchema, valueSchema));
  return schema;
}

/**
 * A map keyed by ids (strategy or symbol): keys are data and are never renamed; `__proto__`
 * is a key like any other, decoded into a null-prototype record and encoded as an own key of
 * a plain object.
 */
export function record<T>(
  keySchema: z.ZodType<string>,
  codec: Codec<T>,
): Codec<Readonly<Record<string, T>>> {
  return {
    schema: idRecord(keySchema, codec.schema),
    encode(values) {
      // A plain object (JSON.stringify walks it fastest), `__proto__` an own key like any other.
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(values)) setId(out, key, codec.encode(values[key] as T));
      return out;
    },
  };
}

type CamelToSnake<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${CamelToSnake<Tail>}`
  : S;

/** The JSON form of a decoded contract: snake_case keys, bigint timestamps as strings. */
export type WireForm<T> = T extends bigint
  ? string
  : T extends readonly (infer U)[]
    ? WireForm<U>[]
    : T extends object
      ? { [K in keyof T as K extends string ? CamelToSnake<K> : K]: WireForm<T[K]> }
      : T;
