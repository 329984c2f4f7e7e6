// Property: the whole backtest engine (the three registered strategies, the portfolio with its
// journal, the stand-alone runs, the baseline, the benchmark, metrics) on price paths and
// capital anywhere in a double's range, with risk adjustment and breakers on or off. Every run
// ends in a result whose curves hold finite numbers and whose file decodes under the result's
// contract (metrics finite or null), or in a BacktestError `overflow` naming what passed the
// largest double: never in another throw.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePortfolioBacktestResult, parsePortfolioConfig } from '@njord/portfolio-contracts';
import { doubleMagnitude } from '@njord/test-kit';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBacktestResult } from '../node/write-result.js';
import { createPriceData } from '../price-data.js';
import { isBacktestError } from './backtest-error.js';
import { PortfolioBacktestEngine } from './portfolio-engine.js';

const DAY = 86_400_000_000_000n;
const BARS = 40;
const START = 1_600_000_000_000_000_000n;
const timestamps = Array.from({ length: BARS }, (_, i) => START + BigInt(i) * DAY);

/** Mostly ordinary amounts, one in four anywhere in a double's range. */
const amount = fc.oneof(
  { arbitrary: fc.double({ min: 1, max: 1e7, noNaN: true }), weight: 3 },
  { arbitrary: doubleMagnitude(), weight: 1 },
);

/** A jump by 10^k: mostly within 20 orders of magnitude, now and then up to 300. */
const jump = fc.oneof(
  { arbitrary: fc.integer({ min: -20, max: 20 }), weight: 4 },
  { arbitrary: fc.integer({ min: -300, max: 300 }), weight: 1 },
);

/** A path from `level`: daily moves of up to +-20 %, and now and then a jump by 10^+-k. */
const pathArb = fc
  .tuple(
    amount,
    fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), {
      minLength: BARS,
      maxLength: BARS,
    }),
    fc.array(fc.option(jump, { freq: 30, nil: undefined }), {
      minLength: BARS,
      maxLength: BARS,
    }),
  )
  .map(([level, moves, jumps]) => {
    const close: number[] = [];
    let price = level;
    for (let t = 0; t < BARS; t++) {
      const jump = jumps[t];
      const next = price * (1 + (moves[t] as number)) * (jump === undefined ? 1 : 10 ** jump);
      // Prices stay > 0 and finite, as the CSV reader admits them.
      if (next > 0 && Number.isFinite(next)) price = next;
      close.push(price);
    }
    return close;
  });

const dir = mkdtempSync(join(tmpdir(), 'njord-edge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the engine at the edges of a double', () => {
  it('ends in finite curves and a valid result file or a BacktestError overflow, never another throw', async () => {
    let runs = 0;
    let overflows = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          x: pathArb,
          y: pathArb,
          capital: amount,
          risk: fc.boolean(),
          breakers: fc.boolean(),
          fillModel: fc.constantFrom('close', 'next_open'),
        }),
        async (r) => {
          const config = parsePortfolioConfig({
            portfolio: {
              id: 'edge',
              total_capital: r.capital,
              rebalance_threshold: 0.05,
              rebalance_frequency_hours: 168,
              min_trade_value: 0,
              fill_model: r.fillModel,
              costs: { commission_bps: 10, slippage_bps: 5 },
              ...(r.risk
                ? {
                    risk_adjustment: {
                      method: 'inverse_volatility',
                      lookback_period_days: 10,
                      adjustment_sensitivity: 0.5,
                    },
                  }
                : {}),
              ...(r.breakers ? { max_drawdown: 0.9 } : {}),
              allocations: [
                {
                  strategy_id: 'mom',
                  target_weight: 0.4,
                  min_capital: 0,
                  max_capital: Number.MAX_VALUE,
                  strategy: { kind: 'momentum', params: { lookback: 5, rebalance_every: 3 } },
                  ...(r.breakers ? { max_drawdown: 0.5, resume_after_hours: 72 } : {}),
                },
                {
                  strategy_id: 'rsi',
                  target_weight: 0.35,
                  min_capital: 0,
                  max_capital: Number.MAX_VALUE,
                  strategy: { kind: 'rsi_tema_bb' },
                },
                {
                  strategy_id: 'trend',
                  target_weight: 0.25,
                  min_capital: 0,
                  max_capital: Number.MAX_VALUE,
                  strategy: { kind: 'trendline_break', params: { lookback: 5 } },
                },
              ],
            },
          });
          const data = createPriceData({
            timestamps,
            bars: { X: { open: r.x, close: r.x }, Y: { open: r.y, close: r.y } },
          });
          runs++;
          let result;
          try {
            result = new PortfolioBacktestEngine(config).runColumnar(data);
          } catch (error) {
            if (isBacktestError(error) && error.code === 'overflow') {
              overflows++;
              return;
            }
            throw error;
          }
          const curves = result.curves;
          for (const column of [curves.equity, curves.cash]) {
            for (const value of column) expect(Number.isFinite(value)).toBe(true);
          }
          // The file as the CLI writes it, decoded under the contract (throws on a bad value).
          const path = join(dir, 'result.json');
          await writeBacktestResult(path, result);
          const decoded = decodePortfolioBacktestResult(JSON.parse(readFileSync(path, 'utf8')));
          expect(decoded.equityCurve.length).toBe(BARS);
        },
      ),
      { numRuns: 300, seed: 20261204 },
    );
    // Not vacuous: both ends are reached (seeded: 30 results, 270 overflows).
    expect(overflows).toBeGreaterThan(50);
    expect(runs - overflows).toBeGreaterThan(25);
  }, 120_000);
});
