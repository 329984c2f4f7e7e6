// Reads a run's outputs back as a user would, in bounded memory, and prints what it found: the
// result JSON through @njord/portfolio-backtest's reader (every curve point and rebalance
// decoded and checked), each Parquet file row group by row group with hyparquet. The scale
// benchmark runs it in its own process to measure its peak RSS.
//
//   tsx bench/read-back.ts OUT_DIR
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBacktestResult } from '@njord/portfolio-backtest/node';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: read-back.ts OUT_DIR');
const started = performance.now();
for (const name of readdirSync(dir).sort()) {
  const path = join(dir, name);
  if (name.endsWith('_result.json')) {
    const reader = await openBacktestResult(path);
    let points = 0;
    let last = 0;
    for await (const point of reader.equityCurve()) {
      points++;
      last = point.equity;
    }
    let rebalances = 0;
    let trades = 0;
    for await (const rebalance of reader.rebalances()) {
      rebalances++;
      trades += rebalance.trades.length;
    }
    let other = 0;
    for await (const _ of reader.baselineCurve()) other++;
    for await (const _ of reader.benchmarkCurve()) other++;
    for (const id of Object.keys(reader.summary.standalone))
      for await (const _ of reader.standaloneCurve(id)) other++;
    const ok = last === reader.summary.finalEquity ? 'last point = final_equity' : 'MISMATCH';
    console.log(
      `${name}: ${points} points (${ok}), ${rebalances} rebalances, ${trades} trades, ${other} points of the other curves`,
    );
  } else if (name.endsWith('.parquet')) {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    let rows = 0;
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      await parquetRead({
        file,
        metadata,
        rowStart: start,
        rowEnd: end,
        onComplete: (read: unknown[][]) => {
          rows += read.length;
        },
      });
      start = end;
    }
    console.log(
      `${name}: ${rows} rows of ${metadata.schema.length - 1} columns in ${metadata.row_groups.length} row group(s) (metadata says ${metadata.num_rows})`,
    );
  }
}
console.log(`read back in ${((performance.now() - started) / 1000).toFixed(1)} s`);
