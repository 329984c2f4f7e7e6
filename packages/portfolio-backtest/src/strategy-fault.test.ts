import { describe, expect, it } from 'vitest';
import { createPriceData } from './price-data.js';
import { createBarContext, type Strategy, type StrategyTargets } from './strategy.js';
import {
  callStrategy,
  callStrategyInto,
  DEFAULT_MAX_ABS_EXPOSURE,
  isStrategyFaultError,
  maxAbsExposureOf,
  type StrategyFaultError,
} from './strategy-fault.js';

// 2024-01-02T00:00:00Z and the next day.
const day0 = BigInt(Date.UTC(2024, 0, 2)) * 1_000_000n;
const data = createPriceData({
  timestamps: [day0, day0 + 86_400_000_000_000n],
  bars: { AAA: { close: [10, 11] }, BBB: { close: [20, 21] } },
});

function strategyOf(onBar: () => unknown, symbols = ['AAA']): Strategy {
  return { id: 'mine', symbols, onBar: onBar as () => StrategyTargets | undefined };
}

function faultOf(strategy: Strategy, step = 1, max = DEFAULT_MAX_ABS_EXPOSURE): StrategyFaultError {
  const ctx = createBarContext(data, strategy.symbols).moveTo(step);
  try {
    callStrategy(strategy, ctx, max);
  } catch (error) {
    if (isStrategyFaultError(error)) return error;
    throw error;
  }
  throw new Error('expected a fault');
}

function userCode(): never {
  throw new TypeError('cannot read x');
}

describe('callStrategy', () => {
  it('passes good targets and undefined through unchanged', () => {
    const ctx = createBarContext(data, ['AAA', 'BBB']).moveTo(0);
    const targets = { AAA: 0.5, BBB: -DEFAULT_MAX_ABS_EXPOSURE };
    expect(
      callStrategy(
        strategyOf(() => targets, ['AAA', 'BBB']),
        ctx,
        10,
      ),
    ).toBe(targets);
    expect(
      callStrategy(
        strategyOf(() => undefined),
        ctx,
        10,
      ),
    ).toBeUndefined();
  });

  it("names the strategy, the bar, its symbols and keeps only the user's stack frames for a throw", () => {
    const fault = faultOf(strategyOf(() => userCode()));
    expect(fault.code).toBe('strategy_threw');
    expect(fault.message).toBe(
      'strategy mine at 2024-01-03T00:00:00Z (step 1, symbol AAA): onBar threw TypeError: cannot read x',
    );
    // Innermost first: userCode, then the arrow that called it; nothing from callStrategy on.
    expect(fault.userFrames[0]).toMatch(/^at userCode \(.*strategy-fault\.test\.ts:\d+:\d+\)$/);
    expect(fault.userFrames.some((f) => f.includes('callStrategy'))).toBe(false);
    expect(fault.cause).toBeInstanceOf(TypeError);
  });

  it('refuses a target for a symbol the strategy does not trade', () => {
    const fault = faultOf(strategyOf(() => ({ AAA: 1, ZZZ: 0.5 })));
    expect(fault.code).toBe('unknown_symbol');
    expect(fault.message).toBe(
      'strategy mine at 2024-01-03T00:00:00Z (step 1, symbol ZZZ): a target for a symbol the strategy does not trade (its symbols: AAA)',
    );
  });

  it('refuses non-finite and absurd exposures, and what is not a record', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1']) {
      expect(faultOf(strategyOf(() => ({ AAA: bad }))).detail).toBe(
        `exposure ${String(bad)} is not a finite number`,
      );
    }
    const huge = faultOf(strategyOf(() => ({ AAA: 1e6 })));
    expect(huge.code).toBe('invalid_exposure');
    expect(huge.detail).toBe(
      'exposure 1000000 is beyond +-10 (the largest a sleeve may take: the default, 10)',
    );
    // Just past the cap fails, the cap itself passes (see the first test).
    expect(faultOf(strategyOf(() => ({ AAA: -10.000001 }))).code).toBe('invalid_exposure');
    expect(faultOf(strategyOf(() => null)).code).toBe('invalid_targets');
    expect(faultOf(strategyOf(() => [1])).detail).toContain('an array');
  });

  it('takes the cap from limits.max_gross_leverage only when it is larger than the default', () => {
    expect(maxAbsExposureOf(undefined)).toBe(10);
    expect(maxAbsExposureOf({ maxGrossLeverage: 2 })).toBe(10);
    expect(maxAbsExposureOf({ maxGrossLeverage: 25 })).toBe(25);
    expect(
      faultOf(
        strategyOf(() => ({ AAA: 30 })),
        1,
        25,
      ).detail,
    ).toContain('limits.max_gross_leverage');
  });
});

