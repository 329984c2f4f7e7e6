// Per-bar long/flat signals -> a targets record, rebuilt only when the signals change.
import { setId } from '@njord/portfolio-contracts/core';
import type { StrategyTargets } from '../strategy.js';

const NONE = -1;

/**
 * Collects one bar's signals (per symbol: long at `longExposure`, flat, or nothing)
 * and returns them as a record. When a bar's signals equal the previous bar's,
 * the previous record is returned again: signal strategies allocate only on change.
 */
export class SignalTargets {
  readonly #symbols: readonly string[];
  readonly #longExposure: number;
  #current: Int8Array;
  #previous: Int8Array;
  #record: StrategyTargets | undefined = undefined;

  constructor(symbols: readonly string[], longExposure: number) {
    this.#symbols = symbols;
    this.#longExposure = longExposure;
    this.#current = new Int8Array(symbols.length).fill(NONE);
    this.#previous = new Int8Array(symbols.length).fill(NONE);
  }

  /** Starts a bar with no signals. */
  begin(): void {
    this.#current.fill(NONE);
  }

  long(i: number): void {
    this.#current[i] = 1;
  }

  flat(i: number): void {
    this.#current[i] = 0;
  }

  /** The bar's targets: undefined when no symbol has a signal. */
  end(): StrategyTargets | undefined {
    const current = this.#current;
    const previous = this.#previous;
    let same = true;
    for (let i = 0; i < current.length; i++) {
      if (current[i] !== previous[i]) {
        same = false;
        break;
      }
    }
    if (same) return this.#record;
    let record: Record<string, number> | undefined;
    for (let i = 0; i < current.length; i++) {
      const signal = current[i] as number;
      // A plain object (fast), `__proto__` set as a key like any other.
      if (signal !== NONE)
        setId((record ??= {}), this.#symbols[i] as string, signal === 1 ? this.#longExposure : 0);
    }
    // Not frozen (freezing costs more than the record): StrategyTargets is read-only by type.
    this.#record = record;
    this.#previous = current;
    this.#current = previous;
    return this.#record;
  }
}
