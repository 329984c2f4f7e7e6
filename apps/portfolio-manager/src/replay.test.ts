// `replay`: a backtest journal replays to the backtest's final sleeves; damage is named by line.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeJournalLine,
  journalPartName,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { createStrategyRegistry, simulate } from '@njord/portfolio-backtest';
import { replayJournalStream } from '@njord/portfolio-kernel';
import { parsePriceCsv } from '@njord/portfolio-backtest/csv';
import { createLineJournal } from '@njord/test-kit';
import { repoPath } from '@njord/test-kit/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readJournalText,
  replayJournalFile,
  type ReplayReport,
  runReplayCommand,
} from './replay.js';

const work = mkdtempSync(join(tmpdir(), 'njord-kernel-replay-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const parsed = parsePriceCsv(readFileSync(repoPath('data/spx-daily.csv'), 'utf8'), {
  source: 'spx-daily.csv',
});
if (!parsed.success) throw parsed.error;
const data = parsed.data;

/** Runs the backtest's main loop with a journal in the live format, written to a file. */
function backtest(config: PortfolioConfig, name: string, firstStep = 0) {
  const journal = createLineJournal(config.id);
  const resolved = createStrategyRegistry().resolveStrategies(config, data.symbols);
  if (!resolved.success) throw resolved.error;
  const output = simulate({
    config,
    strategies: resolved.data,
    data,
    firstStep,
    lastStep: data.steps - 1,
    mode: 'rebalance',
    fillModel: config.fillModel,
    costs: config.costs,
    journal,
  });
  const path = join(work, `${name}.ndjson`);
  writeFileSync(path, journal.text());
  return { output, lines: journal.lines, path };
}

function replay(...args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runReplayCommand(
    args,
    (text) => (stdout += text),
    (text) => (stderr += text),
  );
  return { code, stdout, stderr };
}

const example = (path: string) => parsePortfolioConfig(readFileSync(repoPath(path), 'utf8'));

