// The report of a result far past the tables' limits: no RangeError, bounded size, and it
// says what it left out.
import { describe, expect, it } from 'vitest';
import { makeBacktestResult } from './fixture.test-util.js';
import { prepareReportData } from './prepare.js';
import { renderPortfolioReport } from './render.js';

describe('a report at any size', () => {
  it('lists at most the limits of a 400-symbol x 50,000-bar result and says what it left out', () => {
    // A rebalance on every bar, each trading 3 sleeves x 4 of the 400 symbols.
    const result = makeBacktestResult({
      bars: 50_000,
      symbolCount: 400,
      symbolsPerStrategy: 4,
      rebalanceEvery: 1,
      seed: 3,
    });
    let totalRows = 0;
    for (const r of result.rebalances)
      totalRows += r.trades.length + (r.internalFills?.length ?? 0) + r.skipped.length;
    expect(result.rebalances.length).toBeGreaterThan(20_000);
    expect(totalRows).toBeGreaterThan(100_000);

    const data = prepareReportData(result);
    expect(data.rebalances.time).toHaveLength(20_000);
    const listedRows = data.trades.status.length;
    expect(listedRows).toBeLessThanOrEqual(100_000);
    // The rows of the listed rebalances are the table's rows, whole rebalances only.
    expect(data.rebalances.rows.reduce((a, b) => a + b, 0)).toBe(listedRows);
    expect(data.omitted).toEqual({
      rebalances: result.rebalances.length - 20_000,
      totalRebalances: result.rebalances.length,
      tradeRows: totalRows - listedRows,
      totalTradeRows: totalRows,
    });

    const html = renderPortfolioReport(result);
    expect(html.length).toBeLessThan(40 * 1024 * 1024);
    expect(html).toContain('id="rebalances-omitted"');
    expect(html).toContain(`${result.rebalances.length.toLocaleString('en-US')} rebalances with`);
  }, 240_000);

  it('lists everything, and says nothing about omissions, below the limits', () => {
    const result = makeBacktestResult({ bars: 300, rebalanceEvery: 1, seed: 4 });
    const data = prepareReportData(result);
    expect(data.rebalances.time).toHaveLength(result.rebalances.length);
    expect(data.omitted.rebalances).toBe(0);
    expect(data.omitted.tradeRows).toBe(0);
    expect(renderPortfolioReport(result)).not.toContain('rebalances-omitted');
    // Tight limits: 10 rebalances listed, rows of whole rebalances up to 7.
    const tight = prepareReportData(result, { maxRebalances: 10, maxTradeRows: 7 });
    expect(tight.rebalances.time).toHaveLength(10);
    let expectedRows = 0;
    for (const r of result.rebalances.slice(0, 10)) {
      const rows = r.trades.length + (r.internalFills?.length ?? 0) + r.skipped.length;
      if (expectedRows + rows <= 7) expectedRows += rows;
    }
    expect(tight.trades.status).toHaveLength(expectedRows);
  });
});

describe('a report whose rebalances are read from elsewhere (a spill file)', () => {
  it('gives the data and the page of the same result holding them, reading them once', () => {
    const result = makeBacktestResult({ bars: 300, rebalanceEvery: 1, seed: 5 });
    expect(result.rebalances.length).toBeGreaterThan(20);
    const without = { ...result, rebalances: [] };
    let passes = 0;
    const source = {
      *[Symbol.iterator]() {
        passes++;
        yield* result.rebalances;
      },
    };
    for (const options of [{}, { maxRebalances: 10, maxTradeRows: 7 }]) {
      passes = 0;
      expect(prepareReportData(without, { ...options, rebalances: source })).toEqual(
        prepareReportData(result, options),
      );
      expect(passes).toBe(1);
    }
    expect(renderPortfolioReport(without, { rebalances: source })).toBe(
      renderPortfolioReport(result),
    );
  });
});
