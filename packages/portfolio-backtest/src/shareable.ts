// Typed arrays copied onto SharedArrayBuffers: handed to worker threads without a copy each.

/** A copy of `source` on a SharedArrayBuffer of its own. */
export function sharedCopy<T extends Int32Array | Float64Array | BigInt64Array>(
  Kind: { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
  source: T,
): T {
  const copy = new Kind(new SharedArrayBuffer(source.length * Kind.BYTES_PER_ELEMENT));
  copy.set(source as never);
  return copy;
}

/** A zeroed typed array of `length` on a SharedArrayBuffer of its own. */
export function sharedArray<T extends Int32Array | Float64Array>(
  Kind: { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
  length: number,
): T {
  return new Kind(new SharedArrayBuffer(length * Kind.BYTES_PER_ELEMENT));
}

/** `source` itself when it already lies on a SharedArrayBuffer, else a `sharedCopy`. */
export function sharedView<T extends Int32Array | Float64Array | BigInt64Array>(
  Kind: { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
  source: T,
): T {
  return source.buffer instanceof SharedArrayBuffer ? source : sharedCopy(Kind, source);
}
