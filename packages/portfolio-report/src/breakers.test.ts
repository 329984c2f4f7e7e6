// Breakers in the report: the events as columns and the paused spans built from them, the
// breakers table, the trip count in the sleeve table, and nothing of it without breakers.
import { describe, expect, it } from 'vitest';
import { makeBreakerResult } from './breakers.test-util.js';
import { makeBacktestResult } from './fixture.test-util.js';
import { breakerColumns, prepareReportData, toSeconds } from './prepare.js';
import { renderPortfolioReport } from './render.js';

describe('breaker columns', () => {
  const { result, bars } = makeBreakerResult();
  const data = prepareReportData(result);
  const seconds = bars.map((bar) => toSeconds(result.equityCurve[bar]?.timestampNs ?? 0n));

  it('list every event in time order with its kind, strategy, reason and drawdown', () => {
    expect(data.breakers).toEqual({
      time: seconds,
      kind: [0, 2, 0, 1], // breaker, resume, breaker, halt
      strategy: [0, 0, 1, -1],
      reason: ['max_drawdown', 'timer', 'max_drawdown', 'max_drawdown'],
      drawdown: [-0.12, null, -0.15625, -0.3125],
    });
    expect(data.breakerKinds).toEqual(['breaker', 'halt', 'resume']);
  });

  it('pair a trip with its resume; what never resumes runs to the end', () => {
    // First sleeve: bar 100 to 110. Second: from bar 200, open. The portfolio: from 300, open.
    expect(data.paused).toEqual({
      strategy: [0, 1, -1],
      from: [seconds[0], seconds[2], seconds[3]],
      to: [seconds[1], null, null],
    });
  });

  it('sorts events given out of order, and a second trip while paused opens no second span', () => {
    const index = new Map([['a', 0]]);
    const event = (ns: bigint, type: 'breaker' | 'resume') => ({
      timestampNs: ns * 1_000_000_000n,
      type,
      strategyId: 'a',
      reason: type === 'breaker' ? ('operator' as const) : ('operator' as const),
      drawdown: null,
    });
    const { breakers, paused } = breakerColumns(
      [event(30n, 'resume'), event(10n, 'breaker'), event(20n, 'breaker')],
      index,
    );
    expect(breakers.time).toEqual([10, 20, 30]);
    expect(paused).toEqual({ strategy: [0], from: [10], to: [30] });
  });
});

describe('the rendered breakers', () => {
  const { result } = makeBreakerResult();
  const html = renderPortfolioReport(result);

  it('lists the events in a table and states the limits', () => {
    const table = /<table class="data" id="breakers-table">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    const kinds = [...table.matchAll(/<tr data-kind="([a-z]+)">/g)].map((m) => m[1]);
    expect(kinds).toEqual(['breaker', 'resume', 'breaker', 'halt']);
    expect(table).toContain('>\u221212.00%<'); // with a true minus sign
    expect(table).toContain('>portfolio<');
    const limits = /<p class="section-note" id="breaker-limits">([^<]*)<\/p>/.exec(html)?.[1];
    expect(limits).toContain('trendline_break_v1 10.0% (resumes after 240 h)');
    expect(limits).toContain('rsi_tema_bb_v1 15.0% (resumed by an operator)');
    expect(limits).toContain('portfolio 30.0%');
    expect(limits).toContain('2 trips, 1 halts, 1 resumes');
  });

  it('counts the trips per sleeve in the sleeve table, and keys the chart markers', () => {
    const sleeves = /<table class="data metrics" id="sleeve-metrics-table"[\s\S]*?<\/table>/.exec(
      html,
    )?.[0];
    const row = /<tr data-row="Breaker trips">([\s\S]*?)<\/tr>/.exec(sleeves ?? '')?.[1] ?? '';
    expect([...row.matchAll(/<td class="num[^"]*">([^<]*)<\/td>/g)].map((m) => m[1])).toEqual([
      '1',
      '1',
      '0',
    ]);
    expect(html).toContain('id="breaker-key"');
    expect(html).toContain('breaker rebalance');
    expect(html).toContain('Halt at drawdown');
  });

  it('leaves breakers out of a report whose config has none', () => {
    const plain = renderPortfolioReport(makeBacktestResult({ bars: 50, rebalanceEvery: 5 }));
    expect(plain).not.toContain('id="breakers"');
    expect(plain).not.toContain('Breaker trips');
    expect(plain).not.toContain('id="breaker-key"');
  });
});
