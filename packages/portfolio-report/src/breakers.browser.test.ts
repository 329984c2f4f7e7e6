// Breaker markers in a real browser (Debian's chromium via playwright-core): a rule per event
// on the equity chart, the paused spans hatched on the allocation chart, offline, no error.
/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countCanvasPixels, openOfflinePage, useChromium } from '@njord/test-kit/browser';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeBreakerResult } from './breakers.test-util.js';
import { REPORT_COLORS } from './palette.js';
import { renderPortfolioReport } from './render.js';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

const browser = useChromium();
beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

/** Pixels of `#chart-<name>`'s canvas near `color`. */
async function pixelsOf(page: Page, name: string, color: string): Promise<number> {
  return (await countCanvasPixels(page, `#chart-${name} canvas`, color)).colored;
}

describe('breaker markers in chromium', { timeout: 240_000 }, () => {
  it('draws a rule per event on the equity chart and hatches the paused spans', async () => {
    const { result } = makeBreakerResult();
    const path = join(ARTIFACTS, 'report-breakers.html');
    writeFileSync(path, renderPortfolioReport(result));
    const { page, context, problems } = await openOfflinePage(browser());
    try {
      await page.goto(pathToFileURL(path).href);
      await page.locator('#chart-equity canvas').waitFor();
      await page.locator('#chart-allocation canvas').waitFor();
      // Four events in range, three spans (two sleeves, the halt).
      expect(await page.getAttribute('#chart-equity', 'data-breaker-markers')).toBe('4');
      expect(await page.getAttribute('#chart-allocation', 'data-paused-spans')).toBe('3');
      // The rules are drawn in their colours (a trip red, the resume green).
      expect(await pixelsOf(page, 'equity', REPORT_COLORS.breaker)).toBeGreaterThan(100);
      expect(await pixelsOf(page, 'equity', REPORT_COLORS.resume)).toBeGreaterThan(50);
      expect(await page.locator('#breakers-table tbody tr').count()).toBe(4);
      await page
        .locator('#equity')
        .screenshot({ path: join(ARTIFACTS, 'report-breakers-equity.png') });
      await page
        .locator('#allocation')
        .screenshot({ path: join(ARTIFACTS, 'report-breakers-allocation.png') });
      // Zoomed to bars 150-250, only the second trip is in range.
      const [from, to] = [150, 250].map(
        (bar) => Number((result.equityCurve[bar]?.timestampNs ?? 0n) / 1_000_000n) / 1000,
      );
      await page.evaluate(
        ([min, max]) =>
          (
            window as unknown as {
              njordReport: { charts: { equity: { setScale(k: string, r: object): void } } };
            }
          ).njordReport.charts.equity.setScale('x', { min, max }),
        [from, to] as const,
      );
      expect(await page.getAttribute('#chart-equity', 'data-breaker-markers')).toBe('1');
      expect(problems).toEqual({ console: [], requests: [], dialogs: [] });
    } finally {
      await context.close();
    }
  });
});
