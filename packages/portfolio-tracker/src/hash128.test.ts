import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { Hasher128 } from './hash128.js';

function hex(id: string): string {
  const h = new Hasher128().begin(0).units(id).finish();
  return [h.h1, h.h2, h.h3, h.h4].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

describe('Hasher128', () => {
  it('is MurmurHash3_x86_128 (seed 0) of the UTF-16LE bytes', () => {
    // Expected digests from another implementation (the npm package murmurhash3js-revisited,
    // x86.hash128 over the same bytes), h1..h4 in hex: every tail length 0..15 bytes is covered.
    const vectors: [string, string][] = [
      ['', '00000000000000000000000000000000'],
      ['a', '033bb196ccef4fe1ccef4fe1ccef4fe1'],
      ['ab', '260fb953af22b6fdaf22b6fdaf22b6fd'],
      ['abc', '2b5b97a320f75fb55012c2b45012c2b4'],
      ['fill-1', '2cb05c48404218a232e43df76bf482a3'],
      ['long-1234567', 'd6dfa4290e7cda773d9bfc8ac1e70f92'],
      ['\u00e9t\u00e9', 'bcf5b88e91988a07bdda6c52bdda6c52'],
      ['\ud800', '95bfdb97ee4a80b7ee4a80b7ee4a80b7'],
      ['\ufffd', '11521ca34c98ba1d4c98ba1d4c98ba1d'],
      ['exactly-7', '841b2d6aab2b340ab9e5bddaf8033459'],
      ['abcdefg', '851fde5ef81a9aab2a351f32fa8e8ca7'],
      ['abcdefgh', '6c3576558df898a1a76d230d42147114'],
      ['abcdefghijklmnopq', 'fec38c83ea62e9e1c69074d667a5f76d'],
      ['__proto__', '9f0ab557a2e854911b78005c8b6ceb50'],
      ['\ud83d\ude00x', '15cd3d3b55e63efa54673d9954673d99'],
    ];
    for (const [id, digest] of vectors) expect(hex(id), JSON.stringify(id)).toBe(digest);
  });

  it('tells a lone surrogate from U+FFFD (which UTF-8 through TextEncoder would not)', () => {
    expect(new TextEncoder().encode('\ud800')).toEqual(new TextEncoder().encode('\ufffd'));
    expect(hex('\ud800')).not.toBe(hex('\ufffd'));
  });

  it('feeds texts with their lengths, so field boundaries count', () => {
    const digest = (a: string, b: string) => {
      const h = new Hasher128().begin(7).text(a).text(b).finish();
      return [h.h1, h.h2, h.h3, h.h4].join(',');
    };
    expect(digest('ab', 'c')).not.toBe(digest('a', 'bc'));
    expect(digest('ab', 'c')).toBe(digest('ab', 'c'));
  });

  it('feeds -0 as 0 and int64 timestamps apart from wider ones', () => {
    const of = (feed: (h: Hasher128) => Hasher128) => {
      const h = feed(new Hasher128().begin(1)).finish();
      return [h.h1, h.h2, h.h3, h.h4].join(',');
    };
    expect(of((h) => h.number(-0))).toBe(of((h) => h.number(0)));
    expect(of((h) => h.number(0.1 + 0.2))).not.toBe(of((h) => h.number(0.3)));
    expect(of((h) => h.bigint(2n ** 63n - 1n))).not.toBe(of((h) => h.bigint(2n ** 63n)));
    expect(of((h) => h.bigint(-1n))).not.toBe(of((h) => h.bigint(2n ** 64n - 1n)));
  });
});

describe('base64', () => {
  it('round-trips every length and agrees with btoa', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 255);
      const text = encodeBase64(bytes);
      expect(text).toBe(btoa(String.fromCharCode(...bytes)));
      expect(decodeBase64(text)).toEqual(bytes);
    }
  });

  it('refuses what is not canonical base64', () => {
    for (const bad of ['A', 'AB=', 'A===', 'AB?=', 'ABC\u00e9', 'AB==AB==', 'AR==', 'AAB='])
      expect(decodeBase64(bad), bad).toBeNull();
  });
});
