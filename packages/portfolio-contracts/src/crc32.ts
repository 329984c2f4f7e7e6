// CRC-32 (zlib's: reflected polynomial 0xEDB88320, initial and final xor 0xFFFFFFFF), table-driven,
// over bytes or straight over a string's UTF-8 encoding (no encoded copy).

/** TABLES[0] is the classic byte table; TABLES[1..3] advance it by 1..3 more zero bytes (slicing-by-4). */
const TABLES = (() => {
  const tables = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n] as number;
    for (let t = 1; t < 4; t++) {
      c = (tables[c & 0xff] as number) ^ (c >>> 8);
      tables[t * 256 + n] = c >>> 0;
    }
  }
  return tables;
})();

/**
 * CRC-32 of `bytes` (continuing from `previous`, default a fresh start), as an unsigned int;
 * of `bytes[start, end)` when given (no view to make). Four bytes a step.
 */
export function crc32(bytes: Uint8Array, previous = 0, start = 0, end = bytes.length): number {
  let crc = ~previous >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    crc ^=
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    crc =
      (TABLES[768 + (crc & 0xff)] as number) ^
      (TABLES[512 + ((crc >>> 8) & 0xff)] as number) ^
      (TABLES[256 + ((crc >>> 16) & 0xff)] as number) ^
      (TABLES[crc >>> 24] as number);
  }
  for (; i < end; i++) crc = (TABLES[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** One byte into a running (pre-inverted) CRC. */
function step(crc: number, byte: number): number {
  return (TABLES[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
}

/**
 * CRC-32 of a string's UTF-8 bytes (as `TextEncoder` writes them: a lone surrogate is
 * U+FFFD), continuing from `previous`. Runs of ASCII go four characters at a time.
 */
export function crc32String(text: string, previous = 0): number {
  let crc = ~previous >>> 0;
  const length = text.length;
  let i = 0;
  while (i < length) {
    if (i + 4 <= length) {
      const a = text.charCodeAt(i);
      const b = text.charCodeAt(i + 1);
      const c = text.charCodeAt(i + 2);
      const d = text.charCodeAt(i + 3);
      if ((a | b | c | d) < 0x80) {
        crc ^= a | (b << 8) | (c << 16) | (d << 24);
        crc =
          (TABLES[768 + (crc & 0xff)] as number) ^
          (TABLES[512 + ((crc >>> 8) & 0xff)] as number) ^
          (TABLES[256 + ((crc >>> 16) & 0xff)] as number) ^
          (TABLES[crc >>> 24] as number);
        i += 4;
        continue;
      }
    }
    let code = text.charCodeAt(i++);
    if (code < 0x80) {
      crc = step(crc, code);
      continue;
    }
    if (code < 0x800) {
      crc = step(crc, 0xc0 | (code >> 6));
      crc = step(crc, 0x80 | (code & 0x3f));
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i < length ? text.charCodeAt(i) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        crc = step(crc, 0xf0 | (code >> 18));
        crc = step(crc, 0x80 | ((code >> 12) & 0x3f));
        crc = step(crc, 0x80 | ((code >> 6) & 0x3f));
        crc = step(crc, 0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd; // a lone surrogate
    }
    crc = step(crc, 0xe0 | (code >> 12));
    crc = step(crc, 0x80 | ((code >> 6) & 0x3f));
    crc = step(crc, 0x80 | (code & 0x3f));
  }
  return ~crc >>> 0;
}

/** CRC-32 of a string's UTF-8 bytes as 8 lowercase hex digits. */
export function crc32Hex(text: string): string {
  return crc32String(text).toString(16).padStart(8, '0');
}
