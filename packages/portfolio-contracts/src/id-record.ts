// Records keyed by ids from input: no prototype, so `__proto__`, `constructor` and
// `toString` are keys like any other (a plain `{}` drops or misreads them).

/**
 * An empty record without a prototype. Assigning `record['__proto__'] = 5` stores a key,
 * and reading `record['constructor']` of an absent key gives undefined. JSON.stringify,
 * Object.keys and Object.entries treat it like any other object.
 */
export function createIdRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
