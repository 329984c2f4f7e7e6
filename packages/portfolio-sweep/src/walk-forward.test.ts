import { describe, expect, it } from 'vitest';
import { stitchSegments, walkForwardEfficiency, walkForwardWindows } from './walk-forward.js';

describe('walkForwardWindows, by hand', () => {
  it('rolling, T = 10, is = 4, oos = 3', () => {
    // k=0: IS [0,4) OOS [4,7); k=1: IS [3,7) OOS [7,10); k=2 would start OOS at 10 = T: stop.
    expect(
      walkForwardWindows(10, { inSampleBars: 4, outOfSampleBars: 3, anchored: false }),
    ).toEqual([
      { isStart: 0, isEnd: 4, oosStart: 4, oosEnd: 7 },
      { isStart: 3, isEnd: 7, oosStart: 7, oosEnd: 10 },
    ]);
  });

  it('rolling, T = 11: the last out-of-sample window is cut at the end', () => {
    // k=2: IS [6,10), OOS [10, min(13, 11)) = [10, 11).
    expect(
      walkForwardWindows(11, { inSampleBars: 4, outOfSampleBars: 3, anchored: false })[2],
    ).toEqual({
      isStart: 6,
      isEnd: 10,
      oosStart: 10,
      oosEnd: 11,
    });
  });

  it('anchored keeps the in-sample start at 0', () => {
    expect(walkForwardWindows(11, { inSampleBars: 4, outOfSampleBars: 3, anchored: true })).toEqual(
      [
        { isStart: 0, isEnd: 4, oosStart: 4, oosEnd: 7 },
        { isStart: 0, isEnd: 7, oosStart: 7, oosEnd: 10 },
        { isStart: 0, isEnd: 10, oosStart: 10, oosEnd: 11 },
      ],
    );
  });

  it('no window when the in-sample part covers the run', () => {
    expect(walkForwardWindows(4, { inSampleBars: 4, outOfSampleBars: 1, anchored: false })).toEqual(
      [],
    );
    expect(() =>
      walkForwardWindows(4, { inSampleBars: 0, outOfSampleBars: 1, anchored: false }),
    ).toThrow();
  });

  it('out-of-sample windows tile the bars after the first in-sample part', () => {
    for (const anchored of [false, true]) {
      const windows = walkForwardWindows(97, { inSampleBars: 20, outOfSampleBars: 7, anchored });
      expect(windows[0]!.oosStart).toBe(20);
      windows.forEach((w, k) => {
        expect(w.isEnd - w.isStart).toBe(anchored ? 20 + 7 * k : 20);
        if (k > 0) expect(w.oosStart).toBe(windows[k - 1]!.oosEnd);
      });
      expect(windows.at(-1)!.oosEnd).toBe(97);
    }
  });
});

describe('stitchSegments', () => {
  it('chains returns from the initial capital', () => {
    // Segment 1 from 100: 110, 121 (+10%, +10%). Segment 2 from 100: 90 (-10%), 99 (+10%).
    // Chained: 110, 121, 121 * 0.9 = 108.9, 108.9 * 1.1 = 119.79.
    const curve = stitchSegments(
      [
        [110, 121],
        [90, 99],
      ],
      100,
    );
    expect(curve[0]).toBeCloseTo(110, 12);
    expect(curve[1]).toBeCloseTo(121, 12);
    expect(curve[2]).toBeCloseTo(108.9, 12);
    expect(curve[3]).toBeCloseTo(119.79, 12);
  });
});

describe('walkForwardEfficiency', () => {
  it('divides by the mean in-sample CAGR, null when that is <= 0', () => {
    // mean(0.2, 0.1) = 0.15; 0.06 / 0.15 = 0.4.
    expect(walkForwardEfficiency(0.06, [0.2, 0.1])).toBeCloseTo(0.4, 12);
    expect(walkForwardEfficiency(0.06, [0.1, -0.1])).toBeNull();
    expect(walkForwardEfficiency(0.06, [0.1, null])).toBeNull();
    expect(walkForwardEfficiency(null, [0.1])).toBeNull();
  });
});
