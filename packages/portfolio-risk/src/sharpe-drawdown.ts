// The sharpe_drawdown tilt: base weights times exp(sensitivity x score), renormalized.

/** |Sharpe| above this counts as this (window Sharpes are noisy; keeps one strategy from taking all). */
export const DEFAULT_SHARPE_CAP = 5;
/** Score units per unit of drawdown: a 10% drawdown costs as much as one unit of annualized Sharpe. */
export const DEFAULT_DRAWDOWN_PENALTY = 10;

export interface SharpeDrawdownOptions {
  /** s >= 0: 0 leaves the base weights; larger moves more. */
  readonly sensitivity: number;
  /** Default `DEFAULT_SHARPE_CAP` (5). */
  readonly sharpeCap?: number;
  /** Default `DEFAULT_DRAWDOWN_PENALTY` (10). */
  readonly drawdownPenalty?: number;
}

/** What the tilt reads of one strategy's window. */
export interface TiltInput {
  /** Finite returns in the window; fewer than two keeps the base weight. */
  readonly count: number;
  /** Annualized Sharpe; null (zero volatility) scores 0 for its Sharpe term. */
  readonly sharpe: number | null;
  /** Max drawdown in [-1, 0] (its magnitude is used; null counts as 0). */
  readonly maxDrawdown: number | null;
}

/**
 * score = clamp(sharpe, -cap, cap) - penalty x |maxDrawdown|; non-decreasing in the Sharpe and
 * non-increasing in the drawdown's depth. A null Sharpe (zero volatility) contributes 0.
 */
export function calculateSharpeDrawdownScore(
  sharpe: number | null,
  maxDrawdown: number | null,
  options: Omit<SharpeDrawdownOptions, 'sensitivity'> = {},
): number {
  const cap = options.sharpeCap ?? DEFAULT_SHARPE_CAP;
  const penalty = options.drawdownPenalty ?? DEFAULT_DRAWDOWN_PENALTY;
  const s =
    sharpe === null || sharpe !== sharpe ? 0 : sharpe > cap ? cap : sharpe < -cap ? -cap : sharpe;
  const depth =
    maxDrawdown === null || maxDrawdown !== maxDrawdown ? 0 : Math.min(1, Math.abs(maxDrawdown));
  return s - penalty * depth;
}

/**
 * The sharpe_drawdown weights. Let S be the strategies with base weight b_i > 0 and at least two
 * returns in the window, B_S = sum of their base weights. For i in S:
 *
 *   w_i = B_S x b_i e^(s x score_i) / sum_{j in S} b_j e^(s x score_j)
 *
 * and every other strategy keeps w_i = b_i. So the weights sum to sum(b), a strategy without
 * enough history keeps its base weight exactly, s = 0 returns the base weights, and raising one
 * strategy's score raises its weight relative to every other strategy (never lowers it). Computed
 * as e^(s (score_i - max score)) so nothing overflows; a weight may underflow to 0 only for
 * extreme s x score gaps (> ~700), and the best-scored strategy always keeps weight > 0.
 */
export function calculateSharpeDrawdownWeights(
  baseWeights: ArrayLike<number>,
  inputs: ArrayLike<TiltInput>,
  options: SharpeDrawdownOptions,
): { weights: Float64Array; scores: Float64Array; adjusted: Uint8Array } {
  const n = baseWeights.length;
  const weights = Float64Array.from(baseWeights);
  const scores = new Float64Array(n).fill(Number.NaN);
  const adjusted = new Uint8Array(n);
  let best = -Infinity;
  for (let i = 0; i < n; i++) {
    const input = inputs[i] as TiltInput;
    if (!((baseWeights[i] as number) > 0) || input.count < 2) continue;
    adjusted[i] = 1;
    const score = calculateSharpeDrawdownScore(input.sharpe, input.maxDrawdown, options);
    scores[i] = score;
    if (score > best) best = score;
  }
  const s = options.sensitivity;
  if (s === 0 || best === -Infinity) return { weights, scores, adjusted };
  let baseSum = 0;
  let tiltedSum = 0;
  const tilted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (adjusted[i] === 0) continue;
    const b = baseWeights[i] as number;
    baseSum += b;
    tilted[i] = b * Math.exp(s * ((scores[i] as number) - best));
    tiltedSum += tilted[i] as number;
  }
  for (let i = 0; i < n; i++)
    if (adjusted[i] === 1) weights[i] = ((tilted[i] as number) / tiltedSum) * baseSum;
  return { weights, scores, adjusted };
}
