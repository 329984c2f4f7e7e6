// One way to declare an error every Njord package throws: a class with a readonly `_tag`
// (its name, stable across copies of a package and across realms, unlike `instanceof`), a
// `code` from a fixed list a caller can switch on, and a message for people.
//
//   export const SIZER_ERROR_CODES = ['invalid_price', 'invalid_input'] as const;
//   export class SizerError extends taggedError('SizerError', SIZER_ERROR_CODES) {}
//   export const isSizerError = isTaggedError(SizerError);

/** An error with a tag naming its kind and a code from its kind's fixed list. */
export interface TaggedError<Tag extends string, Code extends string> extends Error {
  readonly _tag: Tag;
  readonly code: Code;
}

/** The class `taggedError` returns: extend it (adding fields if needed) or use it as is. */
export interface TaggedErrorClass<Tag extends string, Code extends string> {
  new (code: Code, message: string): TaggedError<Tag, Code>;
  /** The tag every instance carries as `_tag` (and as `name`). */
  readonly tag: Tag;
  /** The codes an instance may carry, in declaration order. */
  readonly codes: readonly Code[];
}

/**
 * A base class for the error kind `tag` with codes from `codes`. The constructor takes
 * `(code, message)` and throws a TypeError for a code outside the list (a programming
 * error, caught by the first test that reaches it).
 */
export function taggedError<const Tag extends string, const Code extends string>(
  tag: Tag,
  codes: readonly Code[],
): TaggedErrorClass<Tag, Code> {
  const allowed = Object.freeze([...codes]);
  const known = new Set<string>(allowed);
  class Tagged extends Error implements TaggedError<Tag, Code> {
    static readonly tag = tag;
    static readonly codes = allowed;
    readonly _tag: Tag = tag;
    readonly code: Code;

    constructor(code: Code, message: string) {
      if (!known.has(code)) {
        throw new TypeError(
          `${tag}: unknown code ${JSON.stringify(code)} (allowed: ${allowed.join(', ')})`,
        );
      }
      super(message);
      this.name = tag;
      this.code = code;
    }
  }
  Object.defineProperty(Tagged, 'name', { value: tag });
  return Tagged;
}

/**
 * A type guard for the errors of `kind`, by tag (so it also recognises an error thrown by
 * another copy of the same package, where `instanceof` would not).
 */
export function isTaggedError<Instance extends TaggedError<string, string>>(kind: {
  readonly tag: string;
  prototype: Instance;
}): (value: unknown) => value is Instance {
  const tag = kind.tag;
  return (value: unknown): value is Instance =>
    typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === tag;
}
