// The JSON logger (pino): one place decides its shape, so no secret reaches a log line.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(
  options: { level?: string; portfolioId?: string; service?: string } = {},
  destination?: DestinationStream,
): Logger {
  // `service` in the base, once: a child's own `service` would repeat the key in each line.
  const base: Record<string, unknown> = {
    service: options.service ?? 'portfolio-manager',
    pid: process.pid,
  };
  if (options.portfolioId !== undefined) base.portfolio_id = options.portfolioId;
  return pino(
    {
      level: options.level ?? 'info',
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Belt and braces: the code only ever logs redacted URLs, but never a password field.
      redact: { paths: ['password', '*.password', 'redis.url', 'url_raw'], censor: '***' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
