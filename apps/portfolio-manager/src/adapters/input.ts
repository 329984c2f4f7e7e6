// The manager's input: batches of fills and prices entries from its consumer group, pending
// entries first after a start or a reconnection, the group recreated when Redis lost it.
import type { Logger } from '../logger.js';
import type { RedisSession } from '../session.js';
import { type Clock, isEventClock } from './clock.js';
import {
  CONSUMER_NAME,
  ensureGroup,
  isNoGroupError,
  readEntries,
  type RedisKeys,
  type StreamEntry,
} from './streams.js';

const MAX_BLOCK_MS = 500;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface InputReaderOptions {
  readonly session: RedisSession;
  readonly keys: RedisKeys;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Entries per XREADGROUP and stream. */
  readonly batchSize: number;
  /** Told when the consumer group had to be created again. */
  readonly onGroupRecreated: () => void;
}

export class InputReader {
  private needPendingRead = true;
  /** Counts the reader's (re)connections, so a read that spanned a reconnect can be told. */
  private connections = 0;

  constructor(private readonly options: InputReaderOptions) {
    options.session.reader.on('ready', () => {
      // A read in flight when the connection dropped may have been delivered and lost: re-read pending entries.
      this.needPendingRead = true;
      this.connections++;
    });
  }

  /** Creates the consumer group on both streams where it is missing (at `0`). */
  async ensureGroups(): Promise<void> {
    const { session, keys, logger } = this.options;
    for (const stream of [keys.fills, keys.prices]) {
      if (await session.untilInterrupted(ensureGroup(session.cmd, stream, keys.group))) {
        logger.info({ stream, group: keys.group }, 'consumer group created at 0');
      }
    }
  }

  /**
   * The next batch in entry-id order ([] when none came, or a read failed and was handled).
   * A blocking read waits at most until `wakeAtMs` on the clock (the next timer).
   */
  async read(wakeAtMs: number): Promise<StreamEntry[]> {
    const { session, keys, clock, batchSize, logger } = this.options;
    const connection = this.connections;
    try {
      if (this.needPendingRead) {
        const entries = await session.untilInterrupted(
          readEntries(session.reader, keys, CONSUMER_NAME, { count: batchSize, pending: true }),
        );
        if (entries.length === 0) this.needPendingRead = false;
        return entries;
      }
      // Event time stands still while no input arrives: its timers cannot shorten a wait.
      const blockMs = isEventClock(clock)
        ? MAX_BLOCK_MS
        : Math.max(1, Math.min(MAX_BLOCK_MS, wakeAtMs - clock.nowMs()));
      let entries = await session.untilInterrupted(
        readEntries(session.reader, keys, CONSUMER_NAME, {
          count: batchSize,
          blockMs: Math.ceil(blockMs),
        }),
      );
      // ioredis resends a read that was in flight when the connection dropped: its `>`
      // then skips the entries the lost reply delivered (now pending). Its own entries
      // are pending too: leave them, and read everything pending in stream order first.
      if (this.connections !== connection) return [];
      // A blocked read is served with the one stream that woke it: under an event clock the
      // rest of what was written with it (a tape's bar: marks and fills) joins the batch.
      if (isEventClock(clock) && entries.length > 0 && entries.length < batchSize) {
        const rest = await session.untilInterrupted(
          readEntries(session.reader, keys, CONSUMER_NAME, { count: batchSize }),
        );
        if (this.connections !== connection) return [];
        entries = entries.concat(rest);
      }
      return entries;
    } catch (error) {
      if (session.stopping) return [];
      if (isNoGroupError(error)) {
        this.options.onGroupRecreated();
        logger.warn(
          { group: keys.group },
          'consumer group missing (Redis lost it); recreating at 0',
        );
        await this.ensureGroups();
        this.needPendingRead = false;
        return [];
      }
      // The failed read may have been delivered: its entries are pending, read them first.
      this.needPendingRead = true;
      logger.warn({ error: errorMessage(error) }, 'reading the input streams failed; retrying');
      await session.pause(200);
      return [];
    }
  }
}
