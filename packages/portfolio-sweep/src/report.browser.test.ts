// The sweep report in Debian's chromium (playwright-core): offline, no errors, sortable, drawn.
/// <reference lib="dom" />
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openOfflinePage, useChromium } from '@njord/test-kit/browser';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSweepResult } from './report-fixture.test-util.js';
import { renderSweepReport } from './report.js';

const dir = mkdtempSync(join(tmpdir(), 'njord-sweep-report-'));
const browser = useChromium();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sweep report in chromium', () => {
  it('opens offline without errors, sorts its table and draws its charts', async () => {
    const result = makeSweepResult();
    const path = join(dir, 'report.html');
    writeFileSync(path, renderSweepReport(result));
    const { page, context, problems } = await openOfflinePage(browser());
    await page.goto(pathToFileURL(path).href);

    // The sharpe column, sorted by a click: ascending, then descending.
    const column = await page.$$eval('#combinations thead th', (ths) =>
      ths.findIndex((th) => th.textContent === 'sharpe'),
    );
    expect(column).toBeGreaterThan(0);
    const read = () =>
      page.$$eval(
        '#combinations tbody tr',
        (rows, k) =>
          rows.map((r) => (r as HTMLTableRowElement).cells[k]!.getAttribute('data-v') ?? ''),
        column,
      );
    const sharpes = result.combinations.map((c) => c.metrics.sharpe);
    await page.click(`#combinations thead th:nth-child(${column + 1})`);
    const ascending = (await read()).map(Number);
    expect(ascending).toEqual([...sharpes].map(Number).sort((a, b) => a - b));
    await page.click(`#combinations thead th:nth-child(${column + 1})`);
    expect((await read()).map(Number)).toEqual([...ascending].reverse());

    // Heatmap: 2 thresholds x 3 lookbacks, each cell the best over the other parameters.
    const heat = await page.$$eval('#heatmap tr', (rows) => rows.length);
    expect(heat).toBe(1 + 3);
    const bars = await page.$$eval(
      '#logits rect',
      (rects) => rects.filter((r) => Number(r.getAttribute('height')) > 0).length,
    );
    expect(bars).toBeGreaterThan(0);
    // The stitched curve, one segment per window in its choice's colour: 200 stitched points,
    // each later segment starting at the point before it (so the line is unbroken).
    const wf = result.walk_forward!;
    const segments = await page.$$eval('#walk-forward-curve path.wf-segment', (paths) =>
      paths.map((p) => ({
        points: (p.getAttribute('d') ?? '').split('L').length,
        combination: Number(p.getAttribute('data-combination')),
        color: p.getAttribute('stroke'),
      })),
    );
    expect(segments.map((s) => s.combination)).toEqual(wf.windows.map((w) => w.best));
    expect(segments.reduce((sum, s) => sum + s.points, 0)).toBe(
      wf.equity_curve.length + wf.windows.length - 1,
    );
    // One colour per distinct choice, and the legend lists each choice once.
    const colors = new Map(segments.map((s) => [s.combination, s.color]));
    expect(new Set(colors.values()).size).toBe(colors.size);
    const legend = await page.$$eval('#walk-forward-legend li', (items) =>
      items.map((li) => Number(li.getAttribute('data-combination'))),
    );
    expect(legend).toEqual([...colors.keys()]);
    // Per window: the choice's in-sample bar and its out-of-sample bar, and a table row
    // naming the choice and its out-of-sample objective.
    const inSampleBars = await page.$$eval(
      '#walk-forward-choices rect.wf-in-sample',
      (r) => r.length,
    );
    const outBars = await page.$$eval(
      '#walk-forward-choices rect.wf-out-of-sample',
      (r) => r.length,
    );
    expect(inSampleBars).toBe(wf.windows.filter((w) => w.is_objective !== null).length);
    expect(outBars).toBe(wf.windows.filter((w) => w.oos_metrics.sharpe !== null).length);
    const rows = await page.$$eval('#windows tbody tr', (trs) =>
      trs.map((tr) =>
        Array.from((tr as HTMLTableRowElement).cells, (c) => c.getAttribute('data-v')),
      ),
    );
    expect(rows.map((r) => Number(r[3]))).toEqual(wf.windows.map((w) => w.best));
    expect(rows.map((r) => (r[6] === '' ? null : Number(r[6])))).toEqual(
      wf.windows.map((w) => w.oos_metrics.sharpe),
    );
    expect(await page.textContent('#pbo')).toBe(result.overfitting.pbo.toFixed(3));
    const box = await page.$eval('#walk-forward-curve', (svg) => svg.getBoundingClientRect().width);
    expect(box).toBeGreaterThan(500);

    expect(problems).toEqual({ console: [], requests: [], dialogs: [] });
    await context.close();
  }, 120_000);
});
