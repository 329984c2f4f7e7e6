// The streaming result writer gives the same text as encoding the object form whole.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePortfolioBacktestResult, parsePortfolioConfig } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { PortfolioBacktestEngine } from '../engine/portfolio-engine.js';
import { shippedPriceData } from './shipped-data.test-util.js';
import { writeBacktestResult, writeResultText } from './write-result.js';

const data = shippedPriceData('stocks-monthly.csv');

function config(risk: boolean) {
  return parsePortfolioConfig({
    portfolio: {
      id: 'writer',
      total_capital: 100_000,
      rebalance_threshold: 0.05,
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
        { strategy_id: 'trend', target_weight: 0.5, min_capital: 0, max_capital: 1e6 },
        { strategy_id: 'momentum_v1', target_weight: 0.5, min_capital: 0, max_capital: 1e6 },
      ].map((a, i) => ({
        ...a,
        strategy: { kind: i === 0 ? 'trendline_break' : 'momentum' },
      })),
    },
  });
}

const dir = mkdtempSync(join(tmpdir(), 'njord-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeBacktestResult', () => {
  for (const [name, risk, curveEvery] of [
    ['every bar', false, 1],
    ['every 7th bar, with base targets', true, 7],
  ] as const) {
    it(`writes what JSON.stringify of the encoded result gives (${name})`, async () => {
      const engine = new PortfolioBacktestEngine(config(risk), undefined, { curveEvery });
      const run = engine.runColumnar(data);
      const expected = `${JSON.stringify(encodePortfolioBacktestResult(run.toResult()))}\n`;
      expect(run.curves.bars.length).toBeGreaterThan(2);
      expect(expected).toContain(risk ? '"base_targets"' : '"drift"');
      const path = join(dir, `${name}.json`);
      const bytes = await writeBacktestResult(path, run);
      const written = readFileSync(path, 'utf8');
      expect(written).toBe(expected);
      expect(bytes).toBe(Buffer.byteLength(expected));
    });
  }

  it('emits the text in chunks that concatenate to the whole', async () => {
    const run = new PortfolioBacktestEngine(config(false)).runColumnar(data);
    const chunks: string[] = [];
    await writeResultText(run, (text) => {
      chunks.push(text);
      return undefined;
    });
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.join('')).toBe(
      `${JSON.stringify(encodePortfolioBacktestResult(run.toResult()))}\n`,
    );
  });
});
