// The manager's HTTP side (node:http): /metrics, /healthz, /readyz, /api/snapshot, /events
// and the dashboard at /. Off loopback every path but /healthz needs the bearer token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodePortfolioSnapshot } from '@njord/portfolio-contracts';
import { parseListen } from '../config.js';
import type { Logger } from '../logger.js';
import { DASHBOARD_CSP, renderDashboard } from './dashboard.js';
import type { LiveFeed } from './live-feed.js';
import type { ManagerMetrics } from './metrics.js';
import type { ManagerView, RedisView } from './view.js';

const READY_PING_MS = 1_000;

export interface HttpServerOptions {
  readonly listen: string;
  /** The bearer token; required when `listen` is not a loopback address. */
  readonly token: string | null;
  readonly view: ManagerView;
  readonly redis: RedisView | null;
  readonly metrics: ManagerMetrics;
  readonly feed: LiveFeed;
  readonly logger: Logger;
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
  const dashboard = renderDashboard({ portfolioId: view.portfolioId });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
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
      send(res, 401, 'unauthorized\n', undefined, {
        'www-authenticate': 'Bearer realm="njord", Basic realm="njord", charset="UTF-8"',
      });
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
