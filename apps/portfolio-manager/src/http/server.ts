// The manager's HTTP side (node:http): /metrics, /healthz, /readyz, /api/snapshot, /events
// and the dashboard at /. Off loopback every path but /healthz needs the bearer token; on
// loopback without a token only a loopback Host is served (a rebound DNS name is refused).
// POST /api/halt and /api/resume send an operator command: they need the token whenever one is
// configured, and refuse anything a page of another site could make a browser send.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodePortfolioSnapshot } from '@njord/portfolio-contracts';
import { strategyProblem } from '../command.js';
import { parseListen } from '../config.js';
import type { Logger } from '../logger.js';
import { DASHBOARD_CSP, renderDashboard } from './dashboard.js';
import type { LiveFeed } from './live-feed.js';
import type { ManagerMetrics } from './metrics.js';
import type { CommandSender, DashboardCommand, ManagerView, RedisView } from './view.js';

const READY_PING_MS = 1_000;
/** A command's body is `{}` or `{"strategy_id": "..."}`: anything longer is refused. */
const MAX_COMMAND_BODY = 4_096;
/** The header a command request must carry: a page of another site cannot set it without CORS. */
export const COMMAND_HEADER = 'x-njord-command';
const COMMAND_PATHS: ReadonlyMap<string, DashboardCommand> = new Map([
  ['/api/halt', 'halt'],
  ['/api/resume', 'resume'],
]);

export interface HttpServerOptions {
  readonly listen: string;
  /** The bearer token; required when `listen` is not a loopback address. */
  readonly token: string | null;
  readonly view: ManagerView;
  readonly redis: RedisView | null;
  readonly metrics: ManagerMetrics;
  readonly feed: LiveFeed;
  readonly logger: Logger;
  /** Where POST /api/halt and /api/resume send their command; null answers them 503. */
  readonly commands?: CommandSender | null;
}

export interface RunningHttpServer {
  readonly server: Server;
  /** The address bound (with the port chosen when `listen` said 0). */
  readonly address: { host: string; port: number };
  readonly url: string;
  close(): Promise<void>;
}

export class HttpConfigError extends Error {
  readonly _tag = 'HttpConfigError' as const;
  readonly code = 'invalid_http' as const;
}

/** 127.0.0.0/8, ::1 and `localhost`: the addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  if (lower.startsWith('::ffff:')) return isLoopback(lower.slice(7));
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lower);
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The credential of a request: `Authorization: Bearer <token>`, or HTTP Basic with the token
 * as password (what a browser sends after its login prompt, also on its event stream).
 */
function presentedToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return (bearer[1] as string).trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

