// Base64 (RFC 4648, with padding) between bytes and text, without Node's Buffer (the package is
// pure): the packed columns of a checkpoint's applied fills travel inside its JSON line.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Uint8Array(64);
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  CODES[i] = ALPHABET.charCodeAt(i);
  VALUES[ALPHABET.charCodeAt(i)] = i;
}
/** Characters turned into a string at once (String.fromCharCode's arguments). */
const CHUNK = 1 << 13;

export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint16Array(Math.ceil(n / 3) * 4);
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
  let text = '';
  for (let at = 0; at < out.length; at += CHUNK)
    text += String.fromCharCode.apply(null, out.subarray(at, at + CHUNK) as unknown as number[]);
  return text;
}

/** The bytes of base64 `text`, or null when it is not canonical base64 with padding. */
export function decodeBase64(text: string): Uint8Array | null {
  const n = text.length;
  if (n % 4 !== 0) return null;
  const padding = n === 0 ? 0 : text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((n / 4) * 3 - padding);
  let o = 0;
  const full = padding === 0 ? n : n - 4;
  const value = (at: number): number => {
    const code = text.charCodeAt(at);
    return code < 128 ? (VALUES[code] as number) : -1;
  };
  for (let i = 0; i < full; i += 4) {
    const a = value(i);
    const b = value(i + 1);
    const c = value(i + 2);
    const d = value(i + 3);
    if ((a | b | c | d) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 255;
    out[o++] = v & 255;
  }
  if (padding > 0) {
    const a = value(full);
    const b = value(full + 1);
    const c = padding === 1 ? value(full + 2) : 0;
    if ((a | b | c) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6);
    // Canonical: the bits past the last byte are zero.
    if ((padding === 2 ? v & 0xffff : v & 0xff) !== 0) return null;
    out[o++] = v >>> 16;
    if (padding === 1) out[o++] = (v >>> 8) & 255;
  }
  return out;
}