describe('njord-portfolio-manager replay', () => {
  it.each(['config/portfolio.yaml', 'config/portfolio-risk.yaml'])(
    'replays the backtest journal of %s to its final sleeves exactly',
    (path) => {
      const { output, lines, path: journal } = backtest(example(path), path.slice(7, -5));
      const run = replay('--journal', journal);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as ReplayReport;
      expect(report.last_seq).toBe(lines.length);
      expect(report.warnings).toEqual([]);
      const final = output.final;
      expect(report.unallocated_cash).toBe(final.unallocated_cash);
      expect(report.equity).toBe(output.equity[output.equity.length - 1]);
      output.strategyIds.forEach((id, k) => {
        const sleeve = report.sleeves[id];
        const state = final.sleeves.find((s) => s.strategy_id === id);
        if (sleeve === undefined || state === undefined) throw new Error(`no sleeve ${id}`);
        const capital = output.capital[k] as Float64Array;
        expect(sleeve.capital).toBe(capital[capital.length - 1]);
        expect(sleeve.cash).toBe(state.cash);
        expect(sleeve.units).toEqual(
          Object.fromEntries(state.positions.map((p) => [p.symbol, p.units])),
        );
        // Realized PnL and fees: the sums over the sleeve's positions.
        expect(sleeve.realized_pnl).toBe(state.positions.reduce((a, p) => a + p.realized_pnl, 0));
        expect(sleeve.fees).toBe(state.positions.reduce((a, p) => a + p.fees, 0));
      });
    },
    120_000,
  );

  it('reads a journal written in parts as the one file it continues, and names a part at fault', () => {
    const { lines, path } = backtest(example('config/portfolio.yaml'), 'whole', data.steps - 300);
    const whole = replay('--journal', path);
    expect(whole.code).toBe(0);
    const dir = join(work, 'parts');
    mkdirSync(dir);
    const first = join(dir, 'backtest_multi.ndjson');
    // Cut at arbitrary line counts: the first file, then parts named by their first seq.
    const cuts = [0, 7, 8, 150, lines.length - 1, lines.length];
    const partPaths: string[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const from = cuts[k] as number;
      const file = k === 0 ? first : join(dir, journalPartName('backtest_multi.ndjson', from + 1));
      if (k > 0) partPaths.push(file);
      writeFileSync(file, `${lines.slice(from, cuts[k + 1]).join('\n')}\n`);
    }
    // Files that are not parts of it are left alone.
    writeFileSync(join(dir, 'backtest_multi.1.ndjson'), 'not a part\n');
    writeFileSync(join(dir, 'backtest_multi_b.0000000000000002.ndjson'), 'not a part\n');
    const split = replay('--journal', first);
    expect(split.stderr).toBe('');
    expect(split.code).toBe(0);
    expect(JSON.parse(split.stdout)).toEqual(JSON.parse(whole.stdout));
    // A part gone (seqs 151 to the last but one): a gap named at the next part's first line.
    const missing = partPaths[2] as string;
    const text = readFileSync(missing, 'utf8');
    rmSync(missing);
    const gap = replay('--journal', first);
    expect(gap.code).toBe(2);
    expect(gap.stderr).toContain(`${partPaths[3] as string}:1: seq ${lines.length} after seq 150`);
    // A flipped bit in a part: named by the part and its line.
    writeFileSync(missing, text.replace('"seq":152,', '"seq":153,'));
    const flipped = replay('--journal', first);
    expect(flipped.code).toBe(2);
    expect(flipped.stderr).toContain(`${missing}:2: bad_crc`);
  });

  it('forgets fill ids and filled plans two dedupe windows behind, with the same result', () => {
    const { lines, path } = backtest(example('config/portfolio.yaml'), 'window', data.steps - 400);
    const kept = replay('--journal', path, '--dedupe-window-hours', '0');
    const windowed = replay('--journal', path);
    expect(windowed.code).toBe(0);
    expect(JSON.parse(windowed.stdout)).toEqual(JSON.parse(kept.stdout));
    // The kernel after each: every id and plan kept, against those of the last two weeks.
    const decoded = lines.map((line) => decodeJournalLine(line));
    const keepAll = replayJournalStream(decoded.slice(0, 1), decoded.slice(1), {});
    const week = 168n * 3_600_000_000_000n;
    const forget = replayJournalStream(decoded.slice(0, 1), decoded.slice(1), {
      dedupeWindowNs: week,
      forgetByLineTime: true,
    });
    const fills = decoded.filter((line) => line.type === 'fill');
    const plans = decoded.filter((line) => line.type === 'plan');
    expect(keepAll.kernel.tracker.appliedFillCount).toBe(fills.length);
    expect(keepAll.kernel.plans.size).toBe(plans.length);
    // Two weeks of daily bars hold at most 15 days' fills and plans (forgetting runs every
    // eighth of a window of line time, so a day more may still be held).
    const last = decoded[decoded.length - 1]?.timestamp_ns ?? 0n;
    const recent = (t: bigint): boolean => t >= last - 2n * week - week / 8n - 86_400_000_000_000n;
    expect(forget.kernel.tracker.appliedFillCount).toBeLessThanOrEqual(
      fills.filter((line) => recent(line.timestamp_ns)).length,
    );
    expect(forget.kernel.tracker.appliedFillCount).toBeGreaterThan(0);
    expect(forget.kernel.plans.size).toBeLessThanOrEqual(
      plans.filter((line) => recent(line.timestamp_ns)).length,
    );
    expect(forget.kernel.totalEquity).toBe(keepAll.kernel.totalEquity);
    expect(forget.warnings).toEqual([]);
    for (const bad of ['-1', 'week', '']) {
      const out = replay('--journal', path, '--dedupe-window-hours', bad);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('--dedupe-window-hours');
    }
  }, 120_000);

  describe('on a damaged journal', () => {
    // The last 40 bars only: a short journal to damage line by line.
    const { lines, path } = backtest(example('config/portfolio.yaml'), 'short', data.steps - 40);

    it('names the line of a flipped bit, in any line', () => {
      let seed = 7;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      lines.forEach((line, i) => {
        const bytes = Buffer.from(line, 'utf8');
        const at = next() % bytes.length;
        bytes[at] = (bytes[at] as number) ^ (1 << (next() % 8));
        const text = [...lines.slice(0, i), bytes.toString('utf8'), ...lines.slice(i + 1)];
        const read = readJournalText(`${text.join('\n')}\n`);
        expect(read.faults.map((fault) => fault.line)).toContain(i + 1);
      });
    });

    it('exits 2 naming file, line and fault; replays a cut last line without it', () => {
      const damaged = join(work, 'damaged.ndjson');
      const copy = [...lines];
      copy[5] = (copy[5] as string).replace('"seq":6,', '"seq":7,');
      writeFileSync(damaged, `${copy.join('\n')}\n`);
      const bad = replay('--journal', damaged);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`${damaged}:6: bad_crc`);

      const gap = join(work, 'gap.ndjson');
      writeFileSync(gap, `${[...lines.slice(0, 5), ...lines.slice(6)].join('\n')}\n`);
      const gapped = replay('--journal', gap);
      expect(gapped.code).toBe(2);
      expect(gapped.stderr).toContain(`${gap}:6: seq 7 after seq 5`);

      // A crash's torn write in the middle (the next start began a fresh line, the seqs follow
      // on) is dropped with a warning; garbage where a line was (a seq missing) is refused.
      const tornMiddle = join(work, 'torn-middle.ndjson');
      const half = (lines[5] as string).slice(0, 30);
      writeFileSync(tornMiddle, `${[...lines.slice(0, 5), half, ...lines.slice(5)].join('\n')}\n`);
      const dropped = replay('--journal', tornMiddle);
      expect(dropped.stderr).toBe('');
      expect(dropped.code).toBe(0);
      const droppedReport = JSON.parse(dropped.stdout) as ReplayReport;
      expect(droppedReport.last_seq).toBe(lines.length);
      expect(droppedReport.warnings).toEqual([
        '1 unreadable line(s) dropped (torn writes: the seqs around them follow on)',
      ]);
      const garbage = join(work, 'garbage.ndjson');
      writeFileSync(garbage, `${[...lines.slice(0, 5), half, ...lines.slice(6)].join('\n')}\n`);
      const refused = replay('--journal', garbage);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`${garbage}:6: unreadable line where seq 6 should be`);

      const torn = join(work, 'torn.ndjson');
      const last = lines.at(-1) as string;
      writeFileSync(
        torn,
        `${lines.slice(0, -1).join('\n')}\n${last.slice(0, Math.floor(last.length / 2))}`,
      );
      const cut = replay('--journal', torn);
      expect(cut.code).toBe(0);
      const report = JSON.parse(cut.stdout) as ReplayReport;
      expect(report.last_seq).toBe(lines.length - 1);
      expect(report.warnings).toEqual(['torn last line dropped']);
    });

    it('reads the file in chunks; every chunk size gives the same report', () => {
      const whole = replayJournalFile(path);
      expect(whole.success).toBe(true);
      // Chunks smaller than a line, of odd sizes, and one the file's length exactly.
      for (const chunk of [1, 7, 4096, statSync(path).size]) {
        expect(replayJournalFile(path, undefined, chunk), `chunk ${chunk}`).toEqual(whole);
      }
    });

    it('asks for --journal, and names an unknown portfolio', () => {
      expect(replay().code).toBe(2);
      const other = replay('--journal', path, '--portfolio', 'nope');
      expect(other.code).toBe(2);
      expect(other.stderr).toContain('no lines of portfolio nope');
    });
  });
});
