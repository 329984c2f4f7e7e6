// Wilder's RSI, updated one price at a time without allocating.

/**
 * RSI with Wilder's smoothing: the first average gain/loss is the simple mean of the
 * first `period` price changes, then `avg += (x - avg) / period`. `value` is NaN until
 * `period + 1` prices are in; 100 when there are no losses, 50 when prices did not move.
 */
export class WilderRsi {
  readonly period: number;
  value = Number.NaN;
  #count = 0;
  #previous = 0;
  #sumGain = 0;
  #sumLoss = 0;
  #avgGain = 0;
  #avgLoss = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1)
      throw new Error(`WilderRsi: period must be an integer >= 1, got ${period}`);
    this.period = period;
  }

  get isReady(): boolean {
    return this.#count > this.period;
  }

  update(price: number): number {
    const count = this.#count++;
    if (count === 0) {
      this.#previous = price;
      return this.value;
    }
    const change = price - this.#previous;
    this.#previous = price;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const period = this.period;
    if (count < period) {
      this.#sumGain += gain;
      this.#sumLoss += loss;
      return this.value;
    }
    if (count === period) {
      this.#avgGain = (this.#sumGain + gain) / period;
      this.#avgLoss = (this.#sumLoss + loss) / period;
    } else {
      this.#avgGain = (gain - this.#avgGain) * (1 / period) + this.#avgGain;
      this.#avgLoss = (loss - this.#avgLoss) * (1 / period) + this.#avgLoss;
    }
    const avgLoss = this.#avgLoss;
    const avgGain = this.#avgGain;
    this.value = avgLoss === 0 ? (avgGain === 0 ? 50 : 100) : 100 - 100 / (1 + avgGain / avgLoss);
    return this.value;
  }
}
