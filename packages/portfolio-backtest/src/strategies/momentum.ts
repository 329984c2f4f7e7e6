// momentum: every `rebalance_every` bars, hold the best half of the symbols by `lookback`-bar return.
import { z } from 'zod';
import type { BarContext } from '../strategy.js';
import { RowStrategy } from './row-strategy.js';

/** `lookback` (63) and `rebalance_every` (21), in bars, each 1..1e6. */
export const MomentumParamsSchema = z.strictObject({
  lookback: z.int().min(1).max(1_000_000).default(63).describe('bars of the ranking return'),
  rebalance_every: z.int().min(1).max(1_000_000).default(21).describe('bars between rebalances'),
});
export type MomentumParams = z.output<typeof MomentumParamsSchema>;

/**
 * On its first call and every `rebalance_every` steps after it: rank the symbols by
 * their return over their last `lookback` own bars (last close / the close `lookback`
 * bars before - 1; a symbol needs lookback + 1 bars so far); the top ceil(n/2) with a
 * return > 0 get 1/ceil(n/2) each, every other symbol 0 (n = all the strategy's
 * symbols, so a slot without a positive candidate stays in cash). Ties keep symbol
 * order. Between rebalances it holds (undefined).
 */
export class MomentumStrategy extends RowStrategy {
  readonly kind = 'momentum';
  readonly #lookback: number;
  readonly #every: number;
  readonly #slots: number;
  /** Per symbol, a ring of its last lookback + 1 closes. */
  readonly #rings: Float64Array[];
  readonly #counts: Float64Array;
  /** Per symbol, where its ring takes the next close (count % (lookback + 1), kept). */
  readonly #heads: Int32Array;
  readonly #returns: Float64Array;
  readonly #order: Int32Array;
  #firstStep = -1;
  #nextStep = 0;

  constructor(id: string, symbols: readonly string[], params: MomentumParams) {
    super(id, symbols, params);
    this.#lookback = params.lookback;
    this.#every = params.rebalance_every;
    this.#slots = Math.ceil(symbols.length / 2);
    this.#rings = symbols.map(() => new Float64Array(params.lookback + 1));
    this.#counts = new Float64Array(symbols.length);
    this.#heads = new Int32Array(symbols.length);
    this.#returns = new Float64Array(symbols.length);
    this.#order = new Int32Array(symbols.length);
  }

  protected advance(ctx: BarContext, row: Float64Array): void {
    const step = ctx.step;
    const count = this.symbols.length;
    const size = this.#lookback + 1;
    for (let i = 0; i < count; i++) {
      const close = ctx.close[i] as Float64Array;
      const ring = this.#rings[i] as Float64Array;
      let n = this.#counts[i] as number;
      let head = this.#heads[i] as number;
      for (let t = this.#nextStep; t <= step; t++) {
        const c = close[t] as number;
        if (c !== c) continue;
        ring[head] = c;
        head = head + 1 === size ? 0 : head + 1;
        n++;
      }
      this.#counts[i] = n;
      this.#heads[i] = head;
    }
    this.#nextStep = step + 1;
    if (this.#firstStep < 0) this.#firstStep = step;
    if ((step - this.#firstStep) % this.#every !== 0) return;
    const returns = this.#returns;
    const order = this.#order;
    for (let i = 0; i < count; i++) {
      const n = this.#counts[i] as number;
      const ring = this.#rings[i] as Float64Array;
      const head = this.#heads[i] as number;
      // With n >= size closes, the newest is just before the head and the one lookback bars
      // before it at the head.
      returns[i] =
        n >= size
          ? (ring[head === 0 ? size - 1 : head - 1] as number) / (ring[head] as number) - 1
          : Number.NaN;
      order[i] = i;
    }
    // Insertion sort by return, descending; NaN last; stable, so ties keep symbol order.
    for (let a = 1; a < count; a++) {
      const item = order[a] as number;
      const value = returns[item] as number;
      let b = a - 1;
      while (b >= 0 && isBefore(value, returns[order[b] as number] as number)) {
        order[b + 1] = order[b] as number;
        b--;
      }
      order[b + 1] = item;
    }
    row.fill(0);
    const weight = 1 / this.#slots;
    for (let rank = 0; rank < this.#slots; rank++) {
      const i = order[rank] as number;
      if ((returns[i] as number) > 0) row[i] = weight;
    }
  }
}

/** Whether return `a` ranks strictly before `b` (higher first, NaN last). */
function isBefore(a: number, b: number): boolean {
  if (a !== a) return false;
  if (b !== b) return true;
  return a > b;
}
