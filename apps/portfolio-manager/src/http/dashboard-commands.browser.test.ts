// Halting, resuming and pausing from the dashboard in Debian's Chromium (playwright-core), on
// the real Redis: the page's buttons reach the running manager through its commands stream, the
// manager journals the command, /metrics and the page show it; a page of another origin that
// tries the same is refused and writes nothing.
/// <reference lib="dom" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openOfflinePage, useChromium } from '@njord/test-kit/browser';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { redisKeys } from '../adapters/streams.js';
import { readJournalLines, type TestPortfolio, waitFor } from '../test-support.js';
import { useManagerWithHttp } from '../test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'opsctl',
  totalCapital: 90_000,
  threshold: 0.1,
  weights: { trend: 0.5, carry: 0.3, meanrev: 0.2 },
};

const browser = useChromium();

/** `njord_halted` as /metrics says it (one unlabelled sample). */
async function haltedMetric(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const match = /^njord_halted (\S+)$/m.exec(text);
  if (!match) throw new Error('no njord_halted sample');
  return Number(match[1]);
}

/** Clicks a button twice: the first click arms it, the second sends. */
async function confirmClick(page: Page, selector: string, armedLabel: string): Promise<void> {
  await page.click(selector);
  await page.waitForFunction(
    ([query, label]) => document.querySelector(query)?.textContent === label,
    [selector, armedLabel] as const,
    { timeout: 5_000 },
  );
  await page.click(selector);
}

describe('operating the manager from the dashboard', () => {
  let other: Server | undefined;
  const env = useManagerWithHttp('ops-ctl');
  afterEach(async () => {
    await new Promise<void>((resolve) => (other ? other.close(() => resolve()) : resolve()));
    other = undefined;
  });

  async function startWithHttp() {
    const { manager, base, files } = await env.startWithHttp(PORTFOLIO);
    return { manager, origin: base, files };
  }

  it('halts, resumes and pauses a sleeve from the page', async () => {
    const { manager, origin, files } = await startWithHttp();
    const journal = (type: string) =>
      readJournalLines(files.journalPath, PORTFOLIO.id).filter((line) => line.type === type);
    const { page, context, problems } = await openOfflinePage(browser(), {
      allow: (url) => url.startsWith(`${origin}/`) || url.startsWith('data:'),
    });
    try {
      await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 20_000 });
      await page.waitForFunction(
        () => document.querySelector('#halted')?.textContent === 'trading',
      );
      expect(await page.textContent('#halt-toggle')).toBe('Halt portfolio');
      expect(await haltedMetric(origin)).toBe(0);

      // One click only arms the button: nothing is sent.
      await page.click('#halt-toggle');
      expect(await page.textContent('#halt-toggle')).toBe('Confirm halt portfolio');
      expect(await env.redis.xlen(redisKeys(env.prefix, PORTFOLIO.id).commands)).toBe(0);
      await page.click('#halt-toggle');
      await waitFor(() => journal('halt').length === 1, 10_000, 'the halt journalled');
      expect(journal('command')[0]).toMatchObject({ command: 'halt' });
      expect(journal('halt')[0]).toMatchObject({ reason: 'operator' });
      expect(manager.halted).toBe(true);
      expect(await haltedMetric(origin)).toBe(1);
      await page.waitForFunction(
        () => document.querySelector('#halted')?.textContent === 'HALTED',
        {
          timeout: 5_000,
        },
      );
      expect(await page.textContent('#halt-toggle')).toBe('Resume portfolio');
      expect(await page.textContent('#command-status')).toMatch(/^halt sent \(\d+-\d+\)/);

      await confirmClick(page, '#halt-toggle', 'Confirm resume portfolio');
      await waitFor(() => journal('resume').length === 1, 10_000, 'the resume journalled');
      expect(manager.halted).toBe(false);
      expect(await haltedMetric(origin)).toBe(0);
      await page.waitForFunction(
        () => document.querySelector('#halted')?.textContent === 'trading',
        { timeout: 5_000 },
      );

      // Pause carry from its row: the manager pauses it (target 0), the row says so.
      const carry = '#sleeves tr[data-strategy=carry]';
      expect(await page.textContent(`${carry} [data-field=state]`)).toBe('active');
      await confirmClick(page, `${carry} button[data-field=toggle]`, 'Confirm pause');
      await waitFor(() => manager.pausedStrategies.includes('carry'), 10_000, 'carry paused');
      expect(manager.pausedStrategies).toEqual(['carry']);
      await page.waitForFunction(
        (row) => document.querySelector(`${row} [data-field=state]`)?.textContent === 'paused',
        carry,
        { timeout: 5_000 },
      );
      const states = await page.$$eval('#sleeves tbody tr', (trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-strategy'),
          tr.querySelector('[data-field=state]')?.textContent,
          tr.querySelector('button')?.textContent,
        ]),
      );
      expect(states).toEqual([
        ['trend', 'active', 'Pause'],
        ['carry', 'paused', 'Resume'],
        ['meanrev', 'active', 'Pause'],
      ]);
      expect(journal('breaker')[0]).toMatchObject({ strategy_id: 'carry' });
      // The portfolio itself still trades.
      expect(await page.textContent('#halted')).toBe('trading');
      expect(problems).toEqual({ console: [], requests: [], dialogs: [] });
    } finally {
      await context.close();
    }
  });

  it('refuses a page of another origin: a form, a no-cors fetch and a JSON fetch write nothing', async () => {
    const { manager, origin } = await startWithHttp();
    const target = `${origin}/api/halt`;
    // The other site's page: it tries all three at load and reports when done.
    const attack = `<!doctype html><html><body><p id="done">no</p>
<iframe name="sink"></iframe>
<form method="POST" action="${target}" enctype="text/plain" target="sink">
<input name='{"strategy_id":"carry","x":"' value='"}'></form>
<script>
document.forms[0].submit();
Promise.allSettled([
  fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }),
  fetch(${JSON.stringify(target)}, { method: 'POST', headers: { 'content-type': 'application/json', 'x-njord-command': 'halt' }, body: '{}' }),
]).then((results) => { document.getElementById('done').textContent = results.map((r) => r.status).join(','); });
</script></body></html>`;
    const site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(attack);
    });
    other = site;
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const otherOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const { page, context } = await openOfflinePage(browser(), {
      allow: (url) => url.startsWith(`${origin}/`) || url.startsWith(`${otherOrigin}/`),
    });
    try {
      await page.goto(`${otherOrigin}/`, { waitUntil: 'load', timeout: 20_000 });
      // The no-cors fetch resolves (opaque); the JSON one fails its preflight.
      await page.waitForFunction(() => document.getElementById('done')?.textContent !== 'no', {
        timeout: 10_000,
      });
      expect(await page.textContent('#done')).toBe('fulfilled,rejected');
      // The form and the no-cors fetch reached the manager and were refused there.
      await waitFor(
        () => env.log.lines.filter((line) => line.msg === 'http: command refused').length >= 2,
        5_000,
        'two refusals',
      );
      expect(await env.redis.xlen(redisKeys(env.prefix, PORTFOLIO.id).commands)).toBe(0);
      expect(manager.halted).toBe(false);
      expect(manager.pausedStrategies).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
