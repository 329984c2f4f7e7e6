// rediss:// with a password, on a TLS redis-server this test starts (own CA, free port).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  freePort,
  isDrained,
  MAIN_JS,
  type TestPortfolio,
  waitFor,
  writeConfigs,
  RECENT_NS,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';
import { type RedisServerProcess, startRedisServer } from './test-support/redis-server.js';

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

/** redis-server with TLS only on `port`, the certificates of `dir`, and PASSWORD required. */
function startTlsServer(dir: string, port: number): Promise<RedisServerProcess> {
  return startRedisServer(
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
    { port, host: 'localhost', password: PASSWORD, tls: { ca: readFileSync(join(dir, 'ca.crt')) } },
    'TLS redis-server',
  );
}

describe('rediss:// and passwords (own TLS redis-server)', () => {
  let port: number;
  let server: RedisServerProcess | undefined;
  const env = useManagerProcesses('tls', {
    sharedRedis: false,
    setup: async () => {
      port = await freePort();
      makeCertificates(env.dir);
      server = await startTlsServer(env.dir, port);
    },
    cleanup: async () => {
      await server?.stop();
      server = undefined;
    },
  });

  it('--check reaches it with the password and names a wrong one, never printing either', () => {
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_EXTRA_CA_CERTS: join(env.dir, 'ca.crt'),
    };
    delete childEnv.NJORD_REDIS_URL;
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
            {
              env: childEnv,
              encoding: 'utf8',
              stdio: 'pipe',
              cwd: join(import.meta.dirname, '../../..'),
            },
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
    const { dir, prefix } = env;
    const files = writeConfigs(dir, { prefix, portfolio: PORTFOLIO });
    const url = `rediss://:${PASSWORD}@localhost:${port}`;
    const manager = env.spawn(['--config', files.basePath], {
      NJORD_REDIS_URL: url,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt'),
    });
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
          timestamp_ns: String(RECENT_NS),
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
