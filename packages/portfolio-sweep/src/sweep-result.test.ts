import { describe, expect, it } from 'vitest';
import { makeSweepResult } from './report-fixture.test-util.js';
import { probabilityOfOverfitting, returnsFromEquity } from './overfitting.js';
import { renderSweepReport } from './report.js';

describe('assembleSweepResult', () => {
  const result = makeSweepResult();

  it('has the documented shape', () => {
    expect(Object.keys(result)).toEqual([
      'sweep_id',
      'grid',
      'data',
      'versions',
      'objective',
      'timestamps_ns',
      'combinations',
      'best',
      'overfitting',
      'walk_forward',
      'stats',
    ]);
    expect(result.combinations).toHaveLength(6);
    expect(result.timestamps_ns).toHaveLength(400);
    expect(Object.keys(result.overfitting.deflated_sharpe)).toEqual([
      'sharpe',
      'sharpe_0',
      'trials',
      'skew',
      'kurtosis',
      'observations',
      'dsr',
    ]);
  });

  it('computes PBO from the curves it reports', () => {
    const columns = result.combinations.map((c) => returnsFromEquity(c.equity!, 100_000));
    expect(result.overfitting).toMatchObject(probabilityOfOverfitting(columns, 4));
  });

  it('stitches the walk-forward from the out-of-sample windows', () => {
    // T = 400, is = 200, oos = 100: OOS [200,300) and [300,400).
    const wf = result.walk_forward!;
    expect(wf.windows.map((w) => [w.is_start, w.is_end, w.oos_start, w.oos_end])).toEqual([
      [0, 200, 200, 300],
      [100, 300, 300, 400],
    ]);
    expect(wf.equity_curve).toHaveLength(200);
    expect(wf.equity_curve[0]!.timestamp_ns).toBe(result.timestamps_ns[200]);
  });
});

describe('renderSweepReport', () => {
  const html = renderSweepReport(makeSweepResult());

  it('escapes every string and blocks requests', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('synthetic &quot;&lt;data&gt;&quot;.csv');
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/https?:\/\//);
    // One script, the sorter, and nothing else.
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('draws the heatmap over the two varying parameters and the windows', () => {
    expect(html).toContain('id="heatmap"');
    expect(html).toContain('rebalance_threshold');
    expect(html).toContain('id="logits"');
    expect(html).toContain('id="walk-forward-curve"');
  });
});
