// Interop with the seed's Python services: fills and marks published with Debian's python3-redis
// as `json.dumps(dataclasses.asdict(event))` writes them (timestamp_ns a JSON integer wider than
// a double; a newer producer's extra field) are applied exactly, against the real Redis.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  readJournalLines,
  REDIS_URL,
  type TestPortfolio,
  waitForDrained,
  writeConfigs,
} from './test-support.js';
import { useInProcessManager } from './test-support/fixtures.js';

/** A python3 that can `import redis` (Debian's first: the pyenv one on PATH may lack it). */
function findPython(): string | null {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import redis'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return null;
}

const PYTHON = findPython();

const PRODUCER = `
import dataclasses, json, sys, time
import redis

@dataclasses.dataclass
class FillEvent:
    fill_id: str
    strategy_id: str
    symbol: str
    side: str
    quantity: float
    price: float
    fee: float
    timestamp_ns: int

@dataclasses.dataclass
class NewerFillEvent(FillEvent):
    venue: str = "XNYS"

@dataclasses.dataclass
class PriceMark:
    symbol: str
    price: float
    timestamp_ns: int

url, prefix = sys.argv[1], sys.argv[2]
r = redis.Redis.from_url(url)
# Odd: beyond 2^53 a double holds only multiples of 256 here, so JSON.parse must round these.
now = time.time_ns() // 1000 * 1000
fills = [
    FillEvent("py-1", "a", "X", "buy", 12.5, 101.25, 0.75, now + 123456789),
    NewerFillEvent("py-2", "b", "X", "sell", 3.0, 99.5, 0.0, now + 987654321),
]
for fill in fills:
    r.xadd(prefix + ":fills", {"data": json.dumps(dataclasses.asdict(fill))})
r.xadd(prefix + ":prices", {"data": json.dumps(dataclasses.asdict(PriceMark("X", 102.0, now + 1)))})
print(json.dumps([f.timestamp_ns for f in fills]))
`;

const PORTFOLIO: TestPortfolio = {
  id: 'py',
  totalCapital: 100_000,
  threshold: 0.5,
  weights: { a: 0.5, b: 0.5 },
};

describe.skipIf(PYTHON === null)('a Python producer (python3-redis)', () => {
  const env = useInProcessManager('python');

  it('applies fills and marks written by json.dumps(dataclasses.asdict(event)) exactly', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const manager = await env.start(files.basePath);
    const produced = spawnSync(PYTHON as string, ['-c', PRODUCER, REDIS_URL, env.prefix], {
      encoding: 'utf8',
    });
    expect(produced.status, produced.stderr).toBe(0);
    const sent = (JSON.parse(produced.stdout) as number[]).map(String);
    // The integers as Python printed them: read from the text, never through a double.
    const stamps = produced.stdout.match(/\d{19}/g) ?? [];
    expect(stamps).toHaveLength(2);
    await waitForDrained(env.redis, keys, 10_000);
    expect(manager.counters).toMatchObject({
      fills_applied: 2,
      marks_applied: 1,
      dead_lettered: 0,
      entries_with_unknown_keys: 1,
    });
    const lines = readJournalLines(files.journalPath, PORTFOLIO.id);
    const journaled = lines
      .filter((line) => line.type === 'fill')
      .map((line) => (line.fill as { timestamp_ns: string }).timestamp_ns);
    expect(journaled).toEqual(stamps);
    // JSON.parse rounds them; the manager does not.
    expect(sent).not.toEqual(stamps);
    // a: 50,000 - 12.5 x 101.25 - 0.75; b: 50,000 + 3 x 99.5.
    expect(manager.state.getCash('a')).toBe(50_000 - 12.5 * 101.25 - 0.75);
    expect(manager.state.getCash('b')).toBe(50_000 + 3 * 99.5);
    expect(manager.state.getUnits('a', 'X')).toBe(12.5);
    expect(manager.state.getUnits('b', 'X')).toBe(-3);
  });
});
