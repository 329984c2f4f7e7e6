// trendline_break: a close above the line through the previous highs goes long, below the lows' line flat.
import { z } from 'zod';
import { RollingTrendline } from '../indicators/rolling-trendline.js';
import type { BarContext } from '../strategy.js';
import { RowStrategy } from './row-strategy.js';

/** `lookback` (bars in the fitted line, 2..1e6, default 20). */
export const TrendlineBreakParamsSchema = z.strictObject({
  lookback: z.int().min(2).max(1_000_000).default(20).describe('bars in the fitted line'),
});
export type TrendlineBreakParams = z.output<typeof TrendlineBreakParamsSchema>;

/**
 * For each symbol with a bar at this step and at least `lookback` earlier bars: fit a
 * least-squares line through its previous `lookback` highs (its own bars, gaps skipped)
 * and extrapolate it to this bar; close above it -> long (1/n); else fit the same line
 * through the lows: close below it -> flat (0); else the symbol is not named (hold).
 * Bars before the first call are read on the first call (indicator warm-up).
 */
export class TrendlineBreakStrategy extends RowStrategy {
  readonly kind = 'trendline_break';
  readonly #highs: RollingTrendline[];
  readonly #lows: RollingTrendline[];
  readonly #long: number;
  #nextStep = 0;

  constructor(id: string, symbols: readonly string[], params: TrendlineBreakParams) {
    super(id, symbols, params);
    this.#highs = symbols.map(() => new RollingTrendline(params.lookback));
    this.#lows = symbols.map(() => new RollingTrendline(params.lookback));
    this.#long = 1 / symbols.length;
  }

  protected advance(ctx: BarContext, row: Float64Array): void {
    const step = ctx.step;
    const count = this.symbols.length;
    for (let i = 0; i < count; i++) {
      const close = ctx.close[i] as Float64Array;
      const high = ctx.high[i] as Float64Array;
      const low = ctx.low[i] as Float64Array;
      const highs = this.#highs[i] as RollingTrendline;
      const lows = this.#lows[i] as RollingTrendline;
      for (let t = this.#nextStep; t < step; t++) {
        const c = close[t] as number;
        if (c === c) {
          highs.push(high[t] as number);
          lows.push(low[t] as number);
        }
      }
    }
    for (let i = 0; i < count; i++) {
      const c = (ctx.close[i] as Float64Array)[step] as number;
      if (c !== c) continue;
      const highs = this.#highs[i] as RollingTrendline;
      const lows = this.#lows[i] as RollingTrendline;
      if (highs.isReady) {
        if (c > highs.extrapolate()) {
          row[i] = this.#long;
        } else if (c < lows.extrapolate()) {
          row[i] = 0;
        }
      }
      highs.push((ctx.high[i] as Float64Array)[step] as number);
      lows.push((ctx.low[i] as Float64Array)[step] as number);
    }
    this.#nextStep = step + 1;
  }
}
