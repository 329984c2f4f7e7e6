// What every built-in signal strategy shares: its rule writes one bar's targets into a row
// (`onBarInto`, the engine's path: no record per bar), and `onBar` makes the record form from
// that row, a new record only when the row changed.
import { setId } from '@njord/portfolio-contracts/core';
import type { BarContext, Strategy, StrategyTargets } from '../strategy.js';
import { assertForward } from './step-guard.js';

/**
 * A strategy whose rule is `advance`: called once per step, steps increasing (steps it was not
 * called at are skipped over: the rule catches up on their bars itself), writing the exposure
 * of each symbol it names into `row[i]` (row arrives all NaN: not named); a step that names
 * none holds. Called again at the same step, both forms repeat that step's targets.
 */
export abstract class RowStrategy implements Strategy {
  abstract readonly kind: string;
  readonly id: string;
  readonly symbols: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
  /** The latest step's targets (NaN = not named), and whether it named any (else it held). */
  readonly #row: Float64Array;
  #named = false;
  #lastStep = -1;
  /** The record `onBar` gave last, and the row it was made from. */
  #record: StrategyTargets | undefined = undefined;
  #recordValid = false;
  readonly #recordRow: Float64Array;

  protected constructor(id: string, symbols: readonly string[], params: object) {
    this.id = id;
    this.symbols = Object.freeze([...symbols]);
    this.params = Object.freeze({ ...params });
    this.#row = new Float64Array(symbols.length).fill(Number.NaN);
    this.#recordRow = new Float64Array(symbols.length).fill(Number.NaN);
  }

  /** This step's targets into `row` (all NaN on entry; left so to hold). */
  protected abstract advance(ctx: BarContext, row: Float64Array): void;

  #moveTo(ctx: BarContext): void {
    const step = ctx.step;
    if (step === this.#lastStep) return;
    assertForward(this.id, step, this.#lastStep);
    const row = this.#row;
    row.fill(Number.NaN);
    this.advance(ctx, row);
    let named = false;
    for (let i = 0; i < row.length && !named; i++) named = row[i] === row[i];
    this.#named = named;
    this.#lastStep = step;
  }

  onBarInto(ctx: BarContext, targets: Float64Array): boolean {
    this.#moveTo(ctx);
    if (!this.#named) return false;
    targets.set(this.#row);
    return true;
  }

  onBar(ctx: BarContext): StrategyTargets | undefined {
    this.#moveTo(ctx);
    if (!this.#named) return undefined;
    const row = this.#row;
    const made = this.#recordRow;
    if (this.#recordValid) {
      let same = true;
      for (let i = 0; i < row.length && same; i++) {
        const a = row[i] as number;
        const b = made[i] as number;
        same = a === b || (a !== a && b !== b);
      }
      if (same) return this.#record;
    }
    // A plain object (fast), `__proto__` set as a key like any other. Not frozen (freezing
    // costs more than the record): StrategyTargets is read-only by type.
    const record: Record<string, number> = {};
    for (let i = 0; i < row.length; i++) {
      const exposure = row[i] as number;
      if (exposure === exposure) setId(record, this.symbols[i] as string, exposure);
    }
    made.set(row);
    this.#record = record;
    this.#recordValid = true;
    return record;
  }
}
