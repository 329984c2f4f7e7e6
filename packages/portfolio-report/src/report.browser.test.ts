// The report in a real browser (Debian's chromium via playwright-core): offline, drawn, interactive, safe.
/// <reference lib="dom" />
// (DOM types for the code the test runs inside the page through page.evaluate.)
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CanvasPixels,
  countCanvasPixels,
  openOfflinePage,
  type PageProblems,
  useChromium,
} from '@njord/test-kit/browser';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeBacktestResult } from './fixture.test-util.js';
import { renderPortfolioReport } from './render.js';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const CHARTS = ['equity', 'drawdown', 'allocation', 'drift'] as const;

interface OpenedReport {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: PageProblems;
  readonly loadMs: number;
  readonly bytes: number;
}

const browser = useChromium();
beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

/** Writes the page under test-artifacts/ and opens it with every non-local request aborted and recorded. */
async function openReport(html: string, name: string): Promise<OpenedReport> {
  const path = join(ARTIFACTS, `${name}.html`);
  writeFileSync(path, html);
  const { page, context, problems } = await openOfflinePage(browser());
  const started = performance.now();
  await page.goto(pathToFileURL(path).href);
  await page.waitForFunction(() => document.documentElement.dataset.reportReady === 'true', null, {
    timeout: 60_000,
  });
  const loadMs = performance.now() - started;
  return { page, context, problems, loadMs, bytes: statSync(path).size };
}

/** Pixels of each chart's canvas near a colour the chart must draw, and all non-transparent pixels. */
async function countChartPixels(
  page: Page,
  names: readonly string[] = CHARTS,
): Promise<Record<string, CanvasPixels>> {
  const colors = await page.evaluate(
    () =>
      (
        window as unknown as {
          njordReport: { data: { colors: { portfolio: string; strategies: string[] } } };
        }
      ).njordReport.data.colors,
  );
  const wanted = (name: string): string => {
    // The targets panels (targets-<k>) draw in their strategy's colour.
    const panel = /^targets-(\d+)$/.exec(name);
    if (panel) return colors.strategies[Number(panel[1])] ?? colors.portfolio;
    return name === 'allocation' || name === 'drift'
      ? (colors.strategies[0] ?? colors.portfolio)
      : colors.portfolio;
  };
  const out: Record<string, CanvasPixels> = {};
  for (const name of names) {
    out[name] = await countCanvasPixels(page, `#chart-${name} canvas`, wanted(name));
  }
  return out;
}

function expectClean(problems: PageProblems): void {
  expect(problems.console).toEqual([]);
  expect(problems.requests).toEqual([]);
  expect(problems.dialogs).toEqual([]);
}

