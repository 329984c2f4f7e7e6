import { describe, expect, it } from 'vitest';
import { isSizerError, type SizerError } from './errors.js';
import { PositionSizer } from './sizer.js';
import { makeConfig } from './test-config.test-util.js';

const sizer = new PositionSizer(makeConfig());

function thrown(fn: () => unknown): SizerError {
  try {
    fn();
  } catch (error) {
    if (isSizerError(error)) return error;
    throw error;
  }
  throw new Error('expected a SizerError');
}

describe('PositionSizer.calculatePositionSize', () => {
  it('sizes fractional units from capital x exposure x risk / price', () => {
    // A (risk 1): 10000 x 0.5 x 1 / 40 = 125 units; notional 125 x 40 = 5000; residual 5000 - 5000 = 0
    expect(sizer.calculatePositionSize('A', 'FRAC', 10000, 40, 0.5)).toEqual({
      units: 125,
      notional: 5000,
      residual: 0,
      reason: null,
      limitedBy: null,
    });
  });

  it('applies the strategy risk multiplier', () => {
    // B (risk 0.8): 10000 x 1 x 0.8 / 40 = 200 units
    expect(sizer.calculatePositionSize('B', 'FRAC', 10000, 40).units).toBe(200);
  });

  it('shorts on a negative exposure', () => {
    // 10000 x |-0.5| / 40 = 125 units, short; notional stays positive (5000)
    const size = sizer.calculatePositionSize('A', 'FRAC', 10000, 40, -0.5);
    expect(size.units).toBe(-125);
    expect(size.notional).toBe(5000);
  });

  it('rounds toward zero to the lot and reports the residual', () => {
    // BIG lot 100: 10000 / 30 = 333.3 units = 3.33 lots -> 3 lots = 300 units;
    // notional 300 x 30 = 9000; residual 10000 - 9000 = 1000
    expect(sizer.calculatePositionSize('A', 'BIG', 10000, 30)).toEqual({
      units: 300,
      notional: 9000,
      residual: 1000,
      reason: null,
      limitedBy: null,
    });
  });

  it('counts 0.3 units as 3 lots of 0.1', () => {
    // 3 / 10 = 0.3 units; 0.3 / 0.1 = 2.9999999999999996 -> 3 lots within 1e-9
    expect(sizer.calculatePositionSize('A', 'LOT', 3, 10).units).toBe(0.3);
  });

  it('gives 0 with lot_exceeds_capital when one lot costs more than the capital', () => {
    // BIG lot 100 at 150 costs 15000 > 10000; nothing deployed, residual 10000
    const size = sizer.calculatePositionSize('A', 'BIG', 10000, 150);
    expect(size).toEqual({
      units: 0,
      notional: 0,
      residual: 10000,
      reason: 'lot_exceeds_capital',
      limitedBy: null,
    });
  });

  it('gives 0 below the min notional', () => {
    // MINN (min 500): 400 / 10 = 40 units, notional 400 < 500 -> 0, residual 400
    const size = sizer.calculatePositionSize('A', 'MINN', 400, 10);
    expect(size).toEqual({
      units: 0,
      notional: 0,
      residual: 400,
      reason: 'below_min_notional',
      limitedBy: null,
    });
    // 600 / 10 = 60 units, notional 600 >= 500 -> kept
    expect(sizer.calculatePositionSize('A', 'MINN', 600, 10).units).toBe(60);
  });

  it('gives 0 with zero_capital for no capital or no exposure', () => {
    expect(sizer.calculatePositionSize('A', 'FRAC', 0, 10)).toEqual({
      units: 0,
      notional: 0,
      residual: 0,
      reason: 'zero_capital',
      limitedBy: null,
    });
    expect(sizer.calculatePositionSize('A', 'FRAC', -500, 10).reason).toBe('zero_capital');
    expect(sizer.calculatePositionSize('A', 'FRAC', 1000, 10, 0).reason).toBe('zero_capital');
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'throws invalid_price for price %s',
    (price) => {
      expect(thrown(() => sizer.calculatePositionSize('A', 'FRAC', 1000, price)).code).toBe(
        'invalid_price',
      );
      expect(thrown(() => sizer.roundTrade('FRAC', 1, price)).code).toBe('invalid_price');
    },
  );

  it('throws unknown_strategy and invalid_input', () => {
    expect(thrown(() => sizer.calculatePositionSize('Z', 'FRAC', 1000, 10)).code).toBe(
      'unknown_strategy',
    );
    expect(thrown(() => sizer.calculatePositionSize('A', 'FRAC', Number.NaN, 10)).code).toBe(
      'invalid_input',
    );
    expect(thrown(() => sizer.calculatePositionSize('A', 'FRAC', 1000, 10, Number.NaN)).code).toBe(
      'invalid_input',
    );
  });
});

describe('portfolio limits', () => {
  const limited = new PositionSizer(
    makeConfig({ limits: { max_gross_leverage: 1.5, max_symbol_notional: 20000 } }),
  );

  it('scales down to the gross leverage room', () => {
    // room = 1.5 x 100000 - 140000 = 10000 < budget 30000 -> 10000 / 100 = 100 units;
    // residual 30000 - 10000 = 20000
    const size = limited.calculatePositionSize('A', 'FRAC', 30000, 100, 1, {
      portfolioEquity: 100000,
      grossNotionalElsewhere: 140000,
    });
    expect(size).toEqual({
      units: 100,
      notional: 10000,
      residual: 20000,
      reason: null,
      limitedBy: 'max_gross_leverage',
    });
  });

  it('scales down to the symbol notional room across sleeves, the tighter limit winning', () => {
    // gross room 150000 - 140000 = 10000; symbol room 20000 - 15000 = 5000 (tighter) -> 50 units
    const size = limited.calculatePositionSize('A', 'FRAC', 30000, 100, -1, {
      portfolioEquity: 100000,
      grossNotionalElsewhere: 140000,
      symbolNotionalElsewhere: 15000,
    });
    expect(size.units).toBe(-50);
    expect(size.limitedBy).toBe('max_symbol_notional');
  });

  it('without a context treats the sleeve as the portfolio', () => {
    // leverage room 1.5 x 30000 = 45000 > budget 30000; symbol room 20000 < 30000 -> 200 units
    const size = limited.calculatePositionSize('A', 'FRAC', 30000, 100);
    expect(size.units).toBe(200);
    expect(size.limitedBy).toBe('max_symbol_notional');
  });

  it('gives 0 when a limit is used up', () => {
    // room = max(0, 150000 - 160000) = 0
    const size = limited.calculatePositionSize('A', 'FRAC', 30000, 100, 1, {
      portfolioEquity: 100000,
      grossNotionalElsewhere: 160000,
    });
    expect(size).toEqual({
      units: 0,
      notional: 0,
      residual: 30000,
      reason: 'zero_capital',
      limitedBy: 'max_gross_leverage',
    });
  });

  it('is not limited when the budget fits', () => {
    // budget 10000 < gross room 150000 and < symbol room 20000
    expect(
      limited.calculatePositionSize('A', 'FRAC', 10000, 100, 1, { portfolioEquity: 100000 })
        .limitedBy,
    ).toBeNull();
  });
});

describe('PositionSizer helpers', () => {
  it('reads risk multipliers, lots and min notionals from the config', () => {
    expect(sizer.riskMultiplier('B')).toBe(0.8);
    expect(sizer.lotSize('BIG')).toBe(100);
    expect(sizer.lotSize('FRAC')).toBeUndefined();
    expect(sizer.minNotional('MINN')).toBe(500);
    expect(sizer.minNotional('LOT')).toBe(0);
  });

  it('applies a risk multiplier', () => {
    // 250 x 0.8 = 200
    expect(sizer.applyRiskMultiplier(250, 0.8)).toBe(200);
    expect(thrown(() => sizer.applyRiskMultiplier(250, 0)).code).toBe('invalid_input');
  });

  it('rounds trades to the lot then checks the min notional', () => {
    // -0.35 / 0.1 = -3.5 lots -> -3 lots
    expect(sizer.roundTrade('LOT', -0.35, 10)).toEqual({ quantity: -0.3, reason: null });
    // 0.05 / 0.1 = 0.5 lot -> 0
    expect(sizer.roundTrade('LOT', 0.05, 10)).toEqual({ quantity: 0, reason: 'rounded_to_zero' });
    // MINN: 10 x 10 = 100 < 500 -> skipped; 60 x 10 = 600 >= 500 -> kept
    expect(sizer.roundTrade('MINN', 10, 10)).toEqual({ quantity: 0, reason: 'below_min_notional' });
    expect(sizer.roundTrade('MINN', -60, 10)).toEqual({ quantity: -60, reason: null });
    expect(sizer.roundTrade('FRAC', 0, 10)).toEqual({ quantity: 0, reason: null });
  });
});
