import { describe, expect, it } from 'vitest';
import { ContractError, isContractError } from './errors.js';
import { isTaggedError, taggedError } from './tagged-error.js';

const CODES = ['too_big', 'too_small'] as const;
class DemoError extends taggedError('DemoError', CODES) {}
const isDemoError = isTaggedError(DemoError);

describe('taggedError', () => {
  it('gives a tag, a code from the list, a message and a name', () => {
    const error = new DemoError('too_big', 'x is 3, at most 2');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(DemoError);
    expect(error._tag).toBe('DemoError');
    expect(error.code).toBe('too_big');
    expect(error.message).toBe('x is 3, at most 2');
    expect(error.name).toBe('DemoError');
    expect(String(error)).toBe('DemoError: x is 3, at most 2');
    expect(DemoError.tag).toBe('DemoError');
    expect(DemoError.codes).toEqual(['too_big', 'too_small']);
  });

  it('rejects a code outside the list', () => {
    // @ts-expect-error: the type also forbids it
    expect(() => new DemoError('too_odd', 'm')).toThrow(/DemoError: unknown code "too_odd"/);
  });

  it('recognises its errors by tag, not by class identity', () => {
    expect(isDemoError(new DemoError('too_small', 'm'))).toBe(true);
    // An error from another copy of the package: same tag, another class.
    const copy = new (taggedError('DemoError', CODES))('too_small', 'm');
    expect(copy).not.toBeInstanceOf(DemoError);
    expect(isDemoError(copy)).toBe(true);
    expect(isDemoError(new (taggedError('OtherError', CODES))('too_small', 'm'))).toBe(false);
    expect(isDemoError(new Error('m'))).toBe(false);
    expect(isDemoError(null)).toBe(false);
    expect(isDemoError('DemoError')).toBe(false);
  });

  it('keeps ContractError as it was: issues joined into the message, default code', () => {
    const error = new ContractError([
      { path: 'portfolio.id', message: 'required' },
      { path: '', message: 'top level' },
    ]);
    expect(error._tag).toBe('ContractError');
    expect(error.code).toBe('invalid_input');
    expect(error.name).toBe('ContractError');
    expect(error.message).toBe('portfolio.id: required\ntop level');
    expect(Object.isFrozen(error.issues)).toBe(true);
    expect(isContractError(error)).toBe(true);
    expect(new ContractError([], 'io').code).toBe('io');
  });
});
