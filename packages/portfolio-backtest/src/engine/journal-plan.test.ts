// A journal that prints plans itself (`BacktestJournal.plan`, on JournalLineBuffer.addPlan)
// writes the very lines of one that takes every line through `add`, and the rebalance store
// gets the same record texts without the wire form the `add` route hands it.
import { readFileSync } from 'node:fs';
import {
  encodeRebalanceRecord,
  formatJournalLine,
  type PortfolioConfig,
  type RebalanceRecord,
  type RebalanceRecordWire,
} from '@njord/portfolio-contracts';
import { JournalLineBuffer } from '@njord/portfolio-contracts/node';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { repoPath } from '@njord/test-kit/node';
import { describe, expect, it } from 'vitest';
import { parsePriceCsv } from '../price-csv.js';
import { createStrategyRegistry } from '../strategy-registry.js';
import { type BacktestJournal, type RebalanceSink, simulate } from './simulate.js';

function load(path: string) {
  const parsed = parsePriceCsv(readFileSync(repoPath(path), 'utf8'), { source: path });
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

/** Every line through formatJournalLine (plans encoded by the run). */
function addJournal(portfolioId: string): BacktestJournal & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    add(type, timestampNs, body) {
      lines.push(formatJournalLine(portfolioId, lines.length + 1, type, timestampNs, body));
    },
  };
}

/** Plans through `addPlan`, other lines through `add`, all in one JournalLineBuffer. */
function planJournal(portfolioId: string) {
  const buffer = new JournalLineBuffer(64);
  let seq = 0;
  let straight = 0;
  const journal: BacktestJournal = {
    add(type, timestampNs, body) {
      buffer.add(portfolioId, ++seq, type, timestampNs, body);
    },
    plan(timestampNs, plan) {
      if (buffer.addPlan(portfolioId, ++seq, timestampNs, plan)) straight++;
    },
  };
  return { journal, text: () => buffer.take().toString('utf8'), straight: () => straight };
}

/** Each record's text as the spill makes it: its wire form when given, else encoded. */
function textSink(): RebalanceSink & { texts: string[]; wires: number } {
  const sink = {
    texts: [] as string[],
    wires: 0,
    add(record: RebalanceRecord, wire?: RebalanceRecordWire) {
      if (wire !== undefined) sink.wires++;
      sink.texts.push(JSON.stringify(wire ?? encodeRebalanceRecord(record)));
    },
  };
  return sink;
}

function run(config: PortfolioConfig, data: ReturnType<typeof load>, journal: BacktestJournal) {
  const resolved = createStrategyRegistry().resolveStrategies(config, data.symbols);
  if (!resolved.success) throw resolved.error;
  const sink = textSink();
  const output = simulate({
    config,
    strategies: resolved.data,
    data,
    firstStep: 0,
    lastStep: data.steps - 1,
    mode: 'rebalance',
    fillModel: config.fillModel,
    costs: config.costs,
    journal,
    rebalanceSink: sink,
  });
  return { output, sink };
}

describe('a journal that prints plans itself', () => {
  const cases = [
    ['config/portfolio.yaml', 'data/spx-daily.csv', {}],
    // Netting: plans with internal fills and savings; band edge: with `fallback`.
    ['config/portfolio-multi-asset.yaml', 'data/multi-asset-daily.csv', { netting: true }],
    [
      'config/portfolio-multi-asset.yaml',
      'data/multi-asset-daily.csv',
      { rebalanceTo: 'band_edge' },
    ],
  ] as const;
  it.each(cases)(
    '%s on %s %j: the same lines and record texts',
    (path, csv, change) => {
      const config: PortfolioConfig = {
        ...parsePortfolioConfig(readFileSync(repoPath(path), 'utf8')),
        ...change,
      };
      const data = load(csv);
      const plain = addJournal(config.id);
      const before = run(config, data, plain);
      const printed = planJournal(config.id);
      const after = run(config, data, printed.journal);

      expect(printed.text()).toBe(`${plain.lines.join('\n')}\n`);
      const plans = plain.lines.filter((line) => line.includes('"type":"plan"'));
      expect(plans.length).toBeGreaterThan(20);
      // Every plan went straight (none fell back to the `add` route).
      expect(printed.straight()).toBe(plans.length);
      if ('netting' in change)
        expect(plans.some((line) => line.includes('internal_fills'))).toBe(true);
      if ('rebalanceTo' in change)
        expect(plans.some((line) => line.includes('"fallback"'))).toBe(true);
      // The store: a wire form with each record on the `add` route, none with `plan`; the
      // same texts either way.
      expect(before.sink.wires).toBe(plans.length);
      expect(after.sink.wires).toBe(0);
      expect(after.sink.texts).toEqual(before.sink.texts);
      expect(after.output.equity).toEqual(before.output.equity);
    },
    120_000,
  );
});
