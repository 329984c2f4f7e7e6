// The second example end to end: config/portfolio-multi-asset.yaml on data/multi-asset-daily.csv
// with the built binary; every allocation's strategy must actually trade.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJournalLine, decodePortfolioBacktestResult } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'njord-runner-multi-asset-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('njord-backtest on the multi-asset example', () => {
  it('runs and every strategy trades', () => {
    const out = join(work, 'out');
    const journalDir = join(work, 'journal');
    const run = spawnSync(
      process.execPath,
      [
        bin,
        '--portfolio-config',
        'config/portfolio-multi-asset.yaml',
        '--data',
        'data/multi-asset-daily.csv',
        '--journal-dir',
        journalDir,
        '--out',
        out,
        '--no-report',
        '--quiet',
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    const raw = JSON.parse(
      readFileSync(join(out, 'portfolio_multi_asset_v1_result.json'), 'utf8'),
    ) as { config: { allocations: { strategy_id: string }[] } };
    const result = decodePortfolioBacktestResult(raw);
    expect(result.data.symbols).toEqual(['AAPL', 'SPX', 'USDEUR', 'USDGBP', 'USDJPY']);
    const ids = raw.config.allocations.map((a) => a.strategy_id);
    expect(ids.length).toBeGreaterThanOrEqual(3);

    // Journal: fills per sleeve. A sleeve that never traded holds nothing, so rebalancing
    // cannot give it fills either: one fill or more means its strategy traded.
    const fills = new Map<string, number>();
    for (const text of readFileSync(join(journalDir, 'backtest_multi_asset_v1.ndjson'), 'utf8')
      .trim()
      .split('\n')) {
      const line = decodeJournalLine(text);
      if (line.type !== 'fill') continue;
      fills.set(line.fill.strategyId, (fills.get(line.fill.strategyId) ?? 0) + 1);
    }
    // Standalone: each sleeve run alone from its own capital. Without a position (and so
    // without costs) its equity would stay exactly at the starting value on every bar.
    const standalone = new Map(Object.entries(result.standalone));
    for (const id of ids) {
      expect(fills.get(id) ?? 0, `${id}: fills in the journal`).toBeGreaterThan(0);
      const curve = standalone.get(id)?.equityCurve ?? [];
      expect(curve.length, `${id}: standalone curve`).toBe(result.equityCurve.length);
      const first = curve[0]?.equity;
      expect(
        curve.some((p) => p.equity !== first),
        `${id}: standalone equity never moved, so it never held a position`,
      ).toBe(true);
    }
  });
});
