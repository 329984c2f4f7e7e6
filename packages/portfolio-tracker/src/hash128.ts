// MurmurHash3 x86_128 (Austin Appleby's, public domain) over 32-bit words fed one at a time,
// with no allocation: the fill ledger keeps 128-bit hashes of fill ids and of fills' content
// instead of the strings. A string is fed as its UTF-16 code units, two to a little-endian
// word, so the hash of an id is MurmurHash3_x86_128 of the id's UTF-16LE bytes: every JS string
// (lone surrogates too) has its own byte sequence, unlike UTF-8 through TextEncoder, which
// turns a lone surrogate into U+FFFD.

const C1 = 0x239b961b;
const C2 = 0xab0e9789 | 0;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93 | 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const float = new Float64Array(1);
const floatWords = new Int32Array(float.buffer);
const wide = new BigInt64Array(1);
const wideWords = new Int32Array(wide.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A streaming hasher: `begin(seed)`, then words, strings, numbers; `finish()` leaves the hash in
 * `h1..h4` (signed 32-bit integers; `h1` the first four bytes of the digest, little-endian).
 */
export class Hasher128 {
  h1 = 0;
  h2 = 0;
  h3 = 0;
  h4 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;
  private k4 = 0;
  /** Words buffered in `k1..k4` (0 to 3; 4 only for a tail of 14 bytes, see `units`). */
  private pending = 0;
  /** Bytes fed. */
  private bytes = 0;

  begin(seed: number): this {
    this.h1 = this.h2 = this.h3 = this.h4 = seed | 0;
    this.pending = 0;
    this.bytes = 0;
    return this;
  }

  /** Feeds one 32-bit word (four bytes, little-endian). */
  word(w: number): this {
    switch (this.pending) {
      case 0:
        this.k1 = w;
        this.pending = 1;
        break;
      case 1:
        this.k2 = w;
        this.pending = 2;
        break;
      case 2:
        this.k3 = w;
        this.pending = 3;
        break;
      default:
        this.k4 = w;
        this.pending = 0;
        this.block();
    }
    this.bytes += 4;
    return this;
  }

  private block(): void {
    let { h1, h2, h3, h4 } = this;
    let k1 = this.k1;
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = rotl(h1, 19);
    h1 = (h1 + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    let k2 = this.k2;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = rotl(h2, 17);
    h2 = (h2 + h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    let k3 = this.k3;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = rotl(h3, 15);
    h3 = (h3 + h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    let k4 = this.k4;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = rotl(h4, 13);
    h4 = (h4 + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    this.h4 = h4;
  }

  /**
   * Feeds a string's UTF-16 code units (two bytes each, little-endian). An odd count leaves a
   * half word: only `finish()` may follow (the digest is then that of the bytes fed); inside a
   * longer input, use `text`.
   */
  units(s: string): this {
    const n = s.length;
    let i = 0;
    for (; i + 1 < n; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) {
      // A half word: buffered as the tail (never a block), two bytes counted.
      const w = s.charCodeAt(i);
      switch (this.pending) {
        case 0:
          this.k1 = w;
          break;
        case 1:
          this.k2 = w;
          break;
        case 2:
          this.k3 = w;
          break;
        default:
          this.k4 = w;
      }
      this.pending++;
      this.bytes += 2;
    }
    return this;
  }

  /** Feeds a string inside a longer input: its length, then its code units padded to a word. */
  text(s: string): this {
    this.word(s.length);
    const n = s.length;
    let i = 0;
    for (; i + 1 < n; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) this.word(s.charCodeAt(i));
    return this;
  }

  /** Feeds a number's IEEE 754 bits (-0 as 0, so equal numbers feed the same bits). */
  number(x: number): this {
    float[0] = x === 0 ? 0 : x;
    if (LITTLE_ENDIAN) this.word(floatWords[0] as number).word(floatWords[1] as number);
    else this.word(floatWords[1] as number).word(floatWords[0] as number);
    return this;
  }

  /** Feeds an integer: a marker and its two's-complement words within int64, else its digits. */
  bigint(x: bigint): this {
    if (x >= INT64_MIN && x <= INT64_MAX) {
      // Its low and high words through a typed array: no BigInt arithmetic, nothing allocated.
      wide[0] = x;
      this.word(0);
      if (LITTLE_ENDIAN) this.word(wideWords[0] as number).word(wideWords[1] as number);
      else this.word(wideWords[1] as number).word(wideWords[0] as number);
    } else {
      this.word(1);
      this.text(x.toString());
    }
    return this;
  }

  /** Ends the input; the digest is in `h1..h4`. */
  finish(): this {
    let { h1, h2, h3, h4 } = this;
    // The tail: the buffered words, mixed without the block's rotation of h.
    const tail = this.pending;
    if (tail >= 4) {
      h4 ^= Math.imul(rotl(Math.imul(this.k4, C4), 18), C1);
    }
    if (tail >= 3) {
      h3 ^= Math.imul(rotl(Math.imul(this.k3, C3), 17), C4);
    }
    if (tail >= 2) {
      h2 ^= Math.imul(rotl(Math.imul(this.k2, C2), 16), C3);
    }
    if (tail >= 1) {
      h1 ^= Math.imul(rotl(Math.imul(this.k1, C1), 15), C2);
    }
    const len = this.bytes;
    h1 ^= len;
    h2 ^= len;
    h3 ^= len;
    h4 ^= len;
    h1 = (h1 + h2 + h3 + h4) | 0;
    h2 = (h2 + h1) | 0;
    h3 = (h3 + h1) | 0;
    h4 = (h4 + h1) | 0;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h3 = fmix(h3);
    h4 = fmix(h4);
    h1 = (h1 + h2 + h3 + h4) | 0;
    h2 = (h2 + h1) | 0;
    h3 = (h3 + h1) | 0;
    h4 = (h4 + h1) | 0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    this.h4 = h4;
    this.pending = 0;
    return this;
  }
}
