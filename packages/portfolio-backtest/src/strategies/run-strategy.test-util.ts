// Test helper: drives a strategy over data step by step, the way an engine would.
import type { PriceData } from '../price-data.js';
import { createBarContext, type Strategy, type StrategyTargets } from '../strategy.js';

/** The strategy's output at each step in `steps` (default: every step), copied. */
export function runStrategy(
  strategy: Strategy,
  data: PriceData,
  steps: readonly number[] = Array.from({ length: data.steps }, (_, t) => t),
): (Record<string, number> | undefined)[] {
  const ctx = createBarContext(data, strategy.symbols);
  return steps.map((step) => {
    const targets: StrategyTargets | undefined = strategy.onBar(ctx.moveTo(step));
    return targets === undefined ? undefined : { ...targets };
  });
}

export const days = (count: number): bigint[] =>
  Array.from(
    { length: count },
    (_, t) => 946_857_600_000_000_000n + BigInt(t) * 86_400_000_000_000n,
  );
