// TEMA = 3·EMA1 - 3·EMA2 + EMA3, updated one price at a time without allocating.

/**
 * Triple exponential moving average with alpha = 2 / (period + 1), chained as in the
 * trading-signals library: EMA1 starts at the first price and counts as settled after
 * `period` prices; EMA2 is fed EMA1 from then on (starting at that value) and settles
 * after `period` of those; EMA3 likewise. `value` is NaN until `3 × (period - 1) + 1`
 * prices are in.
 */
export class TripleEma {
  readonly period: number;
  value = Number.NaN;
  readonly #alpha: number;
  #n1 = 0;
  #n2 = 0;
  #n3 = 0;
  #e1 = 0;
  #e2 = 0;
  #e3 = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1)
      throw new Error(`TripleEma: period must be an integer >= 1, got ${period}`);
    this.period = period;
    this.#alpha = 2 / (period + 1);
  }

  get isReady(): boolean {
    return this.#n3 >= this.period;
  }

  update(price: number): number {
    const a = this.#alpha;
    const b = 1 - a;
    const period = this.period;
    this.#e1 = this.#n1 === 0 ? price : price * a + this.#e1 * b;
    this.#n1++;
    if (this.#n1 < period) return this.value;
    const single = this.#e1;
    this.#e2 = this.#n2 === 0 ? single : single * a + this.#e2 * b;
    this.#n2++;
    if (this.#n2 < period) return this.value;
    const double = this.#e2;
    this.#e3 = this.#n3 === 0 ? double : double * a + this.#e3 * b;
    this.#n3++;
    if (this.#n3 < period) return this.value;
    this.value = 3 * single - 3 * double + this.#e3;
    return this.value;
  }
}
