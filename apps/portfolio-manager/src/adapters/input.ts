// The manager's input: batches of fills and prices entries from its consumer group, pending
// entries first after a start or a reconnection, the group recreated when Redis lost it.
import type { Logger } from '../logger.js';
import type { RedisSession } from '../session.js';
import { type Clock, isEventClock } from './clock.js';
import {
  compareEntries,
  compareIdMs,
  compareIds,
  CONSUMER_NAME,
  ensureGroup,
  INPUT_SOURCES,
  isNoGroupError,
  lastDeliveredIds,
  readBatch,
  type RedisKeys,
  type StreamEntry,
  streamOf,
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
  /** Delivered entries held back until the entries before them in id order are read. */
  private held: StreamEntry[] = [];
  /** Counts the reader's (re)connections, so a read that spanned a reconnect can be told. */
  private connections = 0;

  constructor(private readonly options: InputReaderOptions) {
    options.session.reader.on('ready', () => {
      // A read in flight when the connection dropped may have been delivered and lost: re-read pending entries.
      this.needPendingRead = true;
      this.connections++;
    });
  }

  /** Creates the consumer group on the input streams where it is missing (at `0`). */
  async ensureGroups(): Promise<void> {
    const { session, keys, logger } = this.options;
    for (const stream of INPUT_SOURCES.map((source) => streamOf(keys, source))) {
      if (await session.untilInterrupted(ensureGroup(session.cmd, stream, keys.group))) {
        logger.info({ stream, group: keys.group }, 'consumer group created at 0');
      }
    }
  }

  /**
   * The next batch in one entry-id order across the streams ([] when none came, or a read
   * failed and was handled). A blocking read waits at most until `wakeAtMs` on the clock (the
   * next timer). Entries are held back (delivered, pending, not applied) while an entry of the
   * other stream with a lower id may still be unread: a stream that returned a full batch may
   * hold more right after its last id, and after a restart undelivered entries may come
   * before pending ones.
   */
  async read(wakeAtMs: number): Promise<StreamEntry[]> {
    const { session, keys, clock, batchSize, logger } = this.options;
    const connection = this.connections;
    try {
      if (this.needPendingRead) return await this.readPending();
      // Event time stands still while no input arrives: its timers cannot shorten a wait.
      const blockMs =
        this.held.length > 0
          ? 0
          : isEventClock(clock)
            ? MAX_BLOCK_MS
            : Math.max(1, Math.min(MAX_BLOCK_MS, wakeAtMs - clock.nowMs()));
      let batch = await session.untilInterrupted(
        readBatch(session.reader, keys, CONSUMER_NAME, {
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
      if (isEventClock(clock) && batch.entries.length > 0 && batch.entries.length < batchSize) {
        const rest = await session.untilInterrupted(
          readBatch(session.reader, keys, CONSUMER_NAME, { count: batchSize }),
        );
        if (this.connections !== connection) return [];
        batch = { entries: mergeById(batch.entries, rest.entries), full: rest.full };
      }
      return this.release(mergeById(this.held, batch.entries), lowestId([...batch.full.values()]));
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
        this.held = [];
        return [];
      }
      // The failed read may have been delivered: its entries are pending, read them first.
      this.needPendingRead = true;
      logger.warn({ error: errorMessage(error) }, 'reading the input streams failed; retrying');
      await session.pause(200);
      return [];
    }
  }

  /**
   * Pending entries (after a start or a reconnection), applied up to where no undelivered
   * entry of another stream can come before them; once none is, the rest is held and new
   * entries are read.
   */
  private async readPending(): Promise<StreamEntry[]> {
    const { session, keys, batchSize } = this.options;
    this.held = [];
    const batch = await session.untilInterrupted(
      readBatch(session.reader, keys, CONSUMER_NAME, { count: batchSize, pending: true }),
    );
    if (batch.entries.length === 0) {
      this.needPendingRead = false;
      return [];
    }
    // A stream that returned all its pending entries may have undelivered ones after its
    // last delivered id; one that returned a full batch may have more pending after its last.
    const delivered = await session.untilInterrupted(lastDeliveredIds(session.cmd, keys));
    const limits: string[] = [];
    for (const source of INPUT_SOURCES) {
      const limit = batch.full.get(source) ?? delivered.get(source);
      if (limit !== undefined) limits.push(limit);
    }
    const ready = this.release(batch.entries, lowestId(limits));
    if (ready.length === 0) this.needPendingRead = false;
    return ready;
  }

  /** The entries up to `limit` (all when null); the rest is held back. */
  private release(entries: StreamEntry[], limit: string | null): StreamEntry[] {
    if (limit === null) {
      this.held = [];
      return entries;
    }
    let end = 0;
    // A command waits for every fill and mark of its millisecond (see compareEntries).
    const ready = (entry: StreamEntry) =>
      entry.source === 'commands'
        ? compareIdMs(entry.id, limit) < 0
        : compareIds(entry.id, limit) <= 0;
    while (end < entries.length && ready(entries[end] as StreamEntry)) end++;
    this.held = entries.slice(end);
    return end === entries.length ? entries : entries.slice(0, end);
  }
}

/** Two lists in the manager's order merged into one (`compareEntries`). */
function mergeById(a: readonly StreamEntry[], b: readonly StreamEntry[]): StreamEntry[] {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  return [...a, ...b].sort(compareEntries);
}

function lowestId(ids: readonly string[]): string | null {
  let lowest: string | null = null;
  for (const id of ids) if (lowest === null || compareIds(id, lowest) < 0) lowest = id;
  return lowest;
}
