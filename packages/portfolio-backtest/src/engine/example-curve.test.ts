// The shipped example's equity curve, captured before the bar loop moved into the portfolio
// kernel: the kernel-driven engine must give it again (to 1e-12 relative; today bit for bit).
import { readFileSync } from 'node:fs';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { describe, expect, it } from 'vitest';
import { parsePriceCsv } from '../price-csv.js';
import { PortfolioBacktestEngine } from './portfolio-engine.js';
import { repoPath } from '@njord/test-kit/node';

interface CapturedCurve {
  readonly first_timestamp_ns: string;
  readonly last_timestamp_ns: string;
  readonly equity: readonly number[];
  readonly final_strategies: Readonly<Record<string, number>>;
  readonly rebalances: number;
}

describe('the shipped example (config/portfolio.yaml on data/spx-daily.csv)', () => {
  it('gives the equity curve captured before the kernel, to 1e-12 relative', () => {
    const captured = JSON.parse(
      readFileSync(new URL('./fixtures/example-equity-curve.json', import.meta.url), 'utf8'),
    ) as CapturedCurve;
    const config = parsePortfolioConfig(readFileSync(repoPath('config/portfolio.yaml'), 'utf8'));
    const parsed = parsePriceCsv(readFileSync(repoPath('data/spx-daily.csv'), 'utf8'), {
      source: 'spx-daily.csv',
    });
    if (!parsed.success) throw parsed.error;
    const result = new PortfolioBacktestEngine(config).run(parsed.data);
    const curve = result.equityCurve;
    expect(curve).toHaveLength(captured.equity.length);
    expect(curve[0]?.timestampNs.toString()).toBe(captured.first_timestamp_ns);
    expect(curve.at(-1)?.timestampNs.toString()).toBe(captured.last_timestamp_ns);
    let worst = 0;
    let identical = 0;
    curve.forEach((point, t) => {
      const before = captured.equity[t] as number;
      if (point.equity === before) identical++;
      worst = Math.max(worst, Math.abs(point.equity - before) / Math.abs(before));
    });
    expect(worst).toBeLessThanOrEqual(1e-12);
    for (const [id, capital] of Object.entries(captured.final_strategies)) {
      const now = curve.at(-1)?.strategies[id] as number;
      expect(Math.abs(now - capital) / Math.abs(capital)).toBeLessThanOrEqual(1e-12);
    }
    expect(result.rebalances).toHaveLength(captured.rebalances);
    console.log(
      `example curve: ${identical} of ${curve.length} points bit-identical, worst relative difference ${String(worst)}`,
    );
  }, 120_000);
});