/** Compares hashes in constant time, so neither the token's content nor its length leaks. */
export function tokenMatches(expectedDigest: Buffer, presented: string | null): boolean {
  if (presented === null) return false;
  return timingSafeEqual(expectedDigest, digest(presented));
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

const JSON_TYPE = 'application/json; charset=utf-8';

function sendError(res: ServerResponse, status: number, error: string, headers = {}): void {
  send(res, status, `${JSON.stringify({ error })}\n`, JSON_TYPE, headers);
}

/** The host name of a Host header (`name:port`, `[v6]:port`), lower-cased, or null. */
function hostName(host: string | undefined): string | null {
  if (host === undefined || host === '') return null;
  try {
    const name = new URL(`http://${host}`).hostname.toLowerCase();
    return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  } catch {
    return null;
  }
}

/**
 * Why a command request may come from a page of another site (null when it cannot): a
 * `Sec-Fetch-Site` other than same-origin, an `Origin` other than the server's own, a Host that
 * is not loopback when `loopbackHost` (a DNS name rebound to 127.0.0.1), or no command header.
 */
function crossSiteProblem(req: IncomingMessage, loopbackHost: boolean): string | null {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `a ${site} request cannot send commands`;
  const host = req.headers.host;
  const name = hostName(host);
  if (name === null) return 'no Host header';
  if (loopbackHost && !isLoopback(name)) return `Host ${host} is not a loopback name`;
  const origin = req.headers.origin;
  // The scheme is not checked: behind a proxy that terminates TLS the page's origin is https.
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`)
    return `Origin ${origin} is not this server`;
  if (req.headers[COMMAND_HEADER] === undefined) return `the ${COMMAND_HEADER} header is missing`;
  return null;
}

function isJsonType(type: string | undefined): boolean {
  return (type ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** The request body as text, or null past `limit` bytes (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The strategy of a command body (`{}` or `{"strategy_id": "..."}`), or why the body is bad. */
export function parseCommandBody(
  text: string,
): { ok: true; strategyId: string | undefined } | { ok: false; error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text === '' ? '{}' : text);
  } catch {
    return { ok: false, error: 'the body is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, error: 'the body must be a JSON object' };
  const extra = Object.keys(body).filter((key) => key !== 'strategy_id');
  if (extra.length > 0)
    return { ok: false, error: `unknown field ${JSON.stringify(extra[0])} (only strategy_id)` };
  if (!Object.hasOwn(body, 'strategy_id')) return { ok: true, strategyId: undefined };
  const strategyId: unknown = (body as { strategy_id: unknown }).strategy_id;
  if (typeof strategyId !== 'string' || strategyId === '')
    return { ok: false, error: 'strategy_id must be a non-empty string' };
  return { ok: true, strategyId };
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { view, redis, metrics, feed, logger } = options;
  const parsed = parseListen(options.listen);
  if (parsed === null) throw new HttpConfigError(`http.listen: bad address ${options.listen}`);
  const needsToken = !isLoopback(parsed.host);
  if (needsToken && (options.token === null || options.token === '')) {
    throw new HttpConfigError(
      `http.listen ${options.listen} is not a loopback address: set the bearer token in the environment variable named by http.token_env`,
    );
  }
  const expected = needsToken ? digest(options.token as string) : null;
  // Commands need the token whenever one is configured, on loopback too.
  const commandToken =
    options.token === null || options.token === '' ? null : digest(options.token);
  // Without a token only a loopback Host may command (DNS rebinding); with one, a rebound page
  // lacks it anyway, and a reverse proxy in front of a loopback listen keeps its public Host.
  const loopbackHost = commandToken === null;
  const commands = options.commands ?? null;
  const dashboard = renderDashboard({ portfolioId: view.portfolioId });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const command = COMMAND_PATHS.get(path);
    if (command !== undefined) {
      await commandRoute(command, req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'method not allowed\n', undefined, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/healthz') {
      const live = view.isLive();
      send(res, live ? 200 : 503, live ? 'ok\n' : 'stopped\n');
      return;
    }
    if (expected !== null && !tokenMatches(expected, presentedToken(req))) {
      unauthorized(res);
      return;
    }
    // Without a token, a page whose own DNS name was rebound to 127.0.0.1 could read the
    // portfolio from the victim's browser: only a loopback Host is served.
    const name = loopbackHost ? hostName(req.headers.host) : null;
    if (name !== null && !isLoopback(name)) {
      send(res, 403, `refused: Host ${req.headers.host ?? ''} is not a loopback name\n`);
      return;
    }
    switch (path) {
      case '/metrics': {
        const text = await metrics.text();
        send(res, 200, text, metrics.registry.contentType);
        return;
      }
      case '/readyz': {
        const recovered = view.isRecovered();
        const lock = view.isLockHeld();
        const redisUp = redis === null ? false : await redis.ping(READY_PING_MS);
        const ready = recovered && lock && redisUp;
        send(
          res,
          ready ? 200 : 503,
          `${JSON.stringify({ ready, recovered, lock_held: lock, redis: redisUp })}\n`,
          'application/json; charset=utf-8',
        );
        return;
      }
      case '/api/snapshot': {
        const snapshot = view.snapshot();
        if (snapshot === null) {
          send(res, 503, '{"error":"not recovered yet"}\n', 'application/json; charset=utf-8');
          return;
        }
        send(
          res,
          200,
          JSON.stringify(encodePortfolioSnapshot(snapshot)),
          'application/json; charset=utf-8',
        );
        return;
      }
      case '/events':
        feed.attach(res);
        return;
      case '/':
      case '/index.html':
        send(res, 200, dashboard, 'text/html; charset=utf-8', {
          'content-security-policy': DASHBOARD_CSP,
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
        });
        return;
      default:
        send(res, 404, 'not found\n');
    }
  }

  function unauthorized(res: ServerResponse): void {
    send(res, 401, 'unauthorized\n', undefined, {
      'www-authenticate': 'Bearer realm="njord", Basic realm="njord", charset="UTF-8"',
    });
  }

  async function commandRoute(
    command: DashboardCommand,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (req.method !== 'POST') {
      sendError(res, 405, `${command} takes a POST`, { allow: 'POST' });
      return;
    }
    if (commandToken !== null && !tokenMatches(commandToken, presentedToken(req))) {
      unauthorized(res);
      return;
    }
    const crossSite = crossSiteProblem(req, loopbackHost);
    if (crossSite !== null) {
      logger.warn({ path: `/api/${command}`, reason: crossSite }, 'http: command refused');
      sendError(res, 403, `refused: ${crossSite}`);
      return;
    }
    if (!isJsonType(req.headers['content-type'])) {
      sendError(res, 415, 'the body must be application/json');
      return;
    }
    const text = await readBody(req, MAX_COMMAND_BODY);
    if (text === null) {
      sendError(res, 413, `the body is longer than ${MAX_COMMAND_BODY} bytes`);
      return;
    }
    const body = parseCommandBody(text);
    if (!body.ok) {
      sendError(res, 400, body.error);
      return;
    }
    if (commands === null) {
      sendError(res, 503, 'this server cannot send commands');
      return;
    }
    const unknown = strategyProblem(view.portfolioId, commands.strategyIds, body.strategyId);
    if (unknown !== null) {
      sendError(res, 400, unknown);
      return;
    }
    let sent: { stream: string; entryId: string };
    try {
      sent = await commands.send(command, body.strategyId);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn(
        { command, strategy_id: body.strategyId, error: reason },
        'http: command not sent',
      );
      sendError(res, 503, `cannot send ${command}: ${reason}`);
      return;
    }
    logger.info(
      { command, strategy_id: body.strategyId, stream: sent.stream, entry_id: sent.entryId },
      'http: operator command sent',
    );
    send(
      res,
      202,
      `${JSON.stringify({
        command,
        ...(body.strategyId === undefined ? {} : { strategy_id: body.strategyId }),
        stream: sent.stream,
        entry_id: sent.entryId,
      })}\n`,
      JSON_TYPE,
    );
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.warn(
        {
          path: (req.url ?? '').split('?')[0],
          error: error instanceof Error ? error.message : String(error),
        },
        'http: request failed',
      );
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(parsed.port, parsed.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  feed.start();
  const bound = server.address() as AddressInfo;
  const hostText = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  logger.info(
    { listen: `${hostText}:${bound.port}`, token_required: needsToken },
    'http: serving /metrics, /healthz, /readyz, /api/snapshot, /events and the dashboard',
  );
  return {
    server,
    address: { host: bound.address, port: bound.port },
    url: `http://${hostText}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        feed.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
