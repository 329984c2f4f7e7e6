// Journal damage at start (child processes, real Redis): a changed line or garbage in place
// of an acknowledged line makes the manager refuse to start (exit 2, naming file, line and
// fault) instead of running on a state that silently differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  numberedFills,
  type TestPortfolio,
  waitForDrained,
  writeConfigs,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'damage',
  totalCapital: 100_000,
  threshold: 1000,
  weights: { a: 0.5, b: 0.5 },
};

describe('journal damage (child processes, real Redis)', () => {
  const env = useManagerProcesses('live-damage');

  it('refuses a bit-flipped fill line and garbage in place of a fill line, exit 2', async () => {
    const { redis } = env;
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      extra: [
        'check_interval_seconds: 60',
        'snapshot_interval_seconds: 60',
        'checkpoint_every: 100000',
      ],
    });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const first = env.spawn(['--config', files.basePath], { NJORD_LOCK_TTL_MS: '1000' });
    await first.waitForLog('portfolio status', 20_000);
    const fills = numberedFills(0, 40, (i) => ({
      strategy_id: i % 2 === 0 ? 'a' : 'b',
      symbol: 'X',
      side: 'buy',
      quantity: 5,
      price: 100,
      fee: 0,
    }));
    await addEntries(redis, keys.fills, fills);
    await waitForDrained(redis, keys, 20_000, { everyMs: 50 });
    // Killed: no final checkpoint, so the start replays the fill lines.
    first.child.kill('SIGKILL');
    await first.exited;
    const intact = readFileSync(files.journalPath, 'utf8');
    const lines = intact.split('\n');
    const at = lines.findIndex((line) => line.includes('"type":"fill"') && line.includes('"f-20"'));
    expect(at).toBeGreaterThan(0);

    const cases: [string, string, string][] = [
      ['bit flip', (lines[at] as string).replace('"quantity":5', '"quantity":6'), 'bad_crc'],
      ['garbage', '\u0000\u0000garbage\u0000', 'unreadable_line'],
    ];
    for (const [what, replacement, fault] of cases) {
      const damaged = [...lines];
      damaged[at] = replacement;
      writeFileSync(files.journalPath, damaged.join('\n'));
      const manager = env.spawn(['--config', files.basePath], { NJORD_LOCK_TTL_MS: '1000' });
      const code = await manager.exited;
      expect(code, what).toBe(2);
      const stderr = manager.stderr.join('');
      expect(stderr, what).toContain(`journal ${files.journalPath} line ${at + 1}`);
      expect(stderr, what).toContain(fault);
      // Nothing was written: the journal is as it was left.
      expect(readFileSync(files.journalPath, 'utf8'), what).toBe(damaged.join('\n'));
    }

    // Restored, the same journal starts and the sleeves hold all 40 fills: 20 x 5 x 100 each.
    writeFileSync(files.journalPath, intact);
    const manager = env.spawn(['--config', files.basePath], { NJORD_LOCK_TTL_MS: '1000' });
    const recovered = await manager.waitForLog('state recovered from the journal', 20_000);
    expect(recovered.applied_fills).toBe(40);
  }, 90_000);
});
