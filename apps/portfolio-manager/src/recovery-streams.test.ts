// planRestore: the journal's positions against the group's last delivered ids, without Redis.
import { describe, expect, it } from 'vitest';
import type { JournalScan, RawJournalLine } from './adapters/journal-file.js';
import type { StreamGroupState } from './adapters/streams.js';
import { journalPositions, planRestore } from './recovery-streams.js';

const FILLS = 'p:fills';
const PRICES = 'p:prices';
const COMMANDS = 'p:portfolio:x:commands';

function scanOf(values: Record<string, unknown>[]): JournalScan {
  const lines: RawJournalLine[] = values.map((value, i) => ({ value, offset: i * 100 }));
  return { lines, tornLastLine: false, corruptLines: 0, damagedCheckpoints: 0, fileBytes: 0 };
}

function group(
  stream: string,
  lastDelivered: string,
  extra: Partial<StreamGroupState> = {},
): StreamGroupState {
  const source = stream === FILLS ? 'fills' : stream === PRICES ? 'prices' : 'commands';
  return {
    source,
    stream,
    group: true,
    lastDelivered,
    acknowledged: true,
    maxDeleted: '0-0',
    firstEntry: '1-0',
    length: 10,
    entriesAdded: 10,
    ...extra,
  };
}

const OPTIONS = {
  journalPath: '/nowhere/portfolio.ndjson',
  portfolioId: 'x',
  group: 'portfolio-manager:x',
  fresh: false,
  trustJournal: false,
};

describe('journalPositions', () => {
  it('takes the latest of recorded positions and input sources per stream', () => {
    const positions = journalPositions(
      scanOf([
        { seq: 5, type: 'checkpoint', positions: { [FILLS]: '10-0', [PRICES]: '9-3' } },
        { seq: 6, type: 'fill', source: { stream: FILLS, id: '12-1' } },
        { seq: 7, type: 'mark', source: { stream: PRICES, id: '9-2' } },
        { seq: 8, type: 'snapshot', positions: { [FILLS]: '12-1', [COMMANDS]: '3-0' } },
      ]),
    );
    expect(positions.tracked).toBe(true);
    expect(positions.lastSeq).toBe(8);
    // 12-1 > 10-0; 9-3 > 9-2 (a lower id later does not move the position back).
    expect(Object.fromEntries(positions.positions)).toEqual({
      [FILLS]: '12-1',
      [PRICES]: '9-3',
      [COMMANDS]: '3-0',
    });
  });
});

describe('planRestore', () => {
  const journal = scanOf([
    {
      seq: 1,
      type: 'checkpoint',
      positions: { [FILLS]: '10-0', [PRICES]: '0-0', [COMMANDS]: '0-0' },
    },
    { seq: 2, type: 'fill', source: { stream: FILLS, id: '11-0' } },
  ]);

  it('reads again what the group delivered after the journal, nothing when it is whole', () => {
    const plan = planRestore(
      journal,
      [group(FILLS, '15-2'), group(PRICES, '0-0'), group(COMMANDS, '0-0', { group: false })],
      OPTIONS,
    );
    expect(plan.restores).toEqual([
      { source: 'fills', stream: FILLS, after: '11-0', until: '15-2' },
    ]);
    const whole = planRestore(journal, [group(FILLS, '11-0'), group(PRICES, '0-0')], OPTIONS);
    expect(whole.restores).toEqual([]);
  });

  it('refuses lost lines a trimmed stream no longer holds, unless trusted', () => {
    // 12 entries added, 4 left from 13-0 on: entries after 11-0 may have been trimmed.
    const trimmed = group(FILLS, '15-2', { firstEntry: '13-0', length: 4, entriesAdded: 12 });
    expect(() => planRestore(journal, [trimmed], OPTIONS)).toThrow(
      /lost_lines: .*p:fills up to 11-0/,
    );
    const trusted = planRestore(journal, [trimmed], { ...OPTIONS, trustJournal: true });
    expect(trusted.restores).toEqual([]);
    expect(trusted.positions.get(FILLS)).toBe('15-2');
    expect(trusted.warnings.join('\n')).toMatch(/--trust-journal/);
    // Trimmed only up to the journal's position: everything after it is still there.
    const safe = group(FILLS, '15-2', { firstEntry: '11-0', length: 5, entriesAdded: 12 });
    expect(planRestore(journal, [safe], OPTIONS).restores).toHaveLength(1);
  });

  it('refuses a missing journal the group has read from, unless --fresh', () => {
    const none = scanOf([]);
    const groups = [group(FILLS, '3-0'), group(PRICES, '0-0')];
    expect(() => planRestore(none, groups, OPTIONS)).toThrow(
      /line 1 \(byte 0\): missing_journal: .*p:fills up to 3-0.*--fresh/,
    );
    const fresh = planRestore(none, groups, { ...OPTIONS, fresh: true });
    expect(fresh.restores).toEqual([]);
    expect(fresh.positions.get(FILLS)).toBe('3-0');
    // Nothing delivered yet, or delivered and all still pending (a manager that died after
    // its first read): a first start, from the start of the streams.
    expect(planRestore(none, [group(FILLS, '0-0')], OPTIONS).warnings).toEqual([]);
    const pendingOnly = planRestore(none, [group(FILLS, '3-0', { acknowledged: false })], OPTIONS);
    expect(pendingOnly.warnings).toEqual([]);
    expect(pendingOnly.positions.get(FILLS)).toBe('0-0');
  });

  it('does not check a journal written before positions, and says so', () => {
    const old = scanOf([{ seq: 1, type: 'checkpoint' }]);
    const plan = planRestore(old, [group(FILLS, '15-2')], OPTIONS);
    expect(plan.restores).toEqual([]);
    expect(plan.warnings.join('\n')).toMatch(/records no position on p:fills/);
  });
});