describe('callStrategyInto', () => {
  const symbols = ['AAA', 'BBB'];
  const index = new Map(symbols.map((symbol, i) => [symbol, i]));
  const nan = (): Float64Array => new Float64Array(2).fill(Number.NaN);
  /** A strategy with only onBarInto's behaviour (its onBar is never to be called). */
  function rowStrategy(write: (row: Float64Array) => unknown): Strategy {
    return {
      id: 'mine',
      symbols,
      onBar: () => {
        throw new Error('onBar called although onBarInto is there');
      },
      onBarInto: (_ctx, row) => write(row) as boolean,
    };
  }
  function intoFault(strategy: Strategy, row = nan()): [StrategyFaultError, Float64Array] {
    const ctx = createBarContext(data, symbols).moveTo(1);
    try {
      callStrategyInto(strategy, ctx, DEFAULT_MAX_ABS_EXPOSURE, row, index);
    } catch (error) {
      if (isStrategyFaultError(error)) return [error, row];
      throw error;
    }
    throw new Error('expected a fault');
  }

  it('takes the row of onBarInto, and a record strategy through onBar', () => {
    const ctx = createBarContext(data, symbols).moveTo(0);
    const row = nan();
    const named = rowStrategy((r) => {
      r[1] = -0.25;
      return true;
    });
    expect(callStrategyInto(named, ctx, 10, row, index)).toBe(true);
    expect([...row]).toEqual([Number.NaN, -0.25]);
    // Holding leaves the row all NaN, whatever the strategy wrote into it.
    const held = nan();
    const hold = rowStrategy((r) => {
      r[0] = 1;
      return false;
    });
    expect(callStrategyInto(hold, ctx, 10, held, index)).toBe(false);
    expect([...held]).toEqual([Number.NaN, Number.NaN]);
    const record = nan();
    expect(
      callStrategyInto(
        strategyOf(() => ({ BBB: 0.5 }), symbols),
        ctx,
        10,
        record,
        index,
      ),
    ).toBe(true);
    expect([...record]).toEqual([Number.NaN, 0.5]);
    expect(
      callStrategyInto(
        strategyOf(() => undefined, symbols),
        ctx,
        10,
        nan(),
        index,
      ),
    ).toBe(false);
  });

  it.each([
    [Number.POSITIVE_INFINITY, /exposure Infinity is not a finite number/],
    [-1.7e308, /exposure -1\.7e\+308 is beyond \+-10/],
    [10.000000000000002, /beyond \+-10 \(the largest a sleeve may take: the default, 10\)/],
  ])('refuses exposure %s for the symbol it was written for, the row left all NaN', (x, why) => {
    const [fault, row] = intoFault(
      rowStrategy((r) => {
        r[0] = 0.5;
        r[1] = x;
        return true;
      }),
    );
    expect(fault.code).toBe('invalid_exposure');
    expect(fault.symbols).toEqual(['BBB']);
    expect(fault.message).toMatch(why);
    expect([...row]).toEqual([Number.NaN, Number.NaN]);
  });

  it('refuses an answer that is not true or false, and keeps the user frames of a throw', () => {
    const [bad] = intoFault(rowStrategy(() => 1));
    expect(bad.code).toBe('invalid_targets');
    expect(bad.message).toMatch(/onBarInto returned a number \(expected true or false\)/);
    const [thrown, row] = intoFault(
      rowStrategy((r) => {
        r[0] = 1;
        return userCode();
      }),
    );
    expect(thrown.code).toBe('strategy_threw');
    expect(thrown.message).toMatch(/onBarInto threw TypeError: cannot read x/);
    expect(thrown.userFrames.some((frame) => frame.includes('userCode'))).toBe(true);
    expect(thrown.userFrames.some((frame) => frame.includes('callStrategyInto'))).toBe(false);
    expect([...row]).toEqual([Number.NaN, Number.NaN]);
  });
});
