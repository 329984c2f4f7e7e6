// Growable tape storage: lengthened in place where the buffer can grow, copied where it cannot;
// the entries so far and the views made of them stay as they were either way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { growableArray, withRoom } from './shareable.js';

describe('growableArray and withRoom', () => {
  it('keeps the entries and earlier views through any sequence of growth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 512 }),
        fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 400 }),
        (initial, maxLength, values) => {
          let array = growableArray(Float64Array, initial, maxLength);
          let size = 0;
          const views: Float64Array[] = [];
          for (const value of values) {
            if (size === array.length) {
              views.push(array.subarray(0, size));
              array = withRoom(Float64Array, array, size + 1, size);
            }
            array[size++] = value;
          }
          expect(Array.from(array.subarray(0, size))).toEqual(values);
          // A view made before a growth still reads what it held then.
          for (const view of views) expect(Array.from(view)).toEqual(values.slice(0, view.length));
          expect(array.buffer).toBeInstanceOf(SharedArrayBuffer);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('grows in place up to its reserve (doubling, then to the reserve), then copies', () => {
    const array = growableArray(Int32Array, 4, 12);
    array.set([1, 2, 3, 4]);
    const doubled = withRoom(Int32Array, array, 5, 4);
    expect(doubled.buffer).toBe(array.buffer);
    expect(doubled.length).toBe(8);
    // Twice 8 is past the reserve of 12: it grows to the reserve, in place.
    const full = withRoom(Int32Array, doubled, 9, 4);
    expect(full.buffer).toBe(array.buffer);
    expect(full.length).toBe(12);
    expect(Array.from(full.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    const copied = withRoom(Int32Array, full, 13, 4);
    expect(copied.buffer).not.toBe(array.buffer);
    expect(copied.length).toBe(24);
    expect(Array.from(copied.subarray(0, 4))).toEqual([1, 2, 3, 4]);
  });
});
