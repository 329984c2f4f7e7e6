// The sweep's files: sweep_<id>.json, sweep_<id>.parquet (a row per combination) and
// sweep_<id>_report.html, each written to a temporary name and renamed into place.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { type Combination, renderSweepReport, type SweepResultWire } from '@njord/portfolio-sweep';
import { makeDirectory } from '@njord/portfolio-contracts/node';
import { writeJsonFile } from '../adapters/json-writer.js';

export interface SweepOutputPaths {
  readonly json: string;
  readonly parquet: string;
  readonly report: string;
}

/** Columns: index, id, one per parameter (numbers as DOUBLE, anything else as JSON text), one per metric. */
export function sweepParquetColumns(
  result: SweepResultWire,
  combinations: readonly Combination[],
): ColumnSource[] {
  const columns: ColumnSource[] = [
    {
      name: 'index',
      data: Int32Array.from(result.combinations, (c) => c.index),
      type: 'INT32',
      nullable: false,
    },
    { name: 'id', data: result.combinations.map((c) => c.id), type: 'STRING', nullable: false },
  ];
  const metricNames = Object.keys(result.combinations[0]?.metrics ?? {});
  const taken = new Set(['index', 'id', ...metricNames]);
  const paths = [...(combinations[0]?.params.keys() ?? [])];
  for (const path of paths) {
    const values = combinations.map((c) => c.params.get(path));
    const name = taken.has(path) ? `param.${path}` : path;
    taken.add(name);
    if (values.every((v) => typeof v === 'number' || v === null)) {
      columns.push({ name, data: values, type: 'DOUBLE', nullable: true });
    } else {
      columns.push({
        name,
        data: values.map((v) => (v === null ? null : JSON.stringify(v))),
        type: 'STRING',
        nullable: true,
      });
    }
  }
  for (const metric of metricNames) {
    const data = result.combinations.map(
      (c) => (c.metrics as Record<string, number | null>)[metric] ?? null,
    );
    columns.push({ name: metric, data, type: 'DOUBLE', nullable: true });
  }
  return columns;
}

function atomicWrite(path: string, bytes: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export async function writeSweepOutputs(
  out: string,
  result: SweepResultWire,
  combinations: readonly Combination[],
): Promise<SweepOutputPaths> {
  makeDirectory(out);
  const base = join(out, `sweep_${result.sweep_id}`);
  const paths = { json: `${base}.json`, parquet: `${base}.parquet`, report: `${base}_report.html` };
  const tmp = `${paths.json}.${process.pid}.tmp`;
  await writeJsonFile(tmp, result);
  renameSync(tmp, paths.json);
  atomicWrite(
    paths.parquet,
    new Uint8Array(parquetWriteBuffer({ columnData: sweepParquetColumns(result, combinations) })),
  );
  atomicWrite(paths.report, renderSweepReport(result));
  return paths;
}
