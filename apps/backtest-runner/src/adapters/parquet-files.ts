// The result's heavy tables as Parquet beside the JSON (curves, rebalances, trades), for
// pandas, polars and DuckDB: written row group by row group, each with an ISO `time`
// column beside `timestamp_ns`.
import type { ColumnarBacktestResult } from '@njord/portfolio-backtest';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';

/**
 * Rows per row group: bounds the columns held in memory at once (65,536 rows of the trades
 * table held ~80 MB more at the peak of a 10 x 20,000 run than 16,384 do).
 */
const ROW_GROUP = 16_384;

type ColumnType = 'INT64' | 'DOUBLE' | 'STRING' | 'INT32';
interface ColumnSpec<Row> {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable?: boolean;
  readonly value: (row: Row) => bigint | number | string | null;
}

/** An exact ISO-8601 UTC time with nanoseconds (`2019-01-02T00:00:00.000000000Z`). */
export function isoTimeNs(ns: bigint): string {
  const second = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  const nanos = ns - second * 1_000_000_000n;
  const iso = new Date(Number(second) * 1000).toISOString().slice(0, 19);
  return `${iso}.${nanos.toString().padStart(9, '0')}Z`;
}

function schemaOf<Row>(columns: readonly ColumnSpec<Row>[]) {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => ({
      name: c.name,
      type: c.type === 'STRING' ? ('BYTE_ARRAY' as const) : c.type,
      ...(c.type === 'STRING' ? { converted_type: 'UTF8' as const } : {}),
      repetition_type: c.nullable === true ? ('OPTIONAL' as const) : ('REQUIRED' as const),
    })),
  ];
}

/** Writes `rows` (any iterable, consumed once) to a Parquet file; returns the row count. */
async function writeTable<Row>(
  path: string,
  columns: readonly ColumnSpec<Row>[],
  rows: Iterable<Row>,
): Promise<number> {
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: schemaOf(columns),
    createdBy: 'njord-backtest',
  });
  let batch: Row[] = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rowsNow = batch;
    await writer.write({
      columnData: columns.map((c) => ({
        name: c.name,
        data: rowsNow.map((row) => c.value(row)),
      })),
      rowGroupSize: ROW_GROUP,
    });
    batch = [];
  };
  for (const row of rows) {
    batch.push(row);
    count++;
    if (batch.length === ROW_GROUP) await flush();
  }
  await flush();
  await writer.finish();
  return count;
}

export interface ParquetPaths {
  readonly curves: string;
  readonly rebalances: string;
  readonly trades: string;
}

/**
 * Writes the three tables; each path is a temporary name (see OutputSet). The curves are
 * read from the result's typed arrays a row group at a time, never as point objects.
 */