describe('the report in chromium', { timeout: 240_000 }, () => {
  it('has a harness that sees a request and a dialog (so the checks below can fail)', async () => {
    // No CSP here: the image request reaches the route and is aborted, the handler opens a dialog.
    const html =
      '<!doctype html><p>probe</p><img src="http://198.51.100.7/x.png" onerror="alert(1)"><script>document.documentElement.dataset.reportReady = "true"</script>';
    const { context, problems } = await openReport(html, 'harness-probe');
    try {
      await expect.poll(() => problems.dialogs.length).toBe(1);
      expect(problems.requests.some((url) => url.startsWith('http://198.51.100.7/'))).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('loads offline with no error, draws every chart, marks every rebalance, fills the tables', async () => {
    const result = makeBacktestResult({
      bars: 5000,
      rebalanceEvery: 1,
      exerciseStatuses: true,
      description:
        'Example portfolio: three strategies (40/35/25), rebalanced on 5% drift or every 24 hours.',
    });
    const html = renderPortfolioReport(result);
    const { page, context, problems, loadMs, bytes } = await openReport(html, 'report-5000');
    console.log(
      `5,000-bar report: ${(bytes / 1e6).toFixed(2)} MB, ready in chromium after ${loadMs.toFixed(0)} ms`,
    );
    try {
      expectClean(problems);

      const pixels = await countChartPixels(page);
      // No base targets in this result: no targets chart.
      expect(await page.locator('#chart-targets, [id^="chart-targets-"]').count()).toBe(0);
      for (const name of CHARTS) {
        const chart = pixels[name];
        // The chart's own colour is drawn (not just axes), and the canvas is not blank.
        expect(chart?.colored, name).toBeGreaterThan(300);
        expect(chart?.painted, name).toBeGreaterThan((chart?.total ?? 0) * 0.02);
      }

      const rebalanceCount = result.rebalances.length;
      for (const name of CHARTS) {
        const markers = await page.getAttribute(`#chart-${name}`, 'data-rebalance-markers');
        expect(Number(markers), name).toBe(rebalanceCount);
        expect(
          Number(await page.getAttribute(`#chart-${name}`, 'data-marker-pixels')),
          name,
        ).toBeGreaterThan(100);
      }

      // Tables: first page of each, and the pager counts every row.
      const tradeRows = result.rebalances.reduce(
        (sum, r) => sum + r.trades.length + (r.internalFills?.length ?? 0) + r.skipped.length,
        0,
      );
      expect(await page.locator('#rebalances-table tbody tr').count()).toBe(25);
      expect(await page.locator('#trades-table tbody tr').count()).toBe(50);
      const format = (n: number) => n.toLocaleString('en-US');
      expect(await page.locator('[data-table="rebalances"] .pager-info').innerText()).toBe(
        `Rows 1–25 of ${format(rebalanceCount)}`,
      );
      expect(await page.locator('[data-table="trades"] .pager-info').innerText()).toBe(
        `Rows 1–50 of ${format(tradeRows)}`,
      );
      await page.locator('[data-table="rebalances"] button[data-action="last"]').click();
      const lastPageRows = rebalanceCount % 25 || 25;
      expect(await page.locator('#rebalances-table tbody tr').count()).toBe(lastPageRows);
      expect(
        await page.locator('#rebalances-table tbody tr').last().locator('td').first().innerText(),
      ).toBe(format(rebalanceCount));
      await page.locator('#metrics-table').waitFor();
      expect(await page.locator('#metrics-table tbody tr').count()).toBe(12);

      await page.screenshot({ path: join(ARTIFACTS, 'report-5000.png'), fullPage: true });
      await page.locator('#equity').screenshot({ path: join(ARTIFACTS, 'report-5000-equity.png') });

      // Log scale: the y scale switches to log and the chart is drawn again.
      await page.locator('#log-scale-toggle').check();
      const distribution = await page.evaluate(
        () =>
          (
            window as unknown as {
              njordReport: { charts: { equity: { scales: { y: { distr: number } } } } };
            }
          ).njordReport.charts.equity.scales.y.distr,
      );
      expect(distribution).toBe(3);
      expect((await countChartPixels(page)).equity?.colored).toBeGreaterThan(300);
      await page
        .locator('#equity')
        .screenshot({ path: join(ARTIFACTS, 'report-5000-equity-log.png') });
      await page.locator('#log-scale-toggle').uncheck();
      expect(
        await page.evaluate(
          () =>
            (
              window as unknown as {
                njordReport: { charts: { equity: { scales: { y: { distr: number } } } } };
              }
            ).njordReport.charts.equity.scales.y.distr,
        ),
      ).toBe(1);

      // Print: the controls hide and the charts take the page's width (A4 at 96 dpi is 794 px wide).
      await page.setViewportSize({ width: 794, height: 1123 });
      await page.emulateMedia({ media: 'print' });
      await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
      expect(await page.locator('.table-controls').first().isVisible()).toBe(false);
      const printWidth = await page.evaluate(
        () => document.querySelector('#chart-equity .uplot')?.getBoundingClientRect().width,
      );
      expect(printWidth).toBe(700);
      await page.screenshot({ path: join(ARTIFACTS, 'report-5000-print.png'), fullPage: true });
      await page.pdf({
        path: join(ARTIFACTS, 'report-5000.pdf'),
        format: 'A4',
        printBackground: true,
      });
      await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
      await page.emulateMedia({ media: 'screen' });
      expect(statSync(join(ARTIFACTS, 'report-5000.pdf')).size).toBeGreaterThan(10_000);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it('draws the risk-adjusted targets against their base, offline and without error', async () => {
    const result = makeBacktestResult({
      bars: 5000,
      rebalanceEvery: 1,
      baseTargets: true,
      adjustEveryBars: 7,
      seed: 3,
      description:
        'Example portfolio with risk-adjusted targets: sharpe_drawdown over 90 days, re-weighted weekly.',
    });
    const html = renderPortfolioReport(result);
    const { page, context, problems, loadMs, bytes } = await openReport(html, 'report-risk');
    console.log(
      `5,000-bar risk-adjusted report: ${(bytes / 1e6).toFixed(2)} MB, ready in chromium after ${loadMs.toFixed(0)} ms`,
    );
    try {
      expectClean(problems);
      const panels = ['targets-0', 'targets-1', 'targets-2'];
      const pixels = await countChartPixels(page, [...CHARTS, ...panels]);
      for (const name of [...CHARTS, ...panels]) {
        const chart = pixels[name];
        expect(chart?.colored, name).toBeGreaterThan(300);
        expect(chart?.painted, name).toBeGreaterThan((chart?.total ?? 0) * 0.02);
      }
      for (const name of panels) {
        expect(Number(await page.getAttribute(`#chart-${name}`, 'data-rebalance-markers'))).toBe(
          result.rebalances.length,
        );
      }
      // Each panel: its strategy's base (dashed) and risk-adjusted (solid) series, named in its title.
      const panelSeries = await page.evaluate(() => {
        const report = (
          window as unknown as {
            njordReport: { charts: Record<string, { series: { label?: string }[] }> };
          }
        ).njordReport;
        return [0, 1, 2].map((k) => report.charts[`targets-${k}`]?.series.map((s) => s.label));
      });
      for (const labels of panelSeries) expect(labels).toEqual(['Time', 'base', 'risk-adjusted']);
      expect(await page.locator('#chart-targets-1 .u-title').innerText()).toBe('rsi_tema_bb_v1');
      expect(await page.locator('#target-shift').innerText()).toMatch(
        /^The risk adjustment moved the targets off their base on [\d,]+ of 5,000 bars\./,
      );
      expect(await page.locator('#risk-adjustment').innerText()).toContain('sharpe_drawdown');

      // Zooming one chart zooms the panels with it (the shared x scale; uPlot applies it on its next commit).
      interface XScaled {
        setScale: (key: string, range: { min: number; max: number }) => void;
        scales: { x: { min: number; max: number } };
      }
      const range = await page.evaluate(() => {
        const charts = (window as unknown as { njordReport: { charts: Record<string, XScaled> } })
          .njordReport.charts;
        const x = charts.allocation?.scales.x;
        if (!x) throw new Error('no allocation chart');
        const min = x.min + (x.max - x.min) * 0.25;
        const max = x.min + (x.max - x.min) * 0.5;
        charts.allocation?.setScale('x', { min, max });
        return { min, max };
      });
      await expect
        .poll(() =>
          page.evaluate(() => {
            const x = (window as unknown as { njordReport: { charts: Record<string, XScaled> } })
              .njordReport.charts['targets-2']?.scales.x;
            return x ? { min: x.min, max: x.max } : null;
          }),
        )
        .toEqual(range);
      await page.evaluate(() => {
        const charts = (
          window as unknown as {
            njordReport: {
              charts: Record<string, { setData: (d: unknown) => void; data: unknown }>;
            };
          }
        ).njordReport.charts;
        // Back to the whole run: setData with the chart's own data resets the zoom.
        charts.allocation?.setData(charts.allocation.data);
      });

      await page
        .locator('#allocation')
        .screenshot({ path: join(ARTIFACTS, 'report-risk-targets.png') });
      await page
        .locator('#configuration')
        .screenshot({ path: join(ARTIFACTS, 'report-risk-configuration.png') });
      await page.screenshot({ path: join(ARTIFACTS, 'report-risk.png'), fullPage: true });
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it('shows a rebalance on hover (reason, trades, cost) and finds it in the table on click', async () => {
    // Sparse rebalances, so each marker has its own pixels.
    const result = makeBacktestResult({ bars: 2000, rebalanceEvery: 150, threshold: 0.5, seed: 4 });
    const { page, context, problems } = await openReport(
      renderPortfolioReport(result),
      'report-sparse',
    );
    try {
      const pick = 4;
      const target = result.rebalances[pick];
      if (!target) throw new Error('fixture has too few rebalances');
      const point = await page.evaluate((index) => {
        const report = (
          window as unknown as {
            njordReport: {
              charts: Record<
                string,
                { over: HTMLElement; valToPos: (v: number, k: string) => number }
              >;
              data: { rebalances: { time: number[] } };
            };
          }
        ).njordReport;
        const chart = report.charts.drift;
        if (!chart) throw new Error('no drift chart');
        chart.over.scrollIntoView({ block: 'center' });
        const box = chart.over.getBoundingClientRect();
        return {
          x: box.left + chart.valToPos(report.data.rebalances.time[index] ?? 0, 'x'),
          y: box.bottom + 6,
        };
      }, pick);
      await page.mouse.move(point.x, point.y);
      const tip = page.locator('#chart-drift .rebalance-tip');
      await tip.waitFor({ state: 'visible' });
      const text = await tip.innerText();
      expect(text).toContain(`Rebalance ${pick + 1} of ${result.rebalances.length}`);
      expect(text).toContain(target.reason);
      expect(text).toContain(`${target.trades.length} trades`);
      const cost = target.fills.reduce((sum, f) => sum + f.commission + f.slippage, 0);
      expect(text).toContain(
        `cost ${cost.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
      );
      await page.locator('#chart-drift').screenshot({ path: join(ARTIFACTS, 'report-hover.png') });

      await page.mouse.click(point.x, point.y);
      const flashed = page.locator('#rebalances-table tbody tr.flash');
      await flashed.waitFor();
      expect(await flashed.getAttribute('data-rebalance')).toBe(String(pick));
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it('shows a hostile description as text: no dialog, no element, no script', async () => {
    const payload =
      'Hostile </script><script>window.__pwned = 1</script> <img src=x onerror=alert(1)> end';
    const result = makeBacktestResult({ bars: 120, description: payload, rebalanceEvery: 10 });
    const { page, context, problems } = await openReport(
      renderPortfolioReport(result),
      'report-xss',
    );
    try {
      const description = page.locator('#description');
      expect(await description.isVisible()).toBe(true);
      expect(await description.innerText()).toBe(payload);
      expect(await page.locator('img').count()).toBe(0);
      expect(
        await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      expect(await page.locator('script').count()).toBe(3);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it('stays responsive on 1,000,000 bars: downsampled charts, every rebalance kept', async () => {
    const bars = 1_000_000;
    const result = makeBacktestResult({
      bars,
      barSeconds: 60,
      volatility: 0.0008,
      rebalanceEvery: 2000,
      seed: 8,
    });
    const started = performance.now();
    const html = renderPortfolioReport(result);
    const renderMs = performance.now() - started;
    const { page, context, problems, loadMs, bytes } = await openReport(html, 'report-1m');
    console.log(
      `1,000,000-bar report: rendered in ${renderMs.toFixed(0)} ms, ${(bytes / 1e6).toFixed(2)} MB, ready in chromium after ${loadMs.toFixed(0)} ms, ${result.rebalances.length} rebalances`,
    );
    try {
      expectClean(problems);
      const pixels = await countChartPixels(page);
      for (const name of CHARTS) expect(pixels[name]?.colored, name).toBeGreaterThan(300);
      const drawn = await page.evaluate(() => {
        const data = (
          window as unknown as { njordReport: { data: { times: number[][]; maxPoints: number } } }
        ).njordReport.data;
        return { lengths: data.times.map((t) => t.length), maxPoints: data.maxPoints };
      });
      // Equity chart: 6 series, so at most 2 x 1,000 buckets x 6 + 2 ends + every rebalance bar.
      const bound = 2 * (drawn.maxPoints / 2) * 6 + 2 + result.rebalances.length;
      for (const length of drawn.lengths) expect(length).toBeLessThanOrEqual(bound);
      for (const name of CHARTS) {
        expect(Number(await page.getAttribute(`#chart-${name}`, 'data-rebalance-markers'))).toBe(
          result.rebalances.length,
        );
      }
      await page.screenshot({ path: join(ARTIFACTS, 'report-1m.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
