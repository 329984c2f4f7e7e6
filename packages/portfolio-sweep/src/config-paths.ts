// Parameter paths over the portfolio's wire config: `allocations.<strategy_id>.…` addresses an
// allocation by id, `weights` sets whole weight vectors, `null` removes a key.

/** A portfolio in wire form: the inside of `{portfolio: {...}}`. */
export type WirePortfolio = Record<string, unknown>;

export class ParameterPathError extends Error {
  readonly _tag = 'ParameterPathError' as const;
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'ParameterPathError';
  }
}

/** Keys a path never walks: through them a write would reach Object.prototype. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'prototype',
  'constructor',
]);

/** Throws unless every segment of `path` is a non-empty key other than FORBIDDEN_SEGMENTS. */
function checkSegments(path: string, segments: readonly string[]): void {
  if (segments.some((s) => s.length === 0 || FORBIDDEN_SEGMENTS.has(s)))
    throw new ParameterPathError(
      path,
      'must be dot-separated non-empty keys (no __proto__, prototype or constructor)',
    );
}

/** The parameter naming whole weight vectors: `{strategy_id: target_weight, ...}`. */
export const WEIGHTS_PARAMETER = 'weights';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function allocationsOf(portfolio: WirePortfolio, path: string): Record<string, unknown>[] {
  const allocations = portfolio.allocations;
  if (!Array.isArray(allocations))
    throw new ParameterPathError(path, 'the portfolio has no allocations');
  return allocations as Record<string, unknown>[];
}

function findAllocation(
  portfolio: WirePortfolio,
  strategyId: string,
  path: string,
): Record<string, unknown> {
  const allocations = allocationsOf(portfolio, path);
  const found = allocations.find((a) => isObject(a) && a.strategy_id === strategyId);
  if (found === undefined) {
    const ids = allocations.map((a) => JSON.stringify(a.strategy_id)).join(', ');
    throw new ParameterPathError(
      path,
      `no allocation with strategy_id ${JSON.stringify(strategyId)} (the portfolio has ${ids})`,
    );
  }
  return found;
}

/** Sets (or with `null` removes) `path` in `portfolio`, in place. */
export function setParameter(portfolio: WirePortfolio, path: string, value: unknown): void {
  if (path === WEIGHTS_PARAMETER) {
    if (!isObject(value)) {
      throw new ParameterPathError(path, 'must be an object of strategy_id: target_weight');
    }
    for (const [id, weight] of Object.entries(value)) {
      findAllocation(portfolio, id, `${path}.${id}`).target_weight = weight;
    }
    return;
  }
  const segments = path.split('.');
  // The grid file's paths are checked when it is read; this guards every other caller.
  checkSegments(path, segments);
  let node: unknown = portfolio;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i] as string;
    const at = segments.slice(0, i + 1).join('.');
    if (segment === 'allocations' && i === 0) {
      const id = segments[i + 1];
      if (id === undefined || i + 1 === segments.length - 1) {
        throw new ParameterPathError(
          path,
          'name a key inside an allocation: allocations.<strategy_id>.<key>',
        );
      }
      node = findAllocation(portfolio, id, path);
      i++;
      continue;
    }
    if (Array.isArray(node)) {
      const index = Number(segment);
      if (!Number.isInteger(index) || index < 0 || index >= node.length) {
        throw new ParameterPathError(path, `${at} is a list: use an index below ${node.length}`);
      }
      node = node[index];
      continue;
    }
    if (!isObject(node))
      throw new ParameterPathError(path, `${at} is inside a value that is not an object`);
    let next = node[segment];
    if (next === undefined || next === null) {
      if (value === null) return;
      // An allocation without a strategy spec runs the strategy registered under its id.
      next =
        i === 2 && segments[0] === 'allocations' && segment === 'strategy'
          ? { kind: node.strategy_id }
          : {};
      node[segment] = next;
    }
    node = next;
  }
  const last = segments[segments.length - 1] as string;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= node.length) {
      throw new ParameterPathError(path, `the list has ${node.length} item(s)`);
    }
    if (value === null) throw new ParameterPathError(path, 'null cannot remove a list item');
    node[index] = value;
    return;
  }
  if (!isObject(node)) throw new ParameterPathError(path, 'its parent is not an object');
  if (value === null) delete node[last];
  else node[last] = value;
}

/** The value at `path` (`weights.<id>` reads an allocation's target_weight); undefined when absent. */
export function getParameter(portfolio: WirePortfolio, path: string): unknown {
  const segments = path.split('.');
  if (segments[0] === WEIGHTS_PARAMETER && segments.length === 2) {
    const allocations = portfolio.allocations;
    if (!Array.isArray(allocations)) return undefined;
    const found = (allocations as unknown[]).find(
      (a) => isObject(a) && a.strategy_id === segments[1],
    ) as Record<string, unknown> | undefined;
    return found?.target_weight;
  }
  let node: unknown = portfolio;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (
      segment === 'allocations' &&
      i === 0 &&
      Array.isArray(node === portfolio ? portfolio.allocations : undefined)
    ) {
      const id = segments[i + 1];
      node = (portfolio.allocations as unknown[]).find((a) => isObject(a) && a.strategy_id === id);
      i++;
      continue;
    }
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node) && Object.prototype.hasOwnProperty.call(node, segment))
      node = node[segment];
    else return undefined;
  }
  return node;
}
