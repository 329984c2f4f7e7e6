// Operator commands on the real Redis through the built manager (dist/main.js): `halt` stops
// plans and survives a SIGKILL (journal replay) until `resume`; `halt --strategy` pauses one
// sleeve (a breaker plan moves its capital out, `resume --strategy` back); `check` evaluates
// the trigger at once; a bad command is dead-lettered and the loop goes on.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  MAIN_JS,
  readJournalLines,
  RECENT_NS,
  sleep,
  type TestPortfolio,
  waitFor,
  waitForDrained,
  writeConfigs,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const run = promisify(execFile);

const PORTFOLIO: TestPortfolio = {
  id: 'ops',
  totalCapital: 100_000,
  threshold: 0.05,
  weights: { alpha: 0.6, beta: 0.4 },
};

/** Runs `njord-portfolio-manager <args>`; its exit code and output. */
async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN_JS, ...args], {
      env: { ...process.env, NJORD_REDIS_URL: '' },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

type Line = Record<string, unknown>;

function linesOf(path: string, type: string): Line[] {
  return readJournalLines(path, PORTFOLIO.id).filter((line) => line.type === type);
}

/** The last snapshot the manager published (the snapshots stream). */
async function lastSnapshot(redis: Redis, stream: string): Promise<Record<string, unknown>> {
  const [entry] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
  return JSON.parse(entry?.[1][1] ?? '{}') as Record<string, unknown>;
}

describe('operator commands through the built manager', () => {
  const env = useManagerProcesses('commands');

  it('halt, SIGKILL, restart: still halted (no plan); resume plans at once', async () => {
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      extra: ['check_interval_seconds: 1', 'snapshot_interval_seconds: 1'],
    });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const config = ['--config', files.basePath];
    const first = env.spawn(config);
    await first.waitForLog('portfolio status', 15_000);

    const halted = await cli(['halt', ...config]);
    expect(halted.code).toBe(0);
    expect(halted.out).toContain(`halt sent to ${keys.commands}`);
    await waitFor(() => linesOf(files.journalPath, 'halt').length > 0, 10_000, 'the halt line');
    const [command] = linesOf(files.journalPath, 'command');
    expect(command).toMatchObject({ command: 'halt', source: { stream: keys.commands } });
    expect(linesOf(files.journalPath, 'halt')[0]).toMatchObject({ reason: 'operator' });

    // alpha buys 600 X at 100 and X is marked 120: alpha 72,000 against a target of 67,200
    // (+7.1% > 5%): a plan would be due, but the portfolio is halted.
    await addEntries(env.redis, keys.fills, [
      JSON.stringify({
        fill_id: 'f-1',
        strategy_id: 'alpha',
        symbol: 'X',
        side: 'buy',
        quantity: 600,
        price: 100,
        fee: 0,
        timestamp_ns: String(RECENT_NS),
      }),
    ]);
    await addEntries(env.redis, keys.prices, [
      JSON.stringify({ symbol: 'X', price: 120, timestamp_ns: String(RECENT_NS + 1n) }),
    ]);
    await waitForDrained(env.redis, keys, 10_000);
    // Two check intervals pass: no plan while halted.
    await sleep(2_500);
    expect(linesOf(files.journalPath, 'plan')).toEqual([]);
    expect(await lastSnapshot(env.redis, keys.snapshots)).toMatchObject({ halted: true });

    first.child.kill('SIGKILL');
    await first.exited;
    const second = env.spawn(config);
    await second.waitForLog('state recovered from the journal', 15_000);
    await second.waitForLog('portfolio status', 15_000);
    await sleep(1_500);
    expect(linesOf(files.journalPath, 'plan')).toEqual([]);
    expect(await lastSnapshot(env.redis, keys.snapshots)).toMatchObject({
      halted: true,
      paused: [],
    });

    expect((await cli(['resume', ...config])).code).toBe(0);
    const plan = await waitFor(
      () => linesOf(files.journalPath, 'plan')[0],
      10_000,
      'a plan after the resume',
    );
    expect((plan.plan as { reason: string }).reason).toBe('threshold');
    const types = readJournalLines(files.journalPath, PORTFOLIO.id).map((line) => line.type);
    // In the journal: the resume command, the resume line, then the plan.
    const resumeAt = types.lastIndexOf('resume');
    expect(types.lastIndexOf('command')).toBeLessThan(resumeAt);
    expect(resumeAt).toBeLessThan(types.indexOf('plan'));
    await waitFor(
      async () => (await lastSnapshot(env.redis, keys.snapshots)).halted === false,
      10_000,
      'a snapshot not halted',
    );
  }, 120_000);

  it('pauses and resumes one sleeve; refuses an unknown strategy; dead-letters a bad command', async () => {
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      extra: ['check_interval_seconds: 60', 'snapshot_interval_seconds: 60'],
    });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const config = ['--config', files.basePath];
    const manager = env.spawn(config);
    await manager.waitForLog('portfolio status', 15_000);

    const unknown = await cli(['halt', '--strategy', 'gamma', ...config]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('portfolio ops has no strategy "gamma" (it has alpha, beta)');

    // Paused: beta's target is 0 and a breaker plan moves its 40,000 (all cash) to alpha.
    expect((await cli(['halt', '--strategy', 'beta', ...config])).code).toBe(0);
    const paused = await waitFor(
      () => linesOf(files.journalPath, 'plan')[0],
      10_000,
      'the breaker plan',
    );
    const pausedPlan = paused.plan as { reason: string; transfers: Record<string, number> };
    expect(pausedPlan.reason).toBe('breaker');
    expect(pausedPlan.transfers.beta).toBeCloseTo(-40_000, 6);
    expect(pausedPlan.transfers.alpha).toBeCloseTo(40_000, 6);
    expect(linesOf(files.journalPath, 'breaker')[0]).toMatchObject({
      strategy_id: 'beta',
      reason: 'operator',
    });
    await waitFor(
      async () => {
        const snapshot = await lastSnapshot(env.redis, keys.snapshots);
        return (snapshot.paused as string[] | undefined)?.[0] === 'beta';
      },
      10_000,
      'beta paused in a snapshot',
    );

    // A payload that is not a command: dead-lettered, the manager goes on.
    await addEntries(env.redis, keys.commands, ['{"command":"reboot","timestamp_ns":"1"}']);
    await waitFor(async () => (await env.redis.xlen(keys.dead)) > 0, 10_000, 'the dead letter');
    const [dead] = await env.redis.xrange(keys.dead, '-', '+');
    expect(JSON.parse(dead?.[1][1] ?? '{}')).toMatchObject({ source: 'commands' });

    // Resumed: a breaker plan funds beta back to 40% of 100,000.
    expect((await cli(['resume', '--strategy', 'beta', ...config])).code).toBe(0);
    const back = await waitFor(
      () => linesOf(files.journalPath, 'plan')[1],
      10_000,
      'the plan funding beta back',
    );
    const backPlan = back.plan as { reason: string; transfers: Record<string, number> };
    expect(backPlan.reason).toBe('breaker');
    expect(backPlan.transfers.beta).toBeCloseTo(40_000, 6);
    expect(linesOf(files.journalPath, 'resume')[0]).toMatchObject({
      strategy_id: 'beta',
      by: 'operator',
    });
  }, 120_000);

  it('check evaluates the trigger at once (a frequency rebalance, with the timer far off)', async () => {
    // Due 0.36 s after the start; the manager's own check comes only after 60 s.
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      portfolioText: [
        'portfolio:',
        '  id: ops',
        '  total_capital: 100000',
        '  rebalance_threshold: 0.05',
        '  rebalance_frequency_hours: 0.0001',
        '  allocations:',
        '    - {strategy_id: alpha, target_weight: 0.6, min_capital: 0, max_capital: 1000000000}',
        '    - {strategy_id: beta, target_weight: 0.4, min_capital: 0, max_capital: 1000000000}',
        '',
      ].join('\n'),
      extra: ['check_interval_seconds: 60', 'snapshot_interval_seconds: 60'],
    });
    const config = ['--config', files.basePath];
    const manager = env.spawn(config);
    await manager.waitForLog('portfolio status', 15_000);
    await sleep(1_000);
    expect(linesOf(files.journalPath, 'plan')).toEqual([]);
    expect((await cli(['check', ...config])).code).toBe(0);
    const plan = await waitFor(
      () => linesOf(files.journalPath, 'plan')[0],
      10_000,
      'the plan the check made',
    );
    expect((plan.plan as { reason: string }).reason).toBe('frequency');
    expect(linesOf(files.journalPath, 'command')[0]).toMatchObject({ command: 'check' });
  }, 120_000);
});
