import { describe, expect, it } from 'vitest';
import { MarkGuard } from './mark-guard.js';

describe('MarkGuard', () => {
  it('accepts the first mark, moves within the limit, and rejects a bigger jump', () => {
    const guard = new MarkGuard(0.5);
    expect(guard.check('X', 100, 1n).kind).toBe('accept');
    guard.accept('X', 100, 1n);
    // 100 -> 150 is a move of exactly 0.5: allowed (the rule is strict >).
    expect(guard.check('X', 150, 2n).kind).toBe('accept');
    // 100 -> 151 is 0.51 > 0.5.
    const verdict = guard.check('X', 151, 2n);
    expect(verdict).toEqual({ kind: 'jump', lastPrice: 100, jump: 151 / 100 - 1 });
    // Downwards too: 100 -> 40 is -0.6.
    expect(guard.check('X', 40, 2n).kind).toBe('jump');
  });

  it('a single bad tick is rejected and the next good one accepted', () => {
    const guard = new MarkGuard(0.5);
    guard.accept('X', 100, 1n);
    expect(guard.check('X', 1000, 2n).kind).toBe('jump');
    guard.reject('X', 1000);
    // 101 vs the last accepted 100: fine.
    expect(guard.check('X', 101, 3n).kind).toBe('accept');
  });

  it('a new level confirmed by two consecutive marks is accepted', () => {
    const guard = new MarkGuard(0.5);
    guard.accept('X', 100, 1n);
    expect(guard.check('X', 40, 2n).kind).toBe('jump');
    guard.reject('X', 40);
    // 41 is within 0.5 of the rejected 40 (2.5%): the level is confirmed.
    expect(guard.check('X', 41, 3n).kind).toBe('accept');
    guard.accept('X', 41, 3n);
    // Once accepted, the rejected level is forgotten: 100 again is a jump from 41 (1.44).
    expect(guard.check('X', 100, 4n).kind).toBe('jump');
  });

  it('flags marks older than the last accepted one as stale', () => {
    const guard = new MarkGuard(0.5);
    guard.accept('X', 100, 10n);
    expect(guard.check('X', 100, 9n)).toEqual({ kind: 'stale', lastTimestampNs: 10n });
    expect(guard.check('X', 100, 10n).kind).toBe('accept');
    expect(guard.check('Y', 5, 1n).kind).toBe('accept');
  });

  it('round-trips through JSON', () => {
    const guard = new MarkGuard(0.2);
    guard.accept('X', 100, 10n);
    guard.reject('X', 300);
    guard.accept('Y', 7, 3n);
    const copy = MarkGuard.fromJSON(
      0.2,
      JSON.parse(JSON.stringify(guard.toJSON())) as ReturnType<MarkGuard['toJSON']>,
    );
    expect(copy.toJSON()).toEqual(guard.toJSON());
    // 290 is within 0.2 of the rejected 300: confirmed in the copy as in the original.
    expect(copy.check('X', 290, 11n)).toEqual(guard.check('X', 290, 11n));
    expect(copy.check('X', 290, 11n).kind).toBe('accept');
  });
});
