// Bollinger bands over a ring buffer of the last `period` prices, O(1) and allocation-free per update.

/**
 * Middle = the mean of the last `period` prices, upper/lower = middle ± k × their
 * population standard deviation (divided by `period`, as Bollinger defines it). NaN
 * until the window is full. The sums slide in O(1) on prices minus a shift (a recent
 * price, so the variance does not cancel catastrophically) and are recomputed exactly
 * from the window each time it wraps, so rounding never accumulates.
 */
export class BollingerBandsWindow {
  readonly period: number;
  readonly k: number;
  middle = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;
  readonly #window: Float64Array;
  #count = 0;
  #head = 0;
  #shift = 0;
  #sum = 0;
  #sumSquares = 0;

  constructor(period: number, k: number) {
    if (!Number.isInteger(period) || period < 1) {
      throw new Error(`BollingerBandsWindow: period must be an integer >= 1, got ${period}`);
    }
    this.period = period;
    this.k = k;
    this.#window = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.#count >= this.period;
  }

  update(price: number): void {
    const window = this.#window;
    const period = this.period;
    if (this.#count < period) {
      if (this.#count === 0) this.#shift = price;
      window[this.#count++] = price;
      const d = price - this.#shift;
      this.#sum += d;
      this.#sumSquares += d * d;
      if (this.#count < period) return;
    } else {
      let head = this.#head;
      const oldest = window[head] as number;
      window[head] = price;
      head++;
      if (head === period) head = 0;
      this.#head = head;
      if (head === 0) {
        // The window is in order again: recompute exactly around its first price.
        const shift = window[0] as number;
        let sum = 0;
        let squares = 0;
        for (let i = 0; i < period; i++) {
          const d = (window[i] as number) - shift;
          sum += d;
          squares += d * d;
        }
        this.#shift = shift;
        this.#sum = sum;
        this.#sumSquares = squares;
      } else {
        const shift = this.#shift;
        const dOld = oldest - shift;
        const dNew = price - shift;
        this.#sum += dNew - dOld;
        this.#sumSquares += dNew * dNew - dOld * dOld;
      }
    }
    const meanOffset = this.#sum / period;
    const variance = this.#sumSquares / period - meanOffset * meanOffset;
    const band = variance > 0 ? this.k * Math.sqrt(variance) : 0;
    const mean = this.#shift + meanOffset;
    this.middle = mean;
    this.upper = mean + band;
    this.lower = mean - band;
  }
}
