// What the bytes of a run's result JSON and journal are made of, by row type, read in bounded
// memory (the result through @njord/portfolio-backtest's reader, re-encoded entry by entry:
// the writer's text is JSON.stringify of the same wire form; the journal line by line). The
// scale benchmark runs it on the outputs it keeps; by hand:
//
//   tsx bench/output-bytes.ts RESULT.json [JOURNAL.ndjson]
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  encodeEquityPoint,
  isJournalPartName,
  encodeRebalanceRecord,
  type RebalanceRecord,
} from '@njord/portfolio-contracts';
import { openBacktestResult } from '@njord/portfolio-backtest/node';

const [resultPath, journalPath] = process.argv.slice(2);
if (resultPath === undefined) throw new Error('usage: output-bytes.ts RESULT.json [JOURNAL]');

const MB = 1024 ** 2;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const per = (bytes: number, count: number): string =>
  count === 0 ? '-' : `${(bytes / count).toFixed(0)} B each`;
/** UTF-8 bytes of `value` as JSON (plus its separating comma). */
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value)) + 1;

function line(name: string, count: number, bytes: number, total: number): void {
  console.log(
    `  ${name.padEnd(34)} ${count.toLocaleString('en-US').padStart(11)} ${mb(bytes).padStart(10)} ${per(bytes, count).padStart(12)} ${((100 * bytes) / total).toFixed(1).padStart(5)}%`,
  );
}

const reader = await openBacktestResult(resultPath);
// With its rebalances in parts, the result is the file and its parts.
const partFiles = reader.rebalanceParts?.files ?? [];
const partBytes = partFiles.reduce((sum, file) => sum + file.bytes, 0);
const total = statSync(resultPath).size + partBytes;
console.log(
  `${resultPath}: ${mb(total)}${partFiles.length === 0 ? '' : ` (${mb(total - partBytes)} and ${partFiles.length} rebalance part(s) of ${mb(partBytes)})`}`,
);
let points = 0;
let pointBytes = 0;
for await (const point of reader.equityCurve()) {
  points++;
  pointBytes += bytesOf(encodeEquityPoint(point));
}
let otherPoints = 0;
let otherBytes = 0;
const curves = [reader.baselineCurve(), reader.benchmarkCurve()];
for (const id of Object.keys(reader.summary.standalone)) curves.push(reader.standaloneCurve(id));
for (const curve of curves) {
  for await (const point of curve) {
    otherPoints++;
    otherBytes += bytesOf({ timestamp_ns: String(point.timestampNs), equity: point.equity });
  }
}
// Per rebalance: its trades, fills, skipped trades and the rest of the plan (ids, transfers,
// expected drift reduction, costs).
const parts = { plans: 0, trades: 0, fills: 0, skipped: 0, internal: 0 };
const counts = { plans: 0, trades: 0, fills: 0, skipped: 0, internal: 0 };
for await (const record of reader.rebalances()) {
  const wire = encodeRebalanceRecord(record as RebalanceRecord) as unknown as Record<
    string,
    unknown[] | unknown
  >;
  const whole = bytesOf(wire);
  let inside = 0;
  for (const key of ['trades', 'fills', 'skipped', 'internal_fills'] as const) {
    const list = wire[key];
    if (!Array.isArray(list)) continue;
    const bytes = list.reduce<number>((sum, item) => sum + bytesOf(item), 0);
    inside += bytes;
    const part = key === 'internal_fills' ? 'internal' : key;
    parts[part] += bytes;
    counts[part] += list.length;
  }
  parts.plans += whole - inside;
  counts.plans++;
}
// A part holds a rebalance and a newline where the result holds it and a comma.
const summaryBytes = total - pointBytes - otherBytes - Object.values(parts).reduce((a, b) => a + b);
console.log(
  `  ${'row type'.padEnd(34)} ${'rows'.padStart(11)} ${'bytes'.padStart(10)} ${'per row'.padStart(12)} share`,
);
line('equity_curve points', points, pointBytes, total);
line('baseline/benchmark/standalone pts', otherPoints, otherBytes, total);
line('rebalances (plan without lists)', counts.plans, parts.plans, total);
line('  trades (intent + costs)', counts.trades, parts.trades, total);
line('  fills', counts.fills, parts.fills, total);
line('  skipped', counts.skipped, parts.skipped, total);
line('  internal_fills', counts.internal, parts.internal, total);
line('summary, metrics, config, rest', 1, summaryBytes, total);

if (journalPath !== undefined) {
  // The journal and the parts it goes on in past the file size limit.
  const files = [
    journalPath,
    ...readdirSync(dirname(journalPath))
      .filter((name) => isJournalPartName(basename(journalPath), name))
      .sort()
      .map((name) => join(dirname(journalPath), name)),
  ];
  const size = files.reduce((sum, file) => sum + statSync(file).size, 0);
  console.log(`${journalPath}: ${mb(size)} in ${files.length} file(s)`);
  const byType = new Map<string, { count: number; bytes: number }>();
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const text of lines) {
      const type = /"type":"([a-z_]+)"/.exec(text)?.[1] ?? '?';
      const entry = byType.get(type) ?? { count: 0, bytes: 0 };
      entry.count++;
      entry.bytes += Buffer.byteLength(text) + 1;
      byType.set(type, entry);
    }
  }
  for (const [type, { count, bytes }] of [...byType].sort((a, b) => b[1].bytes - a[1].bytes))
    line(`${type} lines`, count, bytes, size);
}
