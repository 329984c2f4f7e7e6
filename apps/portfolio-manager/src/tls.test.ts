// rediss:// with a password, on a TLS redis-server this test starts (own CA, free port).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  freePort,
  isDrained,
  killAndWait,
  type ManagerProcess,
  MAIN_JS,
  spawnManager,
  tempDir,
  type TestPortfolio,
  uniquePrefix,
  waitFor,
  writeConfigs,
} from './test-support.js';

const PASSWORD = 'tls-s3cret-pw';
const PORTFOLIO: TestPortfolio = {
  id: 'tls',
  totalCapital: 1000,
  threshold: 1000,
  weights: { a: 1 },
};

function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=njord-test-ca',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
}

describe('rediss:// and passwords (own TLS redis-server)', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess | undefined;
  const children: ManagerProcess[] = [];

  beforeEach(async () => {
    if (!existsSync(MAIN_JS)) throw new Error(`build the app first: ${MAIN_JS} is missing`);
    dir = tempDir('tls');
    port = await freePort();
    makeCertificates(dir);
    server = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        join(dir, 'server.crt'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.crt'),
        '--tls-auth-clients',
        'no',
        '--requirepass',
        PASSWORD,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis({
      port,
      host: 'localhost',
      password: PASSWORD,
      tls: { ca: readFileSync(join(dir, 'ca.crt')) },
      maxRetriesPerRequest: null,
      retryStrategy: () => 50,
    });
    probe.on('error', () => undefined);
    try {
      await waitFor(async () => (await probe.ping()) === 'PONG', 10_000, 'TLS redis-server');
    } finally {
      probe.disconnect();
    }
  });

  afterEach(async () => {
    await killAndWait(children.splice(0));
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.on('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('--check reaches it with the password and names a wrong one, never printing either', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt') };
    delete env.NJORD_REDIS_URL;
    const check = (url: string) => {
      try {
        return {
          code: 0,
          out: execFileSync(
            process.execPath,
            [
              MAIN_JS,
              '--check',
              '--config',
              join(import.meta.dirname, '../../../config/base.yaml'),
              '--redis-url',
              url,
            ],
            { env, encoding: 'utf8', stdio: 'pipe', cwd: join(import.meta.dirname, '../../..') },
          ),
        };
      } catch (error) {
        const failure = error as { status: number; stdout: string; stderr: string };
        return { code: failure.status, out: failure.stdout + failure.stderr };
      }
    };
    const ok = check(`rediss://:${PASSWORD}@localhost:${port}`);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`rediss://:***@localhost:${port}`);
    expect(ok.out).not.toContain(PASSWORD);
    const wrong = check(`rediss://:not-${PASSWORD}@localhost:${port}`);
    expect(wrong.code).toBe(2);
    expect(wrong.out).toContain('WRONGPASS');
    expect(wrong.out).not.toContain(PASSWORD);
  }, 30_000);

  it('runs over TLS with NJORD_REDIS_URL', async () => {
    const prefix = uniquePrefix('tls');
    const files = writeConfigs(dir, { prefix, portfolio: PORTFOLIO });
    const url = `rediss://:${PASSWORD}@localhost:${port}`;
    const manager = spawnManager(['--config', files.basePath], {
      NJORD_REDIS_URL: url,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt'),
    });
    children.push(manager);
    await manager.waitForLog('portfolio status', 15_000);
    const client = new Redis(url, { tls: { ca: readFileSync(join(dir, 'ca.crt')) } });
    try {
      const keys = redisKeys(prefix, PORTFOLIO.id);
      await addEntries(client, keys.fills, [
        JSON.stringify({
          fill_id: 'f',
          strategy_id: 'a',
          symbol: 'X',
          side: 'buy',
          quantity: 1,
          price: 10,
          fee: 0,
          timestamp_ns: '1',
        }),
      ]);
      await waitFor(() => isDrained(client, keys.fills, keys.group), 10_000, 'fill acknowledged');
      manager.child.kill('SIGTERM');
      expect(await manager.exited).toBe(0);
      const stopped = manager.logs.find((line) => line.msg === 'stopped');
      expect((stopped?.counters as Record<string, number>).fills_applied).toBe(1);
      expect(JSON.stringify(manager.logs) + manager.stderr.join('')).not.toContain(PASSWORD);
    } finally {
      client.disconnect();
    }
  });
});
