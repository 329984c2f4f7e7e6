// The Parquet outputs read back by an independent reader (DuckDB) hold the JSON's values.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'njord-runner-parquet-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface WirePoint {
  timestamp_ns: string;
  equity: number;
  cash: number;
  strategies: Record<string, number>;
  drift: Record<string, number>;
}
interface WireTrade {
  intent_id: string;
  strategy_id: string;
  symbol: string;
  side: string;
  quantity: number;
  reference_price: number;
  commission: number;
}
interface WirePlan {
  plan_id: string;
  timestamp_ns: string;
  reason: string;
  transfers: Record<string, number>;
  trades: WireTrade[];
  fills: { intent_id: string; fill_price: number }[];
}

describe('--format json,parquet', () => {
  it('writes curves, rebalances and trades that DuckDB reads back equal to the JSON', async () => {
    const out = join(work, 'out');
    const run = spawnSync(
      process.execPath,
      [
        bin,
        '--start',
        '2018-01-01',
        '--end',
        '2019-12-31',
        '--out',
        out,
        '--journal-dir',
        join(work, 'journal'),
        '--format',
        'json,parquet',
        '--no-report',
        '--quiet',
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const json = JSON.parse(
      readFileSync(join(out, 'portfolio_multi_strategy_v1_result.json'), 'utf8'),
    ) as { equity_curve: WirePoint[]; rebalances: WirePlan[] };
    const file = (table: string) => join(out, `portfolio_multi_strategy_v1_${table}.parquet`);

    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    async function rows(sql: string): Promise<Record<string, unknown>[]> {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS();
    }
    try {
      // Curves: one row per curve point, in order, the same numbers and an exact ISO time.
      const curve = await rows(
        `SELECT timestamp_ns, time, equity, cash, "capital.momentum_v1" AS momentum, "drift.trendline_break_v1" AS drift FROM read_parquet('${file('curves')}') ORDER BY timestamp_ns`,
      );
      expect(curve).toHaveLength(json.equity_curve.length);
      curve.forEach((row, i) => {
        const point = json.equity_curve[i] as WirePoint;
        expect(String(row.timestamp_ns)).toBe(point.timestamp_ns);
        expect(row.equity).toBe(point.equity);
        expect(row.cash).toBe(point.cash);
        expect(row.momentum).toBe(point.strategies.momentum_v1);
        expect(row.drift).toBe(point.drift.trendline_break_v1);
        // The time column is the same instant: DuckDB parses it back to epoch microseconds.
        const ms = Number(BigInt(point.timestamp_ns) / 1_000_000n);
        expect(String(row.time)).toBe(`${new Date(ms).toISOString().slice(0, 19)}.000000000Z`);
      });
      const parsed = await rows(
        `SELECT epoch_ns(CAST(time AS TIMESTAMP_NS)) AS ns FROM read_parquet('${file('curves')}') LIMIT 1`,
      );
      expect(String(parsed[0]?.ns)).toBe(json.equity_curve[0]?.timestamp_ns);

      // Rebalances: one row per plan, reason and transfers as in the JSON.
      const plans = await rows(
        `SELECT plan_id, reason, trades, "transfer.rsi_tema_bb_v1" AS transfer FROM read_parquet('${file('rebalances')}') ORDER BY timestamp_ns, plan_id`,
      );
      expect(plans.map((p) => [p.plan_id, p.reason, p.trades, p.transfer])).toEqual(
        json.rebalances.map((p) => [
          p.plan_id,
          p.reason,
          p.trades.length,
          p.transfers.rsi_tema_bb_v1 ?? 0,
        ]),
      );

      // Trades: every trade of every plan, with its fill price.
      const trades = await rows(
        `SELECT plan_id, intent_id, strategy_id, symbol, side, quantity, reference_price, fill_price, commission FROM read_parquet('${file('trades')}')`,
      );
      const expected = json.rebalances.flatMap((plan) =>
        plan.trades.map((t) => ({
          plan_id: plan.plan_id,
          intent_id: t.intent_id,
          strategy_id: t.strategy_id,
          symbol: t.symbol,
          side: t.side,
          quantity: t.quantity,
          reference_price: t.reference_price,
          fill_price: plan.fills.find((f) => f.intent_id === t.intent_id)?.fill_price ?? null,
          commission: t.commission,
        })),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(trades).toEqual(expected);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  }, 180_000);

  it('removes Parquet files of an earlier run when a rerun writes JSON only', () => {
    const out = join(work, 'out');
    const run = spawnSync(
      process.execPath,
      [
        bin,
        '--start',
        '2019-01-01',
        '--end',
        '2019-01-31',
        '--out',
        out,
        '--journal-dir',
        join(work, 'journal'),
        '--no-report',
        '--quiet',
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status).toBe(0);
    expect(readdirSync(out)).toEqual(['portfolio_multi_strategy_v1_result.json']);
  }, 120_000);
});
