// The least-squares line through the last `length` values, extrapolated one step ahead, in O(1).

/**
 * Keeps the last `length` values y_0 (oldest) .. y_{L-1} at x = 0 .. L-1 and gives the
 * value of their least-squares line at x = L (the next bar). The sums Σy and Σxy slide
 * in O(1) and are recomputed exactly from the window whenever it wraps (no drift).
 */
export class RollingTrendline {
  readonly length: number;
  readonly #window: Float64Array;
  #count = 0;
  #head = 0;
  #sumY = 0;
  #sumXY = 0;
  readonly #sumX: number;
  readonly #inverseDenominator: number;

  constructor(length: number) {
    if (!Number.isInteger(length) || length < 2)
      throw new Error(`RollingTrendline: length must be an integer >= 2, got ${length}`);
    this.length = length;
    this.#window = new Float64Array(length);
    this.#sumX = (length * (length - 1)) / 2;
    const sumXX = ((length - 1) * length * (2 * length - 1)) / 6;
    this.#inverseDenominator = 1 / (length * sumXX - this.#sumX * this.#sumX);
  }

  get isReady(): boolean {
    return this.#count >= this.length;
  }

  push(y: number): void {
    const length = this.length;
    const window = this.#window;
    if (this.#count < length) {
      window[this.#count] = y;
      this.#sumXY += this.#count * y;
      this.#sumY += y;
      this.#count++;
      return;
    }
    let head = this.#head;
    const oldest = window[head] as number;
    window[head] = y;
    head++;
    if (head === length) head = 0;
    this.#head = head;
    if (head === 0) {
      // The window is in order again: recompute the sums exactly.
      let sumY = 0;
      let sumXY = 0;
      for (let i = 0; i < length; i++) {
        const v = window[i] as number;
        sumY += v;
        sumXY += i * v;
      }
      this.#sumY = sumY;
      this.#sumXY = sumXY;
    } else {
      // Every remaining value moves one x to the left; the new one lands at x = L - 1.
      this.#sumXY = this.#sumXY - (this.#sumY - oldest) + (length - 1) * y;
      this.#sumY = this.#sumY - oldest + y;
    }
  }

  /** The line's value at x = length (NaN until the window is full). */
  extrapolate(): number {
    const n = this.length;
    if (this.#count < n) return Number.NaN;
    const sumY = this.#sumY;
    const sumX = this.#sumX;
    const slope = (n * this.#sumXY - sumX * sumY) * this.#inverseDenominator;
    return (sumY - slope * sumX) / n + slope * n;
  }
}
