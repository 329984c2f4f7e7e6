// The live dashboard in Debian's Chromium (playwright-core), offline: it shows the test
// portfolio's three sleeves and redraws within a second of a fill arriving, without a reload.
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openOfflinePage, useChromium } from '@njord/test-kit/browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEntries, RECENT_NS, type TestPortfolio } from '../test-support.js';
import { useManagerWithHttp } from '../test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'opsview',
  totalCapital: 90_000,
  threshold: 0.1,
  weights: { trend: 0.5, carry: 0.3, meanrev: 0.2 },
};

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

const browser = useChromium();
beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

describe('the live dashboard', () => {
  const env = useManagerWithHttp('ops-dash');

  it('loads offline, shows three sleeves and updates within a second of a fill', async () => {
    const { base: origin } = await env.startWithHttp(PORTFOLIO);

    // Only the manager's own origin (and data: URLs) may load.
    const { page, context, problems } = await openOfflinePage(browser(), {
      allow: (url) => url.startsWith(`${origin}/`) || url.startsWith('data:'),
    });
    try {
      await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 20_000 });
      await page.waitForFunction(
        () => document.querySelectorAll('#sleeves tbody tr').length === 3,
        undefined,
        { timeout: 10_000 },
      );
      const rows = await page.$$eval('#sleeves tbody tr', (trs) =>
        trs.map((tr) => ({
          id: tr.getAttribute('data-strategy'),
          capital: tr.querySelector('[data-field=capital]')?.textContent,
        })),
      );
      // Funded at target: 0.5, 0.3 and 0.2 of 90,000.
      expect(rows).toEqual([
        { id: 'trend', capital: '45,000' },
        { id: 'carry', capital: '27,000' },
        { id: 'meanrev', capital: '18,000' },
      ]);
      expect(await page.locator('.uplot').count()).toBe(1);
      const updatesBefore = await page.evaluate(
        () => (window as unknown as { njordDashboard: { updates: number } }).njordDashboard.updates,
      );

      // A fill costing trend a fee of 10: its capital becomes 44,990 (the units are worth what was paid).
      const sent = Date.now();
      await addEntries(env.redis, `${env.prefix}:fills`, [
        JSON.stringify({
          fill_id: 'dash-1',
          strategy_id: 'trend',
          symbol: 'XYZ',
          side: 'buy',
          quantity: 10,
          price: 100,
          fee: 10,
          timestamp_ns: String(RECENT_NS),
        }),
      ]);
      await page.waitForFunction(
        () =>
          document.querySelector('#sleeves tr[data-strategy=trend] [data-field=capital]')
            ?.textContent === '44,990',
        undefined,
        { timeout: 1_000 },
      );
      const elapsed = Date.now() - sent;
      expect(elapsed).toBeLessThan(1_000);
      const after = await page.evaluate(() => {
        const state = (window as unknown as { njordDashboard: { updates: number; fills: number } })
          .njordDashboard;
        return { updates: state.updates, fills: state.fills, url: location.href };
      });
      expect(after.updates).toBeGreaterThan(updatesBefore);
      expect(after.fills).toBe(1);
      // No reload: the page is the one loaded first.
      expect(after.url).toBe(`${origin}/`);
      expect(problems).toEqual({ console: [], requests: [], dialogs: [] });
      // For a person to look at (test-artifacts/ is not committed).
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
