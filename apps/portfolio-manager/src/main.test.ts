// The CLI as a user runs it (node dist/main.js): flags, exit codes, --check, signals, secrets.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  connectTestRedis,
  freePort,
  MAIN_JS,
  readJournalLines,
  type TestPortfolio,
  waitFor,
  writeConfigs,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'cli',
  totalCapital: 1000,
  threshold: 0.05,
  weights: { a: 0.5, b: 0.5 },
};

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const childEnv = { ...process.env, ...env };
  if (env.NJORD_REDIS_URL === undefined) delete childEnv.NJORD_REDIS_URL;
  const result = spawnSync(process.execPath, [MAIN_JS, ...args], {
    env: childEnv,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('njord-portfolio-manager CLI', () => {
  const env = useManagerProcesses('cli');

  it('--help explains every flag and exits 0; an unknown flag exits 2', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--config',
      '--redis-url',
      '--check',
      '--dry-run',
      'NJORD_REDIS_URL',
      'Exit codes',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const unknown = run(['--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    // pnpm's leading `--` is ignored.
    expect(run(['--', '--help']).code).toBe(0);
  });

  it('a bad config exits 2 and lists every problem', () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    writeFileSync(
      files.basePath,
      `portfolio_config: ${files.portfolioPath}\ncheck_interval_seconds: 0\njournal_fsync: sometimes\n`,
    );
    const result = run(['--config', files.basePath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('check_interval_seconds: must be > 0, got 0');
    expect(result.stderr).toContain('journal_fsync: must be one of');
    expect(run(['--config', join(env.dir, 'missing.yaml')]).code).toBe(2);
  });

  it('--check: 0 when configs and Redis are fine; 2 naming an unreachable Redis, password redacted', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const ok = run(['--check', '--config', files.basePath]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: /);
    const port = await freePort();
    const down = `redis://:hunter2@127.0.0.1:${port}`;
    // The environment variable beats the file...
    const viaEnv = run(['--check', '--config', files.basePath], { NJORD_REDIS_URL: down });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toContain(`redis://:***@127.0.0.1:${port}`);
    expect(viaEnv.stderr).toContain('no answer within 5000 ms');
    expect(viaEnv.stdout + viaEnv.stderr).not.toContain('hunter2');
    // ...and the flag beats the environment variable.
    const viaFlag = run(
      ['--check', '--config', files.basePath, '--redis-url', 'redis://127.0.0.1:6379'],
      {
        NJORD_REDIS_URL: down,
      },
    );
    expect(viaFlag.code).toBe(0);
  }, 30_000);

  it('a journal_dir it cannot make (under /proc, where mkdir -p never returns) exits 1 at once, naming it', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const base = readFileSync(files.basePath, 'utf8').replace(
      /^journal_dir: .*$/m,
      'journal_dir: /proc/njord-no-such',
    );
    writeFileSync(files.basePath, base);
    const manager = env.spawn(['--config', files.basePath]);
    expect(await manager.exited).toBe(1);
    expect(JSON.stringify(manager.logs) + manager.stderr.join('')).toContain(
      'cannot create the journal folder /proc/njord-no-such (ENOENT)',
    );
  });

  it('SIGTERM to its whole process group (Ctrl-C, docker stop, systemd): a clean stop, exit 0', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    // setsid: the manager leads a process group of its own, with its journal lock's flock.
    const manager = env.spawn(['--config', files.basePath], {}, ['setsid']);
    await manager.waitForLog('portfolio status', 20_000);
    process.kill(-(manager.child.pid as number), 'SIGTERM');
    expect(await manager.exited).toBe(0);
    expect(manager.hasLog('lost the portfolio lock; stopping without writing')).toBe(false);
    const journal = readJournalLines(files.journalPath, PORTFOLIO.id);
    expect(journal.at(-2)).toMatchObject({ type: 'snapshot', reason: 'stop' });
    expect(journal.at(-1)?.type).toBe('checkpoint');
  });

  it('SIGINT: final snapshot published and journaled, exit 0; the password never reaches the log', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const subscriber = connectTestRedis();
    try {
      const received: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => received.push(message));
      await subscriber.subscribe(keys.snapshotChannel);
      // A password the local Redis does not need: ioredis warns and goes on; it must not be logged.
      const manager = env.spawn([
        '--config',
        files.basePath,
        '--redis-url',
        'redis://:hunter2@127.0.0.1:6379',
      ]);
      await manager.waitForLog('portfolio status', 20_000);
      const before = received.length;
      manager.child.kill('SIGINT');
      expect(await manager.exited).toBe(0);
      await waitFor(() => received.length > before, 3000, 'final snapshot');
      const journal = readJournalLines(files.journalPath, PORTFOLIO.id);
      expect(journal.at(-2)).toMatchObject({ type: 'snapshot', reason: 'stop' });
      expect(journal.at(-1)?.type).toBe('checkpoint');
      const everything = JSON.stringify(manager.logs) + manager.stderr.join('');
      expect(everything).not.toContain('hunter2');
      expect(everything).toContain('redis://:***@127.0.0.1:6379');
    } finally {
      subscriber.disconnect();
    }
  });
});
