// Combinations of a grid: the cartesian product in file order, the constraints, the seeded
// subset, each one's id and its portfolio config.
import { SeededRandom } from '@njord/portfolio-backtest';
import {
  ContractError,
  type PortfolioConfig,
  safeParsePortfolioConfig,
} from '@njord/portfolio-contracts';
import {
  getParameter,
  ParameterPathError,
  setParameter,
  type WirePortfolio,
} from './config-paths.js';
import type { SweepConstraint, SweepGrid } from './grid.js';
import { combinationId } from './hash.js';

export interface Combination {
  /** Position in the sweep, 0-based: the column order of the overfitting figures. */
  readonly index: number;
  readonly id: string;
  /** The value of each parameter, in the grid's order. */
  readonly params: ReadonlyMap<string, unknown>;
  /** The portfolio with the parameters applied, wire form (`{portfolio: ...}` inside). */
  readonly portfolio: WirePortfolio;
  readonly config: PortfolioConfig;
}

export interface ExpandedGrid {
  readonly combinations: Combination[];
  /** Size of the full product, before constraints and sampling. */
  readonly product: number;
  /** How many the constraints removed. */
  readonly rejected: number;
}

/** The cartesian product of the grid's parameter lists; the first parameter varies slowest. */
export function* cartesianProduct(
  parameters: ReadonlyMap<string, readonly unknown[]>,
): Generator<Map<string, unknown>> {
  const paths = [...parameters.keys()];
  const lists = paths.map((p) => parameters.get(p) as readonly unknown[]);
  const sizes = lists.map((l) => l.length);
  if (sizes.some((s) => s === 0)) return;
  const position = sizes.map(() => 0);
  for (;;) {
    const params = new Map<string, unknown>();
    paths.forEach((path, k) => params.set(path, lists[k]?.[position[k] as number]));
    yield params;
    let k = paths.length - 1;
    while (k >= 0) {
      position[k] = (position[k] as number) + 1;
      if ((position[k] as number) < (sizes[k] as number)) break;
      position[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

function compare(left: unknown, op: SweepConstraint['op'], right: unknown): boolean {
  if (op === '==' || op === '!=') {
    const equal = JSON.stringify(left ?? null) === JSON.stringify(right ?? null);
    return op === '==' ? equal : !equal;
  }
  if (typeof left !== 'number' || typeof right !== 'number') return false;
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>=':
      return left >= right;
    case '>':
      return left > right;
  }
}

/** Whether a portfolio (parameters applied) satisfies a constraint; orderings need numbers on both sides. */
export function satisfies(portfolio: WirePortfolio, constraint: SweepConstraint): boolean {
  const left = getParameter(portfolio, constraint.left);
  const right =
    typeof constraint.right === 'number'
      ? constraint.right
      : getParameter(portfolio, constraint.right);
  return compare(left, constraint.op, right);
}

/** `count` distinct positions of [0, n), seeded, ascending. */
export function sampleIndices(n: number, count: number, seed: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  const random = new SeededRandom(seed);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random.next() * (n - i));
    const swap = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = swap;
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

/** The most combinations (the product of every parameter's values) a grid may have. */
export const MAX_GRID_COMBINATIONS = 100_000;

/**
 * Every combination of the grid over `base` (a portfolio's wire form): product, constraints,
 * then the seeded sample. Throws a ContractError naming the parameter and the combination when
 * a path does not apply or a resulting config is invalid.
 */
export function expandGrid(grid: SweepGrid, base: WirePortfolio): ExpandedGrid {
  // Every combination of the grid is built (a portfolio each) before constraints and a sample
  // choose among them: a product past the limit is refused at once, not after minutes and
  // gigabytes.
  const sizes = [...grid.parameters.values()].map((values) => values.length);
  const size = sizes.reduce((a, b) => a * b, 1);
  if (size > MAX_GRID_COMBINATIONS) {
    throw new ContractError([
      {
        path: 'sweep.parameters',
        message: `the grid has ${size.toLocaleString('en-US')} combinations (${sizes.join(' x ')} values), more than the ${MAX_GRID_COMBINATIONS.toLocaleString('en-US')} a sweep expands${grid.sample === undefined ? '' : ' (a sample is drawn from the expanded grid)'}: use fewer values`,
      },
    ]);
  }
  const kept: { params: Map<string, unknown>; portfolio: WirePortfolio }[] = [];
  let product = 0;
  for (const params of cartesianProduct(grid.parameters)) {
    product++;
    const portfolio = structuredClone(base);
    for (const [path, value] of params) {
      try {
        setParameter(portfolio, path, value);
      } catch (error) {
        if (error instanceof ParameterPathError) {
          throw new ContractError([{ path: `sweep.parameters.${path}`, message: error.message }]);
        }
        throw error;
      }
    }
    if (grid.constraints.every((c) => satisfies(portfolio, c))) kept.push({ params, portfolio });
  }
  const rejected = product - kept.length;
  if (kept.length === 0) {
    throw new ContractError([
      {
        path: 'sweep.constraints',
        message: `no combination of the ${product} satisfies the constraints (an ordering needs numbers on both sides)`,
      },
    ]);
  }
  const chosen =
    grid.sample === undefined
      ? kept
      : sampleIndices(kept.length, grid.sample.count, grid.sample.seed).map(
          (i) => kept[i] as (typeof kept)[number],
        );
  const combinations = chosen.map(({ params, portfolio }, index) => {
    const parsed = safeParsePortfolioConfig({ portfolio });
    if (!parsed.success) {
      const what = [...params].map(([p, v]) => `${p}=${JSON.stringify(v)}`).join(', ');
      throw new ContractError(
        parsed.error.issues.map((issue) => ({
          path: issue.path,
          message: `${issue.message} (combination ${index}: ${what})`,
        })),
      );
    }
    return { index, id: combinationId(params), params, portfolio, config: parsed.data };
  });
  return { combinations, product, rejected };
}
