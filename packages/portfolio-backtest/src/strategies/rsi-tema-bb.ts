// rsi_tema_bb: mean reversion entry (RSI oversold at the lower band, TEMA rising), exit when stretched.
import { z } from 'zod';
import { BollingerBandsWindow } from '../indicators/bollinger-bands.js';
import { TripleEma } from '../indicators/triple-ema.js';
import { WilderRsi } from '../indicators/wilder-rsi.js';
import type { BarContext } from '../strategy.js';
import { RowStrategy } from './row-strategy.js';

const period = z.int().max(1_000_000);

/** The rsi_tema_bb params and their defaults; `overbought` must lie above `oversold`. */
export const RsiTemaBbParamsSchema = z
  .strictObject({
    rsi_period: period.min(2).default(14).describe('Wilder RSI period'),
    oversold: z.number().min(0).max(100).default(30).describe('RSI below this may enter'),
    overbought: z.number().min(0).max(100).default(70).describe('RSI above this exits'),
    bb_period: period.min(2).default(20).describe('Bollinger window'),
    bb_k: z.number().gt(0).default(2).describe('band width in standard deviations'),
    tema_period: period.min(1).default(20).describe('TEMA period'),
  })
  .superRefine((params, context) => {
    if (params.oversold < params.overbought) return;
    context.addIssue({
      code: 'custom',
      path: ['overbought'],
      input: params.overbought,
      message: `must be > oversold (${String(params.oversold)}), got ${String(params.overbought)}`,
    });
  });
export type RsiTemaBbParams = z.output<typeof RsiTemaBbParamsSchema>;

/**
 * Per symbol, on its own closes (gaps skipped), once RSI, the bands and two TEMA
 * values are defined: long (1/n) when RSI < oversold and close <= lower band and
 * TEMA > its previous value; else flat (0) when RSI > overbought or close >= upper
 * band; else not named (hold). Only symbols with a bar at this step are named.
 */
export class RsiTemaBbStrategy extends RowStrategy {
  readonly kind = 'rsi_tema_bb';
  readonly #rsi: WilderRsi[];
  readonly #bands: BollingerBandsWindow[];
  readonly #tema: TripleEma[];
  readonly #previousTema: Float64Array;
  readonly #oversold: number;
  readonly #overbought: number;
  readonly #long: number;
  #nextStep = 0;

  constructor(id: string, symbols: readonly string[], params: RsiTemaBbParams) {
    super(id, symbols, params);
    this.#rsi = symbols.map(() => new WilderRsi(params.rsi_period));
    this.#bands = symbols.map(() => new BollingerBandsWindow(params.bb_period, params.bb_k));
    this.#tema = symbols.map(() => new TripleEma(params.tema_period));
    this.#previousTema = new Float64Array(symbols.length).fill(Number.NaN);
    this.#oversold = params.oversold;
    this.#overbought = params.overbought;
    this.#long = 1 / symbols.length;
  }

  #update(i: number, close: number): void {
    (this.#rsi[i] as WilderRsi).update(close);
    (this.#bands[i] as BollingerBandsWindow).update(close);
    const tema = this.#tema[i] as TripleEma;
    this.#previousTema[i] = tema.value;
    tema.update(close);
  }

  protected advance(ctx: BarContext, row: Float64Array): void {
    const step = ctx.step;
    const count = this.symbols.length;
    for (let i = 0; i < count; i++) {
      const close = ctx.close[i] as Float64Array;
      for (let t = this.#nextStep; t < step; t++) {
        const c = close[t] as number;
        if (c === c) this.#update(i, c);
      }
    }
    for (let i = 0; i < count; i++) {
      const c = (ctx.close[i] as Float64Array)[step] as number;
      if (c !== c) continue;
      this.#update(i, c);
      const previous = this.#previousTema[i] as number;
      if (previous !== previous) continue; // TEMA not yet defined twice
      const rsi = (this.#rsi[i] as WilderRsi).value;
      const bands = this.#bands[i] as BollingerBandsWindow;
      if (rsi !== rsi || !bands.isReady) continue;
      const tema = (this.#tema[i] as TripleEma).value;
      if (rsi < this.#oversold && c <= bands.lower && tema > previous) {
        row[i] = this.#long;
      } else if (rsi > this.#overbought || c >= bands.upper) {
        row[i] = 0;
      }
    }
    this.#nextStep = step + 1;
  }
}
