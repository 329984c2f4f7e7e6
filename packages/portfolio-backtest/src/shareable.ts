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

/**
 * A zeroed typed array of `length` on a SharedArrayBuffer of its own, or on a plain buffer
 * where there is none (a page that is not cross-origin isolated): one thread only, then.
 */
export function sharedArray<T extends Int32Array | Float64Array>(
  Kind: {
    new (buffer: SharedArrayBuffer | ArrayBuffer): T;
    readonly BYTES_PER_ELEMENT: number;
  },
  length: number,
): T {
  const bytes = length * Kind.BYTES_PER_ELEMENT;
  return new Kind(
    typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes),
  );
}

/** `source` itself when it already lies on a SharedArrayBuffer, else a `sharedCopy`. */
export function sharedView<T extends Int32Array | Float64Array | BigInt64Array>(
  Kind: { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
  source: T,
): T {
  return typeof SharedArrayBuffer === 'function' && source.buffer instanceof SharedArrayBuffer
    ? source
    : sharedCopy(Kind, source);
}
