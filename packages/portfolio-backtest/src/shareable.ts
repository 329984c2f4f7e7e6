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

/** A SharedArrayBuffer that can grow in place (ES2024), as far as this module uses one. */
interface GrowableBuffer {
  readonly growable?: boolean;
  readonly maxByteLength?: number;
  grow?(newByteLength: number): void;
}

/** The constructor of growable SharedArrayBuffers, where the platform has them. */
const GrowableShared:
  (new (length: number, options: { maxByteLength: number }) => ArrayBufferLike) | null =
  typeof SharedArrayBuffer === 'function' && 'grow' in SharedArrayBuffer.prototype
    ? SharedArrayBuffer
    : null;

/**
 * A zeroed typed array of `length` that `withRoom` can lengthen in place up to `maxLength`
 * elements: on a growable SharedArrayBuffer that reserves the address space and takes memory
 * as it grows, where the platform has one; else as `sharedArray`.
 */
export function growableArray<T extends Int32Array | Float64Array>(
  Kind: {
    new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T;
    readonly BYTES_PER_ELEMENT: number;
  },
  length: number,
  maxLength: number,
): T {
  if (GrowableShared === null || maxLength <= length) return sharedArray(Kind, length);
  try {
    const buffer = new GrowableShared(length * Kind.BYTES_PER_ELEMENT, {
      maxByteLength: maxLength * Kind.BYTES_PER_ELEMENT,
    });
    return new Kind(buffer, 0, length);
  } catch {
    // The address space was refused (a limit on virtual memory): an ordinary buffer.
    return sharedArray(Kind, length);
  }
}

/**
 * `array` with room for at least `need` elements (twice its length, or `need` if more), its
 * first `used` kept: the same memory, grown in place, when its buffer can grow that far (up
 * to its reserve: no copy, and no old buffer left for the garbage collector); else a copy on a
 * buffer of its own. Views made of it before stay valid either way.
 */
export function withRoom<T extends Int32Array | Float64Array>(
  Kind: {
    new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T;
    readonly BYTES_PER_ELEMENT: number;
  },
  array: T,
  need: number,
  used: number,
): T {
  const length = Math.max(need, array.length * 2);
  const buffer = array.buffer as ArrayBufferLike & GrowableBuffer;
  const reserve = Math.floor((buffer.maxByteLength ?? 0) / Kind.BYTES_PER_ELEMENT);
  if (buffer.growable === true && need <= reserve && buffer.grow) {
    const room = Math.min(length, reserve);
    if (room * Kind.BYTES_PER_ELEMENT > buffer.byteLength)
      buffer.grow(room * Kind.BYTES_PER_ELEMENT);
    return new Kind(buffer, 0, room);
  }
  const copy = sharedArray(Kind, length);
  copy.set(array.subarray(0, used));
  return copy;
}
