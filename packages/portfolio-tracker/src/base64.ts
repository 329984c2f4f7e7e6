// Base64 (RFC 4648, with padding) between bytes and text, without Node's Buffer (the package is
// pure): the packed columns of a checkpoint's applied fills travel inside its JSON line.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Uint8Array(64);
/** The 6-bit value of every UTF-16 code unit; 255 for one outside the alphabet. */
const VALUES = new Uint8Array(1 << 16).fill(255);
for (let i = 0; i < 64; i++) {
  CODES[i] = ALPHABET.charCodeAt(i);
  VALUES[ALPHABET.charCodeAt(i)] = i;
}
/** The text of ASCII bytes, made at once (no list of char codes on the heap). */
const ASCII = new TextDecoder();

export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = CODES[v >>> 18] as number;
    out[o++] = CODES[(v >>> 12) & 63] as number;
    out[o++] = CODES[(v >>> 6) & 63] as number;
    out[o++] = CODES[v & 63] as number;
  }
  if (i < n) {
    const v = ((bytes[i] as number) << 16) | (i + 1 < n ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = CODES[v >>> 18] as number;
    out[o++] = CODES[(v >>> 12) & 63] as number;
    out[o++] = i + 1 < n ? (CODES[(v >>> 6) & 63] as number) : 61;
    out[o++] = 61;
  }
  return ASCII.decode(out);
}

/** The bytes of base64 `text`, or null when it is not canonical base64 with padding. */
export function decodeBase64(text: string): Uint8Array | null {
  const n = text.length;
  if (n % 4 !== 0) return null;
  const padding = n === 0 ? 0 : text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((n / 4) * 3 - padding);
  const values = VALUES;
  const full = padding === 0 ? n : n - 4;
  // Any character outside the alphabet has value 255: its high bits end up in `bad`.
  let bad = 0;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = values[text.charCodeAt(i)] as number;
    const b = values[text.charCodeAt(i + 1)] as number;
    const c = values[text.charCodeAt(i + 2)] as number;
    const d = values[text.charCodeAt(i + 3)] as number;
    bad |= a | b | c | d;
    out[o] = (a << 2) | (b >>> 4);
    out[o + 1] = ((b & 15) << 4) | (c >>> 2);
    out[o + 2] = ((c & 3) << 6) | d;
    o += 3;
  }
  if (padding > 0) {
    const a = values[text.charCodeAt(full)] as number;
    const b = values[text.charCodeAt(full + 1)] as number;
    const c = padding === 1 ? (values[text.charCodeAt(full + 2)] as number) : 0;
    bad |= a | b | c;
    // Canonical: the bits past the last byte are zero.
    if ((padding === 2 ? b & 15 : c & 3) !== 0) return null;
    out[o++] = (a << 2) | (b >>> 4);
    if (padding === 1) out[o] = ((b & 15) << 4) | (c >>> 2);
  }
  return (bad & 64) !== 0 ? null : out;
}
