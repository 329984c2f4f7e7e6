// The rendered page: escaping (also inside the inlined JSON), no outside reference, CSP, size, tables.
import { createHash } from 'node:crypto';
import type { PortfolioBacktestResult } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { makeBacktestResult } from './fixture.test-util.js';
import { prepareReportData } from './prepare.js';
import { REPORT_DATA_ELEMENT_ID, renderPortfolioReport } from './render.js';

const XSS =
  'Momentum sleeve </script><script>window.__pwned = 1</script> and <img src=x onerror=alert(1)> \u2028done';

function scriptBodies(html: string): { attributes: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((match) => ({
    attributes: match[1] ?? '',
    body: match[2] ?? '',
  }));
}

function dataBlock(html: string): unknown {
  const block = scriptBodies(html).find((s) => s.attributes.includes(REPORT_DATA_ELEMENT_ID));
  if (!block) throw new Error('no data block');
  return JSON.parse(block.body);
}

describe('renderPortfolioReport', () => {
  const result = makeBacktestResult({
    bars: 400,
    description: XSS,
    exerciseStatuses: true,
    rebalanceEvery: 5,
  });
  const html = renderPortfolioReport(result);

  it('shows a description with </script> and <img onerror> as text', () => {
    // The escaped form is in the header; the raw markup is nowhere outside the inlined scripts' own code.
    expect(html).toContain(
      'Momentum sleeve &lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt; and &lt;img src=x onerror=alert(1)&gt;',
    );
    expect(html).not.toContain('<img');
    expect(html).not.toContain('window.__pwned = 1</script>');
    // Exactly three script elements: the data, uPlot and the page script; the payload made none.
    const scripts = scriptBodies(html);
    expect(scripts).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('escapes strings inside the inlined JSON and gives the data back intact', () => {
    const hostile: PortfolioBacktestResult = {
      ...result,
      rebalances: result.rebalances.map((r, k) =>
        k === 0 ? { ...r, planId: '</script><!--<img src=x>&\u2029' } : r,
      ),
    };
    const page = renderPortfolioReport(hostile);
    const block = scriptBodies(page).find((s) => s.attributes.includes(REPORT_DATA_ELEMENT_ID));
    expect(block?.body).not.toMatch(/[<>&\u2028\u2029]/);
    expect(dataBlock(page)).toEqual(JSON.parse(JSON.stringify(prepareReportData(hostile))));
  });

  it('inlines everything: no src, no href to anywhere, no @import, no url()', () => {
    expect(html).not.toMatch(
      /<(script|link|img|iframe|audio|video|source|object|embed)\b[^>]*\s(src|href)=/i,
    );
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('allows exactly its two inline scripts by hash and refuses every other source', () => {
    const policy =
      /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
    expect(policy).toContain("default-src 'none'");
    const executable = scriptBodies(html).filter((s) => !s.attributes.includes('application/json'));
    expect(executable).toHaveLength(2);
    for (const script of executable) {
      const hash = createHash('sha256').update(script.body, 'utf8').digest('base64');
      expect(policy).toContain(`'sha256-${hash}'`);
    }
    expect(policy).not.toContain("unsafe-inline' 'sha");
    expect(/script-src ([^;]*)/.exec(policy)?.[1]).not.toContain('unsafe');
  });

  it('shows null metrics as an em dash and formats the rest', () => {
    const page = renderPortfolioReport({
      ...result,
      metrics: {
        ...result.metrics,
        portfolio: {
          ...result.metrics.portfolio,
          sharpe: null,
          totalReturn: 0.1234,
          maxDrawdown: -0.0567,
        },
      },
    });
    // By hand: 0.1234 -> "+12.34%", -0.0567 -> "−5.67%" (a true minus sign), null -> "—".
    expect(page).toMatch(/>Sharpe ratio<\/th><td class="num highlight">\u2014<\/td>/);
    expect(page).toMatch(/>Total return<\/th><td class="num highlight">\+12\.34%<\/td>/);
    expect(page).toMatch(/>Max drawdown<\/th><td class="num highlight">\u22125\.67%<\/td>/);
  });

  it('lists the configuration, the period and the data provenance', () => {
    expect(html).toContain('5.00% relative drift');
    // 5 bars x 24 hours each = 120 hours between frequency rebalances in this fixture.
    expect(html).toContain('every 120 hours');
    expect(html).toContain('1 bps, min 0.50');
    expect(html).toContain(result.data.sha256);
    expect(html).toContain('2000-01-03 \u2192 ');
    for (const id of ['trendline_break_v1', 'rsi_tema_bb_v1', 'momentum_v1'])
      expect(html).toContain(id);
  });

  it('shows that the contributions add up to the total return', () => {
    expect(html).toContain('The contributions add up to the total return');
    const sum = Object.values(result.contribution).reduce((a, b) => a + b, 0);
    const expected = `${sum > 0 ? '+' : '\u2212'}${Math.abs(sum * 100).toFixed(2)}%`;
    expect(html).toContain(`<td class="num" id="contribution-sum">${expected}</td>`);
    expect(html).toContain(`<td class="num" id="contribution-total">${expected}</td>`);
  });

  it('flags contributions that do not add up', () => {
    const page = renderPortfolioReport({
      ...result,
      contribution: { ...result.contribution, momentum_v1: 5 },
    });
    expect(page).toContain('do not add up');
  });

  it('is deterministic and takes the title option', () => {
    expect(renderPortfolioReport(result)).toBe(html);
    const titled = renderPortfolioReport(result, { title: 'Q3 <review>' });
    expect(titled).toContain('<title>Q3 &lt;review&gt;</title>');
  });

  it('renders a result with no bar', () => {
    const page = renderPortfolioReport(makeBacktestResult({ bars: 0 }));
    expect(page).toContain('no bars');
    expect(dataBlock(page)).toMatchObject({ bars: 0 });
  });

  it('keeps a 5,000-bar x 3-strategy report with a rebalance every bar under 3 MB', () => {
    const big = makeBacktestResult({ bars: 5000, rebalanceEvery: 1 });
    const page = renderPortfolioReport(big);
    const bytes = Buffer.byteLength(page, 'utf8');
    const data = dataBlock(page) as {
      rebalances: { time: unknown[] };
      trades: { status: unknown[] };
    };
    console.log(
      `report size, 5,000 bars x 3 strategies, ${big.rebalances.length} rebalances, ${data.trades.status.length} trade rows: ${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes)`,
    );
    expect(data.rebalances.time).toHaveLength(big.rebalances.length);
    expect(bytes).toBeLessThan(3_000_000);
  });

  it('shows no risk adjustment and no targets chart for a run without base targets', () => {
    expect(html).not.toContain('id="risk-adjustment"');
    expect(html).not.toContain('id="chart-targets');
    // The page script knows the chart; the markup never mentions it.
    expect(html).not.toContain('Targets: risk-adjusted vs base');
    expect(html).not.toContain('risk-adjusted target');
  });

  it('keeps a risk-adjusted 5,000-bar report under 3 MB, with its settings and what moved', () => {
    const risky = makeBacktestResult({
      bars: 5000,
      rebalanceEvery: 1,
      baseTargets: true,
      adjustEveryBars: 7,
    });
    const page = renderPortfolioReport(risky);
    const bytes = Buffer.byteLength(page, 'utf8');
    console.log(
      `report size, 5,000 bars x 3 strategies with base targets: ${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes)`,
    );
    expect(bytes).toBeLessThan(3_000_000);
    // The fixture's risk_adjustment: sharpe_drawdown, 90 days, 0.5, every 7 bars x 24 hours = 168 hours.
    const settings = /<dl class="facts facts-columns" id="risk-adjustment">(.*?)<\/dl>/.exec(
      page,
    )?.[1];
    expect(settings).toContain('<dt>Method</dt><dd>sharpe_drawdown (');
    expect(settings).toContain('<dd>90 calendar days</dd>');
    expect(settings).toContain('<dt>Sensitivity</dt><dd>0.5</dd>');
    expect(settings).toContain('<dd>every 168 hours (7 days)</dd>');
    // Shown once, as settings, not again as raw JSON among the other keys.
    expect(page).not.toContain('<dt>risk_adjustment</dt>');
    const sentence = /<p class="target-shift" id="target-shift">(.*?)<\/p>/.exec(page)?.[1] ?? '';
    const moved = risky.equityCurve.filter((p) =>
      Object.keys(p.targets).some((id) => p.targets[id] !== p.baseTargets?.[id]),
    ).length;
    expect(sentence).toContain(`on ${moved.toLocaleString('en-US')} of 5,000 bars`);
    for (let i = 0; i < 3; i++) expect(page).toContain(`id="chart-targets-${i}"`);
    const data = dataBlock(page) as { targets?: { adjusted: unknown[]; base: unknown[] } };
    expect(data.targets?.adjusted).toHaveLength(3);
    expect(data.targets?.base).toHaveLength(3);
  });

  it('escapes a risk adjustment method it does not know', () => {
    const risky = makeBacktestResult({ bars: 30, baseTargets: true });
    const page = renderPortfolioReport({
      ...risky,
      config: {
        ...risky.config,
        risk_adjustment: { method: '<img src=x onerror=alert(1)>', lookback_period_days: 30 },
      },
    });
    expect(page).toContain('<dt>Method</dt><dd>&lt;img src=x onerror=alert(1)&gt;</dd>');
    expect(page).toContain('<dt>Cadence</dt><dd>every bar</dd>');
    expect(page).not.toContain('<img');
  });
});
