// The same breaker sequence live as in the backtest: a sleeve crafted to lose 30% trips its 0.2
// breaker, is paused, resumes by its timer 48 h later. Backtested with --tape; the tape played
// through the manager (clock: event) and the paper broker on the real Redis, settling after
// each bar's check. Same breaker events (times, sleeves, drawdowns), same plans, same final
// sleeves as the backtest, to 1e-9.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createEventClock } from './adapters/clock.js';
import { readConfig } from './config.js';
import { PaperBroker } from './paper/broker.js';
import { playTape, readTape } from './tape/tape.js';
import { memoryLogger, readJournalLines, REDIS_URL, writeConfigs } from './test-support.js';
import { useInProcessManager } from './test-support/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RUNNER = join(ROOT, 'apps', 'backtest-runner', 'dist', 'main.js');

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2024, 0, 1);
const BARS = 11;

/** X falls 3 a day from 100 (30% down at day 10); Y stays at 50. */
function priceCsv(): string {
  const rows = ['timestamp,symbol,open,high,low,close,volume'];
  for (let bar = 0; bar < BARS; bar++) {
    const day = new Date(START_MS + bar * DAY_MS).toISOString().slice(0, 10);
    const x = 100 - 3 * bar;
    rows.push(`${day},X,${x},${x},${x},${x},0`, `${day},Y,50,50,50,50,0`);
  }
  return `${rows.join('\n')}\n`;
}

// loser all in X with a 20% breaker resumed after 48 h; steady all in Y. No drift trigger
// (500%), no costs, fractional units.
const YAML = [
  'portfolio:',
  '  id: brk',
  '  total_capital: 2000',
  '  rebalance_threshold: 5',
  '  min_trade_value: 0',
  '  allocations:',
  '    - strategy_id: loser',
  '      target_weight: 0.5',
  '      min_capital: 0',
  '      max_capital: 1000000000',
  '      max_drawdown: 0.2',
  '      resume_after_hours: 48',
  '      strategy: {kind: fixed_weights, symbols: [X], params: {weights: {X: 1}}}',
  '    - strategy_id: steady',
  '      target_weight: 0.5',
  '      min_capital: 0',
  '      max_capital: 1000000000',
  '      strategy: {kind: fixed_weights, symbols: [Y], params: {weights: {Y: 1}}}',
  '',
].join('\n');

interface WireBreaker {
  timestamp_ns: string;
  type: string;
  strategy_id: string | null;
  reason: string;
  drawdown: number | null;
}
interface WirePlan {
  timestamp_ns: string;
  reason: string;
  transfers: Record<string, number>;
}

function closeTo(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

describe('breakers live and in the backtest', () => {
  const env = useInProcessManager('breaker-parity');

  it('the same trip, resume, plans and final sleeves through a tape, the manager and the paper broker', async () => {
    if (!existsSync(RUNNER)) throw new Error(`build the runner first: ${RUNNER} is missing`);
    const dataPath = join(env.dir, 'prices.csv');
    writeFileSync(dataPath, priceCsv());
    const portfolioPath = join(env.dir, 'brk.yaml');
    writeFileSync(portfolioPath, YAML);
    const tapePath = join(env.dir, 'brk.tape.ndjson');
    execFileSync(
      process.execPath,
      [
        RUNNER,
        '--portfolio-config',
        portfolioPath,
        '--data',
        dataPath,
        '--journal-dir',
        env.dir,
        '--out',
        env.dir,
        '--no-report',
        '--quiet',
        '--tape',
        tapePath,
      ],
      { stdio: 'pipe' },
    );
    const result = JSON.parse(readFileSync(join(env.dir, 'portfolio_brk_result.json'), 'utf8')) as {
      breakers: WireBreaker[];
      rebalances: WirePlan[];
      equity_curve: { timestamp_ns: string; strategies: Record<string, number> }[];
    };
    // The backtest: a trip at day 7 (drawdown -0.21), the timer's resume at day 9.
    const dayNs = (bar: number) => String(BigInt(START_MS + bar * DAY_MS) * 1_000_000n);
    expect(result.breakers.map((b) => [b.type, b.timestamp_ns, b.strategy_id])).toEqual([
      ['breaker', dayNs(7), 'loser'],
      ['resume', dayNs(9), 'loser'],
    ]);

    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      redisUrl: REDIS_URL,
      portfolio: { id: 'brk', totalCapital: 1, threshold: 1, weights: {} },
      portfolioText: YAML,
      extra: [
        'clock: event',
        'check_interval_seconds: 60',
        'snapshot_interval_seconds: 60',
        'plan_timeout_seconds: 1000000000',
      ],
    });
    const loaded = await readConfig(files.basePath);
    if (!loaded.success) throw loaded.error;
    const manager = await env.start(files.basePath, { clock: createEventClock() });
    const broker = new PaperBroker(loaded.data, memoryLogger().logger, { blockMs: 50 });
    const brokerRun = broker.run();
    const redis = new Redis(REDIS_URL);
    try {
      await playTape(redis, readTape(tapePath), {
        prefix: env.prefix,
        speed: 'max',
        settle: true,
        settleTimeoutMs: 30_000,
        nowMs: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      });
    } finally {
      redis.disconnect();
      broker.stop();
      await brokerRun;
    }
    const final = manager.currentSnapshot();
    await env.stop();

    const lines = readJournalLines(files.journalPath, 'brk');
    const live = lines
      .filter((line) => line.type === 'breaker' || line.type === 'resume')
      .map((line) => ({
        type: line.type,
        timestamp_ns: line.timestamp_ns,
        strategy_id: line.strategy_id,
        reason: line.type === 'resume' ? line.by : line.reason,
        drawdown: (line.drawdown as number | undefined) ?? null,
      }));
    expect(live.map((b) => [b.type, b.timestamp_ns, b.strategy_id, b.reason])).toEqual(
      result.breakers.map((b) => [b.type, b.timestamp_ns, b.strategy_id, b.reason]),
    );
    live.forEach((event, i) => {
      const other = result.breakers[i] as WireBreaker;
      if (other.drawdown === null) expect(event.drawdown).toBeNull();
      else expect(closeTo(event.drawdown as number, other.drawdown), `drawdown ${i}`).toBe(true);
    });
    // The commands the tape sent (a check per bar) were journaled, none dead-lettered.
    expect(lines.filter((line) => line.type === 'command').length).toBe(BARS);
    expect(manager.counters.dead_lettered).toBe(0);

    const plans = lines.filter((line) => line.type === 'plan').map((line) => line.plan as WirePlan);
    expect(plans.map((p) => [p.timestamp_ns, p.reason])).toEqual(
      result.rebalances.map((p) => [p.timestamp_ns, p.reason]),
    );
    plans.forEach((plan, i) => {
      const other = result.rebalances[i] as WirePlan;
      for (const [id, amount] of Object.entries(plan.transfers))
        expect(closeTo(amount, other.transfers[id] as number), `plan ${i} ${id}`).toBe(true);
    });
    const last = result.equity_curve[result.equity_curve.length - 1];
    for (const [id, capital] of Object.entries(last?.strategies ?? {}))
      expect(closeTo(final?.strategyAllocations[id] as number, capital), `sleeve ${id}`).toBe(true);
    expect(final?.paused).toEqual([]);
    expect(final?.halted).toBe(false);
  }, 180_000);
});
