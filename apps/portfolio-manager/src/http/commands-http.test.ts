// Halt and resume over HTTP against a running manager on the real Redis: POST /api/halt and
// /api/resume write the very entry `njord-portfolio-manager halt|resume` writes, need the token
// whenever one is configured, and refuse what a page of another site could send (nothing
// reaches the commands stream); a bad body or strategy is a 400 with a JSON error.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { redisKeys } from '../adapters/streams.js';
import { runManagerCommand } from '../command.js';
import { type TestPortfolio, waitFor } from '../test-support.js';
import { useManagerWithHttp } from '../test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'opscmd',
  totalCapital: 100_000,
  threshold: 0.05,
  weights: { alpha: 0.5, beta: 0.3, gamma: 0.2 },
};

/** The command's clock in these tests: a fixed instant, so two writers can be compared. */
const NOW_NS = 1_765_000_000_123_456_789n;

interface Reply {
  readonly status: number;
  readonly text: string;
}

/** A raw POST (node:http, so Host, Origin and Sec-Fetch-Site can be set as a browser would). */
function post(url: string, headers: Record<string, string>, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What the dashboard sends: JSON with its command header. */
const JSON_HEADERS = { 'content-type': 'application/json', 'x-njord-command': 'halt' };

function errorOf(reply: Reply): string {
  return (JSON.parse(reply.text) as { error: string }).error;
}

describe('halt and resume over HTTP', () => {
  const env = useManagerWithHttp('ops-cmd');

  async function startWithHttp(token: string | null) {
    const started = await env.startWithHttp(PORTFOLIO, { token, nowNs: () => NOW_NS });
    return { ...started, stream: redisKeys(env.prefix, PORTFOLIO.id).commands };
  }

  it('writes the CLI’s own entry; the manager applies it', async () => {
    const { manager, base, files, stream } = await startWithHttp(null);

    const paused = await post(`${base}/api/halt`, JSON_HEADERS, '{"strategy_id":"beta"}');
    expect(paused.status).toBe(202);
    const reply = JSON.parse(paused.text) as Record<string, string>;
    expect(reply).toMatchObject({ command: 'halt', strategy_id: 'beta', stream });
    await waitFor(() => manager.pausedStrategies.includes('beta'), 5_000, 'beta paused');

    // The CLI, with the same clock, writes the same bytes.
    const out: string[] = [];
    const code = await runManagerCommand(
      'halt',
      ['--config', files.basePath, '--strategy', 'beta'],
      {
        env: {},
        stdout: (text) => out.push(text),
        stderr: (text) => out.push(text),
        nowNs: () => NOW_NS,
      },
    );
    expect(code, out.join('')).toBe(0);
    const entries = await env.redis.xrange(stream, '-', '+');
    expect(entries.map(([id]) => id)[0]).toBe(reply.entry_id);
    expect(entries).toHaveLength(2);
    const [fromHttp, fromCli] = entries.map(([, fields]) => fields);
    expect(fromHttp).toEqual(fromCli);
    // Written out by hand: the contract's command entry.
    expect(fromHttp).toEqual([
      'data',
      `{"command":"halt","strategy_id":"beta","timestamp_ns":"${NOW_NS}"}`,
    ]);

    // The whole portfolio: an empty body (or {}) means no strategy.
    expect((await post(`${base}/api/halt`, JSON_HEADERS, '')).status).toBe(202);
    await waitFor(() => manager.halted, 5_000, 'the halt');
    expect((await post(`${base}/api/resume`, JSON_HEADERS, '{}')).status).toBe(202);
    await waitFor(() => !manager.halted, 5_000, 'the resume');
    const last = await env.redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    expect(last[0]?.[1]).toEqual(['data', `{"command":"resume","timestamp_ns":"${NOW_NS}"}`]);
  });

  it('asks for the token whenever one is configured, also on loopback', async () => {
    const token = 'ops-cmd-secret-41c2';
    const { base, stream } = await startWithHttp(token);
    const url = `${base}/api/halt`;
    expect((await post(url, JSON_HEADERS, '{}')).status).toBe(401);
    expect((await post(url, { ...JSON_HEADERS, authorization: 'Bearer nope' }, '{}')).status).toBe(
      401,
    );
    expect(
      (await post(url, { ...JSON_HEADERS, authorization: `Bearer ${token.slice(0, -1)}` }, '{}'))
        .status,
    ).toBe(401);
    expect(await env.redis.xlen(stream)).toBe(0);
    // Reads on loopback stay open, as before.
    expect((await fetch(`${base}/api/snapshot`)).status).toBe(200);
    const ok = await post(url, { ...JSON_HEADERS, authorization: `Bearer ${token}` }, '{}');
    expect(ok.status).toBe(202);
    // What a browser sends after its login prompt: Basic with the token as password.
    const basic = Buffer.from(`ops:${token}`).toString('base64');
    const viaBasic = await post(
      `${base}/api/resume`,
      { ...JSON_HEADERS, authorization: `Basic ${basic}` },
      '{}',
    );
    expect(viaBasic.status).toBe(202);
    // Behind a reverse proxy: the public Host and its own Origin, with the token.
    const { port } = new URL(base);
    const proxied = {
      ...JSON_HEADERS,
      host: `desk.example:${port}`,
      origin: `https://desk.example:${port}`,
      'sec-fetch-site': 'same-origin',
    };
    expect((await post(url, proxied, '{}')).status).toBe(401);
    expect((await post(url, { ...proxied, authorization: `Bearer ${token}` }, '{}')).status).toBe(
      202,
    );
    expect(await env.redis.xlen(stream)).toBe(3);
    expect(JSON.stringify(env.log.lines)).not.toContain(token);
  });

  it('refuses what another site could make a browser send; nothing is written', async () => {
    const { base, stream } = await startWithHttp(null);
    const url = `${base}/api/halt`;
    const { port } = new URL(base);
    const refusals: [string, Record<string, string>, string, number][] = [
      // An HTML form: a simple content type, no command header.
      [
        'form post',
        { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
        'strategy_id=beta',
        403,
      ],
      ['form post, no Origin', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b', 403],
      ['text/plain', { 'content-type': 'text/plain', 'x-njord-command': 'halt' }, '{}', 415],
      ['no command header', { 'content-type': 'application/json' }, '{}', 403],
      ['another Origin', { ...JSON_HEADERS, origin: 'http://evil.example' }, '{}', 403],
      ['an opaque Origin', { ...JSON_HEADERS, origin: 'null' }, '{}', 403],
      [
        'another port',
        { ...JSON_HEADERS, origin: `http://127.0.0.1:${Number(port) + 1}` },
        '{}',
        403,
      ],
      ['cross-site fetch', { ...JSON_HEADERS, 'sec-fetch-site': 'cross-site' }, '{}', 403],
      ['same-site fetch', { ...JSON_HEADERS, 'sec-fetch-site': 'same-site' }, '{}', 403],
      // DNS rebinding: a name of the attacker's that resolves to 127.0.0.1; Origin matches Host.
      [
        'rebound name',
        { ...JSON_HEADERS, host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
        '{}',
        403,
      ],
    ];
    for (const [label, headers, body, status] of refusals) {
      const reply = await post(url, headers, body);
      expect(reply.status, label).toBe(status);
      expect(errorOf(reply), label).toMatch(/refused|application\/json/);
    }
    // A preflight gets no CORS answer, so a browser never sends the real request.
    const preflight = await new Promise<{ status: number; allow: string | undefined }>(
      (resolve, reject) => {
        const req = request(url, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } });
        req.on('response', (res) => {
          res.resume();
          resolve({
            status: res.statusCode ?? 0,
            allow: res.headers['access-control-allow-origin'],
          });
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(preflight).toEqual({ status: 405, allow: undefined });
    expect((await fetch(url)).status).toBe(405);
    expect(await env.redis.xlen(stream)).toBe(0);
    // The page's own request (same origin) passes.
    const own = await post(
      url,
      { ...JSON_HEADERS, origin: base, 'sec-fetch-site': 'same-origin' },
      '{}',
    );
    expect(own.status).toBe(202);
    expect(await env.redis.xlen(stream)).toBe(1);
  });

  it('serves reads to a loopback Host only when no token is set (DNS rebinding)', async () => {
    const { base } = await startWithHttp(null);
    const { port } = new URL(base);
    const get = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${base}${path}`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of ['/', '/metrics', '/api/snapshot', '/readyz']) {
      expect(await get(path, `evil.example:${port}`), path).toBe(403);
      expect(await get(path, `localhost:${port}`), path).not.toBe(403);
      expect(await get(path, `127.0.0.1:${port}`), path).not.toBe(403);
    }
    // Liveness stays open to any Host (probes name the pod, not localhost).
    expect(await get('/healthz', `evil.example:${port}`)).toBe(200);
  });

  it('answers 400 with a JSON error for a bad body or an unknown strategy', async () => {
    const { base, stream } = await startWithHttp(null);
    const cases: [string, string, RegExp][] = [
      [
        '{"strategy_id":"delta"}',
        `/api/halt`,
        /has no strategy "delta" \(it has alpha, beta, gamma\)/,
      ],
      ['{"strategy_id":"__proto__"}', `/api/resume`, /has no strategy "__proto__"/],
      ['{"strategy_id":7}', `/api/halt`, /strategy_id must be a non-empty string/],
      ['{"strategy_id":""}', `/api/halt`, /strategy_id must be a non-empty string/],
      ['{"strategy":"beta"}', `/api/halt`, /unknown field "strategy"/],
      ['["beta"]', `/api/halt`, /must be a JSON object/],
      ['null', `/api/halt`, /must be a JSON object/],
      ['{strategy_id: beta}', `/api/halt`, /not JSON/],
    ];
    for (const [body, path, message] of cases) {
      const reply = await post(`${base}${path}`, JSON_HEADERS, body);
      expect(reply.status, body).toBe(400);
      expect(errorOf(reply), body).toMatch(message);
    }
    const long = await post(
      `${base}/api/halt`,
      JSON_HEADERS,
      `{"strategy_id":"${'x'.repeat(5_000)}"}`,
    );
    expect(long.status).toBe(413);
    expect(await env.redis.xlen(stream)).toBe(0);
  });
});
