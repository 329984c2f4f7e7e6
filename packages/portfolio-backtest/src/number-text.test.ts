import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { scanNumber } from './number-text.js';

const scan = (text: string): number => scanNumber(`x${text}y`, 1, text.length + 1);

describe('scanNumber', () => {
  it('reads plain decimals, signs and exponents', () => {
    // Each expectation is the decimal written out: 1455.219971 is 1455219971 / 10^6.
    expect(scan('1455.219971')).toBe(1455219971 / 1e6);
    expect(scan('931800000')).toBe(931800000);
    expect(scan('-2.5')).toBe(-2.5);
    expect(scan('+7')).toBe(7);
    expect(scan('.5')).toBe(0.5);
    expect(scan('5.')).toBe(5);
    expect(scan('1e3')).toBe(1000);
    expect(scan('2.5E-2')).toBe(0.025);
    expect(scan('0.1')).toBe(0.1);
  });

  it('rejects what is not a decimal number', () => {
    for (const bad of [
      '',
      '-',
      '.',
      'abc',
      '1.2.3',
      ' 1',
      '1 ',
      '0x10',
      'Infinity',
      'NaN',
      '1e',
      '1e999',
      '1,5',
      '--1',
    ]) {
      expect(scan(bad), bad).toBeNaN();
    }
  });

  test.prop([fc.double({ noNaN: true, noDefaultInfinity: true })], { numRuns: 2000, seed: 11 })(
    'equals Number() on the shortest text of any double',
    (value) => {
      const text = String(value);
      expect(Object.is(scan(text), Number(text))).toBe(true);
    },
  );

  test.prop([fc.stringMatching(/^-?[0-9]{1,20}(\.[0-9]{0,25})?$/)], { numRuns: 2000, seed: 12 })(
    'equals Number() on digit strings of any length (fast and slow paths)',
    (text) => {
      expect(Object.is(scan(text), Number(text))).toBe(true);
    },
  );

  test.prop([fc.stringMatching(/^[-+0-9.eE ]{0,12}$/), fc.constantFrom('.', '-', '9', 'x')], {
    numRuns: 3000,
    seed: 13,
  })(
    'equals Number() on decimal text and is NaN on anything else, whatever is around it',
    (text, around) => {
      // What a decimal is, written out: sign, digits with at most one dot, an exponent.
      const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text);
      const expected = decimal && Number.isFinite(Number(text)) ? Number(text) : Number.NaN;
      const got = scanNumber(`${around}${text}${around}`, 1, text.length + 1);
      expect(Object.is(got, expected)).toBe(true);
    },
  );
});