export async function writeResultParquet(
  columnar: ColumnarBacktestResult,
  paths: ParquetPaths,
): Promise<void> {
  const c = columnar.curves;
  const ids = c.strategyIds;
  // A row is an index into c.bars; the columns read the arrays at c.bars[row].
  const at = (series: Float64Array) => (i: number) => series[c.bars[i] as number] as number;
  const curveColumns: ColumnSpec<number>[] = [
    {
      name: 'timestamp_ns',
      type: 'INT64',
      value: (i) => c.timestamps[c.bars[i] as number] as bigint,
    },
    {
      name: 'time',
      type: 'STRING',
      value: (i) => isoTimeNs(c.timestamps[c.bars[i] as number] as bigint),
    },
    { name: 'equity', type: 'DOUBLE', value: at(c.equity) },
    { name: 'cash', type: 'DOUBLE', value: at(c.cash) },
    { name: 'unallocated', type: 'DOUBLE', value: at(c.unallocated) },
  ];
  ids.forEach((id, k) => {
    curveColumns.push(
      { name: `capital.${id}`, type: 'DOUBLE', value: at(c.strategies[k] as Float64Array) },
      { name: `target.${id}`, type: 'DOUBLE', value: at(c.targets[k] as Float64Array) },
      { name: `drift.${id}`, type: 'DOUBLE', value: at(c.drift[k] as Float64Array) },
    );
    if (c.baseTargets !== null) {
      curveColumns.push({
        name: `base_target.${id}`,
        type: 'DOUBLE',
        value: at(c.baseTargets[k] as Float64Array),
      });
    }
  });
  function* rowIndices(count: number): Generator<number> {
    for (let i = 0; i < count; i++) yield i;
  }
  await writeTable(paths.curves, curveColumns, rowIndices(c.bars.length));

  type Plan = ColumnarBacktestResult['summary']['rebalances'][number];
  /**
   * A plan's row: its own fields and its lists' lengths. A row group holds 16,384 of them,
   * never the records themselves (a record of a wide portfolio lists hundreds of skipped
   * trades: 16,384 of those held ~300 MB more at 200 symbols x 5,000 bars).
   */
  interface PlanRow {
    readonly planId: string;
    readonly timestampNs: bigint;
    readonly reason: string;
    readonly trades: number;
    readonly skipped: number;
    readonly estimatedCosts: number;
    readonly transfers: Plan['transfers'];
  }
  const planColumns: ColumnSpec<PlanRow>[] = [
    { name: 'plan_id', type: 'STRING', value: (r) => r.planId },
    { name: 'timestamp_ns', type: 'INT64', value: (r) => r.timestampNs },
    { name: 'time', type: 'STRING', value: (r) => isoTimeNs(r.timestampNs) },
    { name: 'reason', type: 'STRING', value: (r) => r.reason },
    { name: 'trades', type: 'INT32', value: (r) => r.trades },
    { name: 'skipped', type: 'INT32', value: (r) => r.skipped },
    { name: 'estimated_costs', type: 'DOUBLE', value: (r) => r.estimatedCosts },
  ];
  for (const id of ids) {
    planColumns.push({
      name: `transfer.${id}`,
      type: 'DOUBLE',
      value: (r) => r.transfers[id] ?? 0,
    });
  }
  function* planRows(): Generator<PlanRow> {
    for (const plan of columnar.rebalanceRecords()) {
      yield {
        planId: plan.planId,
        timestampNs: plan.timestampNs,
        reason: plan.reason,
        trades: plan.trades.length,
        skipped: plan.skipped.length,
        estimatedCosts: plan.estimatedCosts,
        transfers: plan.transfers,
      };
    }
  }
  // The rebalances are read in order from the result (its spill file in a long run), once
  // per table.
  await writeTable(paths.rebalances, planColumns, planRows());

  interface TradeRow {
    /** The plan's id and reason only: a row never holds its whole plan. */
    readonly plan: Pick<Plan, 'planId' | 'reason'>;
    readonly trade: Plan['trades'][number];
    readonly fill: Plan['fills'][number] | undefined;
  }
  function* trades(): Generator<TradeRow> {
    for (const plan of columnar.rebalanceRecords()) {
      const fills = new Map(plan.fills.map((f) => [f.intentId, f]));
      const own = { planId: plan.planId, reason: plan.reason };
      for (const trade of plan.trades) yield { plan: own, trade, fill: fills.get(trade.intentId) };
    }
  }
  await writeTable<TradeRow>(
    paths.trades,
    [
      { name: 'plan_id', type: 'STRING', value: (t) => t.plan.planId },
      { name: 'intent_id', type: 'STRING', value: (t) => t.trade.intentId },
      { name: 'timestamp_ns', type: 'INT64', value: (t) => t.trade.timestampNs },
      { name: 'time', type: 'STRING', value: (t) => isoTimeNs(t.trade.timestampNs) },
      { name: 'reason', type: 'STRING', value: (t) => t.plan.reason },
      { name: 'strategy_id', type: 'STRING', value: (t) => t.trade.strategyId },
      { name: 'symbol', type: 'STRING', value: (t) => t.trade.symbol },
      { name: 'side', type: 'STRING', value: (t) => t.trade.side },
      { name: 'quantity', type: 'DOUBLE', value: (t) => t.trade.quantity },
      { name: 'reference_price', type: 'DOUBLE', value: (t) => t.trade.referencePrice },
      {
        name: 'fill_price',
        type: 'DOUBLE',
        value: (t) => t.fill?.fillPrice ?? null,
        nullable: true,
      },
      { name: 'commission', type: 'DOUBLE', value: (t) => t.trade.commission },
      { name: 'slippage', type: 'DOUBLE', value: (t) => t.trade.slippage },
    ],
    trades(),
  );
}
