// The sweep report in Debian's chromium (playwright-core): offline, no errors, sortable, drawn.
/// <reference lib="dom" />
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSweepResult } from './report-fixture.test-util.js';
import { renderSweepReport } from './report.js';

// A test may point at another chromium; the package itself never reads the environment.
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const dir = mkdtempSync(join(tmpdir(), 'njord-sweep-report-'));
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sweep report in chromium', () => {
  it('opens offline without errors, sorts its table and draws its charts', async () => {
    const result = makeSweepResult();
    const path = join(dir, 'report.html');
    writeFileSync(path, renderSweepReport(result));
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const blocked: string[] = [];
    const errors: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
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
    const path2 = await page.$eval('#walk-forward-curve path', (p) => p.getAttribute('d') ?? '');
    // 200 stitched points, one move and 199 lines.
    expect(path2.split('L')).toHaveLength(200);
    expect(await page.textContent('#pbo')).toBe(result.overfitting.pbo.toFixed(3));
    const box = await page.$eval('#walk-forward-curve', (svg) => svg.getBoundingClientRect().width);
    expect(box).toBeGreaterThan(500);

    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
