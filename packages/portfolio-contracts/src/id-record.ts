// Records keyed by ids from input: no prototype, so `__proto__`, `constructor` and
// `toString` are keys like any other (a plain `{}` drops or misreads them).

/**
 * The prototype of every id record: empty, frozen, itself without a prototype. A record made
 * with `Object.create(null)` is a hash table in V8 (a dictionary); one made on a shared empty
 * prototype keeps V8's fast properties, and records filled with the same ids in the same
 * order share one hidden class, so the engine reads them like any struct.
 */
const ID_RECORD_PROTOTYPE: object = Object.freeze(Object.create(null) as object);

/**
 * An empty record that inherits nothing: `Object.prototype` is not on its chain (its
 * prototype is an empty frozen object without one). Assigning `record['__proto__'] = 5`
 * stores a key, and reading `record['constructor']` of an absent key gives undefined.
 * JSON.stringify, Object.keys, Object.entries and `for...in` see its own keys alone.
 */
export function createIdRecord<T>(): Record<string, T> {
  return Object.create(ID_RECORD_PROTOTYPE) as Record<string, T>;
}

/** True for an object that inherits nothing: one of `createIdRecord`, or of `Object.create(null)`. */
export function inheritsNothing(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === ID_RECORD_PROTOTYPE;
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
