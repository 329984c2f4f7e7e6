// buy_and_hold and fixed_weights: exposures given as params.weights.
import { createIdRecord, setId } from '@njord/portfolio-contracts';
import { z } from 'zod';
import type { BarContext, Strategy, StrategyTargets } from '../strategy.js';
import { weightsParam } from '../strategy-params.js';
import { assertForward } from './step-guard.js';

/** `weights`: symbol -> exposure (fraction of the sleeve; any finite number, negative = short). */
export const WeightsParamsSchema = z.strictObject({ weights: weightsParam() });
export type WeightsParams = z.output<typeof WeightsParamsSchema>;

/** `weights` as a record (no prototype: symbols are data) in the order of `symbols`. */
export function weightsInOrder(
  symbols: readonly string[],
  weights: ReadonlyMap<string, number>,
): Record<string, number> {
  const out = createIdRecord<number>();
  for (const symbol of symbols) {
    const weight = weights.get(symbol);
    if (weight !== undefined) out[symbol] = weight;
  }
  return out;
}

/**
 * `buy_and_hold`: each symbol's weight is targeted once, on the first bar (from the
 * first call on) at which that symbol has a bar, then held. A symbol listed later than
 * the first call is bought at its weight of the sleeve's capital at that time.
 */
export class BuyAndHoldStrategy implements Strategy {
  readonly kind = 'buy_and_hold';
  readonly id: string;
  readonly symbols: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
  readonly #weights: Float64Array;
  readonly #pending: Uint8Array;
  #pendingCount: number;
  #lastStep = -1;
  #lastTargets: StrategyTargets | undefined = undefined;

  constructor(id: string, weights: Readonly<Record<string, number>>) {
    this.id = id;
    this.symbols = Object.freeze(Object.keys(weights));
    this.params = Object.freeze({ weights: Object.freeze({ ...weights }) });
    this.#weights = Float64Array.from(this.symbols, (s) => weights[s] as number);
    this.#pending = new Uint8Array(this.symbols.length).fill(1);
    this.#pendingCount = this.symbols.length;
  }

  onBar(ctx: BarContext): StrategyTargets | undefined {
    const step = ctx.step;
    if (step === this.#lastStep) return this.#lastTargets;
    assertForward(this.id, step, this.#lastStep);
    this.#lastStep = step;
    let targets: Record<string, number> | undefined;
    if (this.#pendingCount > 0) {
      for (let i = 0; i < this.symbols.length; i++) {
        if (this.#pending[i] === 1 && ctx.hasBar(i)) {
          this.#pending[i] = 0;
          this.#pendingCount--;
          // A plain object (fast), `__proto__` set as a key like any other.
          setId((targets ??= {}), this.symbols[i] as string, this.#weights[i] as number);
        }
      }
    }
    this.#lastTargets = targets;
    return targets;
  }
}

/** `fixed_weights`: the same exposures on every bar (a constant-mix sleeve); one frozen record, no allocation. */
export class FixedWeightsStrategy implements Strategy {
  readonly kind = 'fixed_weights';
  readonly id: string;
  readonly symbols: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
  readonly #targets: StrategyTargets;

  constructor(id: string, weights: Readonly<Record<string, number>>) {
    this.id = id;
    this.symbols = Object.freeze(Object.keys(weights));
    this.#targets = Object.freeze({ ...weights });
    this.params = Object.freeze({ weights: this.#targets });
  }

  onBar(_ctx: BarContext): StrategyTargets {
    return this.#targets;
  }
}
