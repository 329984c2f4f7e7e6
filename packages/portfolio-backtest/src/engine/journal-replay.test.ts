// A backtest's journal replayed through the kernel (as live recovery does) gives the backtest's
// final sleeves exactly: cash, units, average cost, realized PnL and fees of every sleeve.
import { readFileSync } from 'node:fs';
import {
  decodeJournalLine,
  encodePortfolioConfig,
  parsePortfolioConfig as parseConfigObject,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { replayJournal } from '@njord/portfolio-kernel';
import { createLineJournal } from '@njord/test-kit';
import { repoPath } from '@njord/test-kit/node';
import { describe, expect, it } from 'vitest';
import { parsePriceCsv } from '../price-csv.js';
import { createStrategyRegistry } from '../strategy-registry.js';
import { simulate } from './simulate.js';

const parsed = parsePriceCsv(readFileSync(repoPath('data/spx-daily.csv'), 'utf8'), {
  source: 'spx-daily.csv',
});
if (!parsed.success) throw parsed.error;
const data = parsed.data;

function run(config: PortfolioConfig, fillModel: 'close' | 'next_open' = 'close') {
  const journal = createLineJournal(config.id);
  const resolved = createStrategyRegistry().resolveStrategies(config, data.symbols);
  if (!resolved.success) throw resolved.error;
  const output = simulate({
    config,
    strategies: resolved.data,
    data,
    firstStep: 0,
    lastStep: data.steps - 1,
    mode: 'rebalance',
    fillModel,
    costs: config.costs,
    journal,
  });
  return { output, lines: journal.lines };
}

function replayed(lines: readonly string[]) {
  return replayJournal(lines.map(decodeJournalLine), {});
}

describe('a backtest journal replays to the backtest final sleeves', () => {
  it.each([
    ['config/portfolio.yaml', 'close'],
    ['config/portfolio-risk.yaml', 'close'],
    ['config/portfolio.yaml', 'next_open'],
  ] as const)(
    '%s (%s)',
    (path, fillModel) => {
      const config = parsePortfolioConfig(readFileSync(repoPath(path), 'utf8'));
      const { output, lines } = run(config, fillModel);
      const replay = replayed(lines);
      expect(replay.warnings).toEqual([]);
      expect(replay.lastSeq).toBe(lines.length);
      const state = replay.kernel.tracker.serialize();
      const final = output.final;
      expect(state.sleeves).toEqual(final.sleeves);
      expect(state.unallocated_cash).toBe(final.unallocated_cash);
      expect(state.symbols).toEqual(final.symbols);
      expect(state.applied_plans).toEqual(final.applied_plans);
      expect(state.last_rebalance_ns).toBe(final.last_rebalance_ns);
      // Capital at the last marks: the backtest's last recorded capital, per sleeve.
      output.strategyIds.forEach((id, k) => {
        const capital = output.capital[k] as Float64Array;
        expect(replay.kernel.tracker.getStrategyCapital(id)).toBe(capital[capital.length - 1]);
      });
      if (config.riskAdjustment !== undefined) {
        expect(output.adjustments).toBeGreaterThan(0);
        expect(replay.kernel.allocator.weightsById()).toEqual(replay.kernel.risk?.weights ?? null);
      }
    },
    120_000,
  );
});

describe('with breakers', () => {
  it('sleeve breakers and a halt replay to the same sleeves, paused set and watch', () => {
    // The seed portfolio with a 6% breaker per sleeve (resumed after 30 days) and a 10%
    // portfolio halt: on the S&P 500 series both trip.
    const seed = parsePortfolioConfig(readFileSync(repoPath('config/portfolio.yaml'), 'utf8'));
    const wire = encodePortfolioConfig(seed).portfolio;
    const config = parseConfigObject({
      portfolio: {
        ...wire,
        max_drawdown: 0.1,
        allocations: (wire.allocations as Record<string, unknown>[]).map((a) => ({
          ...a,
          max_drawdown: 0.06,
          resume_after_hours: 720,
        })),
      },
    });
    const { output, lines } = run(config);
    const kinds = new Set(output.breakers.map((b) => b.type));
    expect(kinds).toEqual(new Set(['breaker', 'resume', 'halt']));
    const replay = replayed(lines);
    expect(replay.warnings).toEqual([]);
    expect(replay.kernel.tracker.serialize().sleeves).toEqual(output.final.sleeves);
    expect(replay.kernel.breakersJson()).toEqual(output.finalBreakers);
    expect(replay.kernel.halted).toBe(true);
  }, 120_000);
});
