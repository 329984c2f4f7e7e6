// The paper broker's loop: order intents from the orders stream (its own consumer group) filled
// at the latest mark as of the intent, each fill written once per intent, then acknowledged.
import {
  type CostModel,
  encodeFillEvent,
  safeDecodeOrderIntent,
  safeDecodePriceMark,
} from '@njord/portfolio-contracts';
import { fillIntentAtMark, MarkHistory } from '@njord/portfolio-sizer';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../adapters/redis.js';
import type { LoadedConfig } from '../config.js';
import type { Logger } from '../logger.js';

export interface PaperBrokerKeys {
  readonly orders: string;
  readonly fills: string;
  readonly prices: string;
  /** Hash: intent id -> the orders entry it was filled from (the once-per-intent ledger). */
  readonly filled: string;
  readonly group: string;
}

export function paperBrokerKeys(prefix: string, portfolioId: string): PaperBrokerKeys {
  return {
    orders: `${prefix}:orders`,
    fills: `${prefix}:fills`,
    prices: `${prefix}:prices`,
    filled: `${prefix}:paper-broker:${portfolioId}:filled`,
    group: `paper-broker:${portfolioId}`,
  };
}

const CONSUMER = 'paper-broker';

// The ledger entry, the fill and the ack in one step: a crash leaves either all or none, so a
// restart neither repeats nor loses a fill. 1: filled; 0: filled before (acknowledged again).
const FILL_SCRIPT = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[4]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'data', ARGV[2])
  redis.call('XACK', KEYS[3], ARGV[3], ARGV[4])
  return 1
end
redis.call('XACK', KEYS[3], ARGV[3], ARGV[4])
return 0`;

export interface PaperBrokerCounters {
  filled: number;
  duplicates: number;
  other_portfolio: number;
  invalid: number;
  marks: number;
}

type RawReply = [stream: string, entries: [id: string, fields: string[] | null][]][] | null;

function dataOf(fields: string[] | null): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'data') return fields[i + 1];
  return undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class PaperBroker {
  readonly counters: PaperBrokerCounters = {
    filled: 0,
    duplicates: 0,
    other_portfolio: 0,
    invalid: 0,
    marks: 0,
  };
  readonly keys: PaperBrokerKeys;
  private readonly redis: Redis;
  private readonly reader: Redis;
  private readonly marks = new MarkHistory();
  private readonly costs: CostModel;
  private readonly portfolioId: string;
  private lastPriceId = '0';
  private stopping = false;

  constructor(
    config: LoadedConfig,
    private readonly logger: Logger,
    private readonly options: { batchSize?: number; blockMs?: number } = {},
  ) {
    this.portfolioId = config.portfolio.id;
    this.costs = config.portfolio.costs;
    this.keys = paperBrokerKeys(config.manager.redis.prefix, config.portfolio.id);
    const url = config.manager.redis.url;
    this.redis = createRedisClient({ url, logger, name: `njord-paper-${this.portfolioId}` });
    this.reader = createRedisClient({ url, logger, name: `njord-paper-${this.portfolioId}-read` });
  }

  stop(): void {
    this.stopping = true;
    // Breaks a blocking read at once.
    this.reader.disconnect();
  }

  async run(): Promise<void> {
    try {
      try {
        await this.redis.xgroup('CREATE', this.keys.orders, this.keys.group, '0', 'MKSTREAM');
        this.logger.info({ group: this.keys.group }, 'consumer group created at 0');
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
      }
      this.logger.info(
        { orders: this.keys.orders, fills: this.keys.fills, group: this.keys.group },
        'paper broker started',
      );
      let pending = true;
      while (!this.stopping) {
        let reply: RawReply;
        try {
          reply = (await this.reader.call(
            'XREADGROUP',
            'GROUP',
            this.keys.group,
            CONSUMER,
            'COUNT',
            this.options.batchSize ?? 500,
            ...(pending ? [] : ['BLOCK', this.options.blockMs ?? 1000]),
            'STREAMS',
            this.keys.orders,
            pending ? '0' : '>',
          )) as RawReply;
        } catch (error) {
          if (this.stopping) break;
          this.logger.warn(
            { error: error instanceof Error ? error.message : String(error) },
            'reading the orders stream failed; retrying',
          );
          pending = true;
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const entries = reply?.[0]?.[1] ?? [];
        if (pending && entries.length === 0) {
          pending = false;
          continue;
        }
        if (entries.length === 0) continue;
        // Every mark written before these intents is read first: the fill price is the mark as
        // of the intent, whatever arrived since.
        await this.readMarks();
        for (const [id, fields] of entries) await this.fill(id, dataOf(fields));
      }
    } finally {
      this.logger.info({ counters: this.counters }, 'paper broker stopped');
      this.redis.disconnect();
      this.reader.disconnect();
    }
  }

  private async readMarks(): Promise<void> {
    for (;;) {
      const reply = (await this.redis.call(
        'XREAD',
        'COUNT',
        10_000,
        'STREAMS',
        this.keys.prices,
        this.lastPriceId,
      )) as RawReply;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) return;
      for (const [id, fields] of entries) {
        this.lastPriceId = id;
        const mark = safeDecodePriceMark(parseJson(dataOf(fields)));
        if (!mark.success) continue;
        this.marks.add(mark.data.symbol, mark.data.price, mark.data.timestampNs);
        this.counters.marks++;
      }
    }
  }

  private async fill(entryId: string, data: string | undefined): Promise<void> {
    const decoded = safeDecodeOrderIntent(parseJson(data));
    if (!decoded.success) {
      this.counters.invalid++;
      this.logger.warn(
        { entry_id: entryId, error: decoded.error.message },
        'not an order intent; acknowledged without a fill',
      );
      await this.redis.xack(this.keys.orders, this.keys.group, entryId);
      return;
    }
    const intent = decoded.data;
    if (intent.portfolioId !== this.portfolioId) {
      this.counters.other_portfolio++;
      await this.redis.xack(this.keys.orders, this.keys.group, entryId);
      return;
    }
    const fill = fillIntentAtMark(intent, this.marks, this.costs);
    const payload = JSON.stringify(encodeFillEvent(fill));
    const written = (await this.redis.eval(
      FILL_SCRIPT,
      3,
      this.keys.filled,
      this.keys.fills,
      this.keys.orders,
      intent.intentId,
      payload,
      this.keys.group,
      entryId,
    )) as number;
    if (written === 1) {
      this.counters.filled++;
      this.logger.debug(
        { intent_id: intent.intentId, price: fill.price, fee: fill.fee },
        'intent filled on paper',
      );
    } else {
      this.counters.duplicates++;
      this.logger.info({ intent_id: intent.intentId }, 'intent filled before; not filled again');
    }
  }
}
