// An id is data: a strategy or a symbol named `__proto__` (or `constructor`) runs, journals
// and reports exactly as the same one under a plain name. The runs' outputs differ by the
// name alone (and the paths and timings in the result's provenance).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJournalLine, decodePortfolioBacktestResult } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleConfigWith, root, runInto } from './cli.test-util.js';

const work = mkdtempSync(join(tmpdir(), 'njord-runner-proto-id-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The example with momentum_v1 renamed to `name` (its strategy spelled out). */
function configNamed(name: string): string {
  return exampleConfigWith(work, name, [
    [
      '    - strategy_id: momentum_v1\n',
      `    - strategy_id: ${name}\n      strategy: { kind: momentum }\n`,
    ],
  ]);
}

function run(name: string, data?: string): { result: string; journal: string } {
  const out = join(work, `${name}-${data === undefined ? 'example' : 'data'}`);
  const done = runInto(
    out,
    ...(data === undefined ? [] : ['--data', data]),
    '--portfolio-config',
    data === undefined ? configNamed(name) : join(root, 'config/portfolio.yaml'),
  );
  expect(done.stderr).toBe('');
  expect(done.code).toBe(0);
  return {
    result: readFileSync(join(out, 'portfolio_multi_strategy_v1_result.json'), 'utf8'),
    journal: readFileSync(join(out, 'backtest_multi_strategy_v1.ndjson'), 'utf8'),
  };
}

/** The result without its timings and paths, every id `name` written as `ID`. */
function comparable(text: string, name: string): unknown {
  const wire = JSON.parse(text.replaceAll(`"${name}"`, '"ID"')) as Record<string, unknown>;
  const stats = wire.stats as Record<string, unknown>;
  delete stats.run_ms;
  delete stats.load_ms;
  delete stats.bar_events_per_second;
  delete (wire.data as Record<string, unknown>).path;
  delete (wire.data as Record<string, unknown>).sha256;
  return wire;
}

describe('a strategy named __proto__', () => {
  it('runs, journals and reports like the same strategy under a plain name', () => {
    const plain = run('momentum_x');
    for (const name of ['__proto__', 'constructor']) {
      const odd = run(name);
      expect(comparable(odd.result, name)).toEqual(comparable(plain.result, 'momentum_x'));
      const result = decodePortfolioBacktestResult(JSON.parse(odd.result));
      expect(Object.keys(result.metrics.strategies)).toContain(name);
      expect(Object.keys(result.contribution)).toContain(name);
      expect(Object.keys(result.standalone)).toContain(name);
      // The journal: each line decodes and keeps the id where the plain run has its name
      // (in fill ids too; the lines' crcs differ with the name, so they are compared decoded).
      const lines = (text: string, id: string): string[] =>
        text
          .trim()
          .split('\n')
          .map((line) =>
            JSON.stringify({ ...decodeJournalLine(line), crc: undefined }, (_k, v: unknown) =>
              typeof v === 'bigint' ? v.toString() : v,
            ).replaceAll(id, 'ID'),
          );
      expect(lines(odd.journal, name)).toEqual(lines(plain.journal, 'momentum_x'));
    }
  }, 120_000);

  it('as a symbol: the example on its data with SPX renamed trades and reports alike', () => {
    const plain = run('SPX', join(root, 'data/spx-daily.csv'));
    const csv = readFileSync(join(root, 'data/spx-daily.csv'), 'utf8');
    for (const name of ['__proto__', 'constructor']) {
      const data = join(work, `${name}.csv`);
      writeFileSync(data, csv.replaceAll(',SPX,', `,${name},`));
      const odd = run(name, data);
      expect(comparable(odd.result, name)).toEqual(comparable(plain.result, 'SPX'));
    }
  }, 120_000);
});
