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

/**
 * `record[id] = value` as an own data property even when `id` is `__proto__` (assigned on a
 * plain object, it would set the object's prototype instead). For records that stay plain
 * objects on a hot path, where V8 keeps them fast; a null-prototype record is a hash table.
 * Read such a record by its own keys (`for...in`, `Object.keys`), not by an id it may lack:
 * `record['constructor']` of a plain object is Object's constructor.
 */
export function setId<T>(record: Record<string, T>, id: string, value: T): void {
  if (id === '__proto__')
    Object.defineProperty(record, id, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  else record[id] = value;
}
