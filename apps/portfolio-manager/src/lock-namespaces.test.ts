// Two managers of one portfolio in separate pid namespaces on one host (as containers on
// host networking: same host name, pid numbers that mean nothing to each other): exactly one
// writes; the holder, stopped (SIGSTOP) past its lease and continued, writes nothing to Redis,
// and its successor touches the journal only once it has ended.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeFillEvent } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { PortfolioTracker } from '@njord/portfolio-tracker';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  lastCheckpoint,
  recoveredTracker,
  numberedFills,
  portfolioYaml,
  readJournalLines,
  sleep,
  type TestPortfolio,
  waitForDrained,
  writeConfigs,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const NAMESPACE = ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc'];

function namespacesAllowed(): string | null {
  const probe = spawnSync(NAMESPACE[0] as string, [...NAMESPACE.slice(1), 'true'], {
    encoding: 'utf8',
  });
  if (probe.error) return `unshare not available: ${probe.error.message}`;
  if (probe.status !== 0)
    return `unshare refused: ${probe.stderr.trim() || `exit ${probe.status}`}`;
  return null;
}

const refusal = namespacesAllowed();
if (refusal !== null) {
  console.warn(
    `SKIPPED pid-namespace lock test: ${refusal} (needs CAP_SYS_ADMIN or user namespaces)`,
  );
}

/** The host pid of the manager (the node process running main.js) under `rootPid`. */
function managerHostPid(rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      // gone
    }
    if (pid !== rootPid && cmdline.includes('main.js') && !cmdline.startsWith('sh')) return pid;
    queue.push(...(children.get(pid) ?? []));
  }
  throw new Error(`no manager process under ${rootPid}`);
}

const PORTFOLIO: TestPortfolio = {
  id: 'ns',
  totalCapital: 100_000,
  threshold: 1000,
  weights: { a: 0.6, b: 0.4 },
};

function fills(from: number, to: number): string[] {
  return numberedFills(from, to, (i) => ({
    strategy_id: i % 2 === 0 ? 'a' : 'b',
    symbol: 'X',
    side: i % 3 === 0 ? 'sell' : 'buy',
    quantity: 1 + (i % 7),
    price: 100 + (i % 11),
    fee: 0.25,
  }));
}

const WAITING = 'another manager holds this portfolio; waiting for its lock';
const JOURNAL_WAITING =
  'another process on this host still holds this portfolio journal (stopped or hung?); waiting for it to end';
/**
 * The holder runs as pid 42 or so of its namespace (a shell forks 40 short-lived children
 * first), so its token names a pid that does not exist in the other namespace (where the
 * low numbers are the other manager's threads): a manager that guessed liveness from pids
 * would take over at once.
 */
const HOLDER = [
  ...NAMESPACE,
  'sh',
  '-c',
  'i=0; while [ $i -lt 40 ]; do /bin/true; i=$((i+1)); done; "$@" & wait $!',
  'sh',
];

describe.skipIf(refusal !== null)('the lock across pid namespaces (child processes)', () => {
  const env = useManagerProcesses('live-ns');

  it('one writes; the holder stopped past its lease and continued writes nothing', async () => {
    const { redis } = env;
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      // Snapshots every second: the holder has writes due the moment it is continued.
      extra: ['check_interval_seconds: 60', 'snapshot_interval_seconds: 1'],
    });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const first = env.spawn(['--config', files.basePath], {}, HOLDER);
    await first.waitForLog('lock acquired', 20_000);
    const second = env.spawn(['--config', files.basePath], {}, NAMESPACE);
    await second.waitForLog(WAITING, 20_000);
    // Same host name; pid 40-something and pid 1 of two namespaces.
    expect(first.logs.find((line) => line.msg === 'lock acquired')?.pid).toBeGreaterThan(40);
    expect(second.logs.find((line) => line.msg === WAITING)?.pid).toBe(1);

    await addEntries(redis, keys.fills, fills(0, 600));
    await waitForDrained(redis, keys, 20_000, { everyMs: 50 });
    expect(second.hasLog('state recovered from the journal')).toBe(false);
    expect(second.hasLog('lock acquired')).toBe(false);

    const holderPid = managerHostPid(first.child.pid as number);
    process.kill(holderPid, 'SIGSTOP');
    let continued = false;
    try {
      // Delivered to the stopped holder's blocked read (pending under the group's consumer),
      // with one poison entry whose dead letter can be counted.
      await addEntries(redis, keys.fills, fills(600, 900));
      await addEntries(redis, keys.fills, ['{"not":"a fill"}']);
      await addEntries(redis, keys.fills, fills(900, 1200));
      // The 10 s lease runs out and the second takes the Redis lock, but the stopped holder
      // still has the journal's file lock: the second waits for it, reading and writing
      // nothing (a holder stopped between its lease check and its write would otherwise
      // append that batch after the second's lines when continued).
      await second.waitForLog('lock acquired after waiting', 25_000);
      await second.waitForLog(JOURNAL_WAITING, 10_000);
      await sleep(1000);
      expect(second.hasLog('state recovered from the journal')).toBe(false);
      const pending = (await redis.xpending(keys.fills, keys.group)) as [number, ...unknown[]];
      expect(pending[0]).toBeGreaterThan(0);
      process.kill(holderPid, 'SIGCONT');
      continued = true;
      // Continued, the holder finds its lease gone and exits; then the second recovers and
      // applies everything pending.
      await second.waitForLog('journal lock acquired after waiting', 25_000);
      await waitForDrained(redis, keys, 20_000, { everyMs: 50 });
    } finally {
      if (!continued) process.kill(holderPid, 'SIGCONT');
    }
    const code = await Promise.race([first.exited, sleep(15_000).then(() => 'timeout')]);
    expect(code).toBe(1);
    const stoppedAt = first.logs.findIndex(
      (line) => line.msg === 'lost the portfolio lock; stopping without writing',
    );
    expect(stoppedAt).toBeGreaterThanOrEqual(0);
    // Nothing it would have written after the pause shows up: no status, no rebalance.
    expect(first.logs.slice(stoppedAt).some((line) => line.msg === 'portfolio status')).toBe(false);
    // The poison entry was dead-lettered once (by the new holder), not twice.
    const dead = await redis.xrange(keys.dead, '-', '+');
    expect(dead.length).toBe(1);

    // unshare ignores SIGTERM while it waits: stop the manager itself (exit 0 after a clean stop).
    process.kill(managerHostPid(second.child.pid as number), 'SIGTERM');
    expect(await second.exited).toBe(0);
    const lines = readJournalLines(files.journalPath, PORTFOLIO.id);
    // One writer at a time: seq rises by exactly 1 over the whole journal.
    lines.forEach((line, i) => expect(line.seq).toBe(i + 1));
    const fillLines = lines.filter((line) => line.type === 'fill');
    expect(fillLines).toHaveLength(1200);
    // The sleeves equal one tracker fed each fill once, in stream order.
    const config = parsePortfolioConfig(portfolioYaml(PORTFOLIO));
    const exact = new PortfolioTracker(config);
    for (const payload of fills(0, 1200)) exact.onFill(decodeFillEvent(JSON.parse(payload)));
    expect(lastCheckpoint(lines)).toBeDefined();
    const restored = recoveredTracker(files.journalPath, config);
    expect(restored.serialize().applied_fills).toEqual(exact.serialize().applied_fills);
    for (const id of ['a', 'b']) {
      expect(restored.getCash(id)).toBe(exact.getCash(id));
      expect(restored.getUnits(id, 'X')).toBe(exact.getUnits(id, 'X'));
    }
  }, 120_000);
});
