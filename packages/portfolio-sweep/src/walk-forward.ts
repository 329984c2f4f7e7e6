// Walk-forward: the in-sample/out-of-sample windows over a run's bars, the stitched
// out-of-sample curve and the walk-forward efficiency.

export interface WalkForwardSettings {
  readonly inSampleBars: number;
  readonly outOfSampleBars: number;
  /** Anchored windows start in-sample at bar 0; rolling ones move it forward by `outOfSampleBars`. */
  readonly anchored: boolean;
}

/** Bar indices into the run, half-open: in-sample [isStart, isEnd), out-of-sample [oosStart, oosEnd). */
export interface WalkForwardWindow {
  readonly isStart: number;
  readonly isEnd: number;
  readonly oosStart: number;
  readonly oosEnd: number;
}

/**
 * Window k: in-sample [k*oos, k*oos + is) (anchored: [0, k*oos + is)), out-of-sample the
 * next `oos` bars, the last one cut at the end; k = 0, 1, ... while out-of-sample bars remain.
 */
export function walkForwardWindows(
  bars: number,
  settings: WalkForwardSettings,
): WalkForwardWindow[] {
  const { inSampleBars: is, outOfSampleBars: oos, anchored } = settings;
  if (!Number.isInteger(is) || is < 1 || !Number.isInteger(oos) || oos < 1) {
    throw new RangeError(`in- and out-of-sample bars must be integers >= 1, got ${is} and ${oos}`);
  }
  const windows: WalkForwardWindow[] = [];
  for (let k = 0; ; k++) {
    const isEnd = k * oos + is;
    if (isEnd >= bars) break;
    windows.push({
      isStart: anchored ? 0 : k * oos,
      isEnd,
      oosStart: isEnd,
      oosEnd: Math.min(isEnd + oos, bars),
    });
  }
  return windows;
}

/**
 * Chains out-of-sample segments (each run from `initialCapital`) into one curve from
 * `initialCapital`: every bar applies its segment's return E_t / E_{t-1} (E_{-1} = initial).
 */
export function stitchSegments(
  segments: readonly ArrayLike<number>[],
  initialCapital: number,
): Float64Array {
  let total = 0;
  for (const segment of segments) total += segment.length;
  const out = new Float64Array(total);
  let equity = initialCapital;
  let k = 0;
  for (const segment of segments) {
    let previous = initialCapital;
    for (let t = 0; t < segment.length; t++) {
      const current = segment[t] as number;
      equity *= current / previous;
      previous = current;
      out[k++] = equity;
    }
  }
  return out;
}

/** The stitched CAGR over the mean in-sample CAGR of the chosen combinations; null when that mean is <= 0 or unknown. */
export function walkForwardEfficiency(
  stitchedCagr: number | null,
  inSampleCagrs: readonly (number | null)[],
): number | null {
  if (stitchedCagr === null || inSampleCagrs.length === 0) return null;
  let sum = 0;
  for (const cagr of inSampleCagrs) {
    if (cagr === null) return null;
    sum += cagr;
  }
  const mean = sum / inSampleCagrs.length;
  if (!(mean > 0)) return null;
  return stitchedCagr / mean;
}
