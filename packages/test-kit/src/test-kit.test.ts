import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJournalLine, safeDecodeJournalLine } from '@njord/portfolio-contracts';
import { parsePortfolioConfig, parseYamlText } from '@njord/portfolio-contracts/yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  boundedAllocations,
  createLineJournal,
  createNormal,
  createRandom,
  exampleAllocations,
  exampleFixture,
  portfolioConfig,
  randomInteger,
  threeKindsPortfolioYaml,
} from './index.js';
import { repoPath, writeSweepGrid } from './node/index.js';

describe('createRandom', () => {
  it('repeats its sequence for a seed, differs between seeds, stays in [0, 1)', () => {
    const draw = (seed: number) => Array.from({ length: 1000 }, createRandom(seed));
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    // Uniform: each tenth of [0, 1) gets 100 +- 40 of 1000 draws (about 4 standard deviations).
    const bins = new Array<number>(10).fill(0);
    for (const x of a) bins[Math.floor(x * 10)]! += 1;
    for (const count of bins) expect(Math.abs(count - 100)).toBeLessThan(40);
  });

  it('gives normal draws with mean 0 and variance 1, and integers in their range', () => {
    const normal = createNormal(createRandom(3));
    const xs = Array.from({ length: 20_000 }, normal);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    // Standard errors: 1 / sqrt(20000) = 0.007 for the mean, sqrt(2 / 20000) = 0.01 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.04);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const random = createRandom(9);
    const ints = Array.from({ length: 500 }, () => randomInteger(random, -2, 2));
    expect(new Set(ints)).toEqual(new Set([-2, -1, 0, 1, 2]));
  });
});

describe('configs', () => {
  it('the example fixture is the shipped config/portfolio.yaml, under ids a, b, c', () => {
    const shipped = parsePortfolioConfig(readFileSync(repoPath('config/portfolio.yaml'), 'utf8'));
    const fixture = portfolioConfig(exampleFixture());
    expect(fixture.totalCapital).toBe(shipped.totalCapital);
    expect(fixture.rebalanceThreshold).toBe(shipped.rebalanceThreshold);
    expect(fixture.rebalanceFrequencyHours).toBe(shipped.rebalanceFrequencyHours);
    const shape = (c: typeof fixture) =>
      c.allocations.map((a) => [a.targetWeight, a.minCapital, a.maxCapital]);
    expect(shape(fixture)).toEqual(shape(shipped));
    expect(exampleAllocations(['x', 'y', 'z']).map((a) => a.id)).toEqual(['x', 'y', 'z']);
  });

  it('builds bounded strategies s0.. and passes extra keys through', () => {
    const config = portfolioConfig({
      allocations: boundedAllocations(
        [0.7, 0.3],
        [
          [0, 500],
          [100, 1000],
        ],
      ),
      totalCapital: 1000,
      extra: { min_trade_value: 0, netting: true },
    });
    expect(config.allocations.map((a) => [a.strategyId, a.minCapital, a.maxCapital])).toEqual([
      ['s0', 0, 500],
      ['s1', 100, 1000],
    ]);
    expect([config.minTradeValue, config.netting]).toEqual([0, true]);
  });

  it('writes a three-kind portfolio the contracts accept', () => {
    const config = parsePortfolioConfig(
      threeKindsPortfolioYaml({
        id: 'three',
        capital: 1000,
        weights: [0.5, 0.3, 0.2],
        costs: { commissionBps: 2, slippageBps: 1 },
      }),
    );
    expect(config.allocations.map((a) => [a.strategyId, a.strategy?.kind])).toEqual([
      ['mom', 'momentum'],
      ['rsi', 'rsi_tema_bb'],
      ['trend', 'trendline_break'],
    ]);
    expect(config.costs).toMatchObject({ commissionBps: 2, slippageBps: 1 });
  });
});

describe('createLineJournal', () => {
  it('numbers the lines from 1 and signs each with its CRC', () => {
    const journal = createLineJournal('p');
    journal.add('mark', 5n, { mark: { symbol: 'X', price: 2, timestamp_ns: '5' } });
    journal.add('mark', 6n, { mark: { symbol: 'X', price: 3, timestamp_ns: '6' } });
    expect(journal.lines).toHaveLength(2);
    expect(journal.lines.map((line) => decodeJournalLine(line).seq)).toEqual([1, 2]);
    // A flipped digit breaks the CRC.
    const damaged = (journal.lines[1] as string).replace('"price":3', '"price":4');
    expect(!safeDecodeJournalLine(damaged).success && 'refused').toBe('refused');
    expect(journal.text()).toBe(`${journal.lines[0]}\n${journal.lines[1]}\n`);
  });
});

describe('writeSweepGrid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'njord-test-kit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the sweep keys around the given body', () => {
    const path = writeSweepGrid(dir, {
      id: 'g',
      data: 'prices.csv',
      body: '  parameters:\n    rebalance_threshold: [0.1]\n',
    });
    const parsed = parseYamlText(readFileSync(path, 'utf8'));
    expect(parsed.success && parsed.data).toEqual({
      sweep: {
        id: 'g',
        portfolio: 'portfolio.yaml',
        data: 'prices.csv',
        parameters: { rebalance_threshold: [0.1] },
      },
    });
  });
});
