// The report and the Parquet tables are built from the run's typed arrays; the report must be
// the page the point objects give (toResult(), the slower route that holds every point).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { PortfolioBacktestEngine } from '@njord/portfolio-backtest';
import { parsePriceCsv } from '@njord/portfolio-backtest/csv';
import {
  prepareReportData,
  prepareReportDataFromCurves,
  renderPortfolioReport,
  renderPortfolioReportFromCurves,
} from '@njord/portfolio-report';
import { describe, expect, it } from 'vitest';

const csv = readFileSync(
  fileURLToPath(new URL('../../../data/stocks-monthly.csv', import.meta.url)),
  'utf8',
);
const parsed = parsePriceCsv(csv, { source: 'stocks-monthly.csv' });
if (!parsed.success) throw parsed.error;
const data = parsed.data;

function config(risk: boolean) {
  return parsePortfolioConfig({
    portfolio: {
      id: 'columns',
      total_capital: 100_000,
      rebalance_threshold: 0.03,
      ...(risk
        ? {
            risk_adjustment: {
              method: 'sharpe_drawdown',
              lookback_period_days: 365,
              adjustment_sensitivity: 0.5,
              adjust_every_hours: 24 * 90,
            },
          }
        : {}),
      allocations: [
        { strategy_id: 'trend', kind: 'trendline_break', weight: 0.5 },
        { strategy_id: 'mom', kind: 'momentum', weight: 0.3 },
        { strategy_id: 'rsi', kind: 'rsi_tema_bb', weight: 0.2 },
      ].map((a) => ({
        strategy_id: a.strategy_id,
        target_weight: a.weight,
        min_capital: 0,
        max_capital: 1e6,
        strategy: { kind: a.kind },
      })),
    },
  });
}

describe('the report from columnar curves', () => {
  for (const [name, risk, curveEvery] of [
    ['every bar', false, 1],
    ['every 5th bar, risk-adjusted', true, 5],
  ] as const) {
    it(`is the page the point objects give (${name})`, () => {
      const run = new PortfolioBacktestEngine(config(risk), undefined, {
        curveEvery,
      }).runColumnar(data);
      const whole = run.toResult();
      expect(whole.rebalances.length).toBeGreaterThan(2);
      expect(whole.equityCurve[0]?.baseTargets !== undefined).toBe(risk);
      if (curveEvery > 1) expect(run.curves.bars.length).toBeLessThan(run.curves.equity.length);
      const options = { maxPoints: 40, maxRebalances: 5, maxTradeRows: 30 };
      expect(prepareReportDataFromCurves(run.summary, run.curves, options)).toEqual(
        prepareReportData(whole, options),
      );
      expect(renderPortfolioReportFromCurves(run.summary, run.curves, options)).toBe(
        renderPortfolioReport(whole, options),
      );
    });
  }
});
