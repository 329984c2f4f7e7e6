// Redis keys and stream I/O of one portfolio: consumer group reads, acks, dead letters,
// order intents and snapshots (docs/formats.md, Redis keys).
import { decodeUtf8 } from '@njord/portfolio-contracts';
import type { Redis } from 'ioredis';
import {
  FENCED_FLUSH,
  FENCED_SNAPSHOT,
  FENCED_XADD,
  type Fence,
  fenceOf,
  runFenced,
} from './fence.js';

export interface RedisKeys {
  readonly fills: string;
  readonly prices: string;
  readonly orders: string;
  /** Pub/sub channel. */
  readonly snapshotChannel: string;
  /** Capped stream (MAXLEN ~ 10000). */
  readonly snapshots: string;
  readonly dead: string;
  readonly lock: string;
  /** Operators' commands (halt, resume, check), read in order with the input. */
  readonly commands: string;
  /** Consumer group on the fills, prices and commands streams. */
  readonly group: string;
}

export function redisKeys(prefix: string, portfolioId: string): RedisKeys {
  const own = `${prefix}:portfolio:${portfolioId}`;
  return {
    fills: `${prefix}:fills`,
    prices: `${prefix}:prices`,
    orders: `${prefix}:orders`,
    snapshotChannel: `${own}:snapshot`,
    snapshots: `${own}:snapshots`,
    dead: `${own}:dead`,
    lock: `${own}:lock`,
    commands: `${own}:commands`,
    group: `portfolio-manager:${portfolioId}`,
  };
}

export const SNAPSHOT_STREAM_MAXLEN = 10_000;
export const DEAD_STREAM_MAXLEN = 100_000;
/** One manager per portfolio (the lock), so one consumer name: a successor inherits its pending entries. */
export const CONSUMER_NAME = 'manager';

export type InputSource = 'fills' | 'prices' | 'commands';

/** The streams the manager reads, in the order of a tie (same entry id: fills first). */
export const INPUT_SOURCES: readonly InputSource[] = ['fills', 'prices', 'commands'];

/** The stream key of an input source. */
export function streamOf(keys: RedisKeys, source: InputSource): string {
  return source === 'fills' ? keys.fills : source === 'prices' ? keys.prices : keys.commands;
}

export interface StreamEntry {
  readonly source: InputSource;
  /** The stream entry id (`<ms>-<seq>`). */
  readonly id: string;
  /**
   * The entry's `data` field: its text, or its bytes when they are not valid UTF-8; undefined
   * when missing (or the entry was trimmed away).
   */
  readonly data: string | Uint8Array | undefined;
}

export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

/** Creates the group at `0` (nothing sent before the first start is lost). True when created. */
export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<boolean> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    return true;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return false;
    throw error;
  }
}

/** Where an entry id's millisecond part ends (its first `-`, else its length). */
function msEnd(id: string): number {
  const dash = id.indexOf('-');
  return dash < 0 ? id.length : dash;
}

/** The sequence part of an entry id (after the first `-`, up to a next one) as a number. */
function seqOf(id: string, dash: number): number {
  if (dash >= id.length) return 0;
  let end = id.indexOf('-', dash + 1);
  if (end < 0) end = id.length;
  if (end - dash - 1 > 15) return Number(id.slice(dash + 1, end));
  let value = 0;
  for (let i = dash + 1; i < end; i++) {
    const digit = id.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return Number(id.slice(dash + 1, end));
    value = value * 10 + digit;
  }
  return value;
}

/** The millisecond parts compared as Redis does (length first, then text), no copies made. */
function compareMsParts(a: string, aEnd: number, b: string, bEnd: number): number {
  if (aEnd !== bEnd) return aEnd - bEnd;
  for (let i = 0; i < aEnd; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

/** Orders stream entry ids (`<ms>-<seq>`) as Redis does. */
export function compareIds(a: string, b: string): number {
  const aEnd = msEnd(a);
  const bEnd = msEnd(b);
  return compareMsParts(a, aEnd, b, bEnd) || seqOf(a, aEnd) - seqOf(b, bEnd);
}

/** The millisecond part of an entry id, compared as Redis does. */
export function compareIdMs(a: string, b: string): number {
  return compareMsParts(a, msEnd(a), b, msEnd(b));
}

/**
 * The order the manager applies entries in: by entry id, but a command after every fill and
 * mark of its millisecond. Sequence numbers count per stream, so within one millisecond ids
 * say nothing about the order across streams; a producer that writes a bar's marks and fills
 * and then a `check` in one go (a tape) means the check to see them all. Ties between fills
 * and prices: fills first.
 */
export function compareEntries(a: StreamEntry, b: StreamEntry): number {
  const commandA = a.source === 'commands';
  if (commandA !== (b.source === 'commands')) {
    const ms = compareIdMs(a.id, b.id);
    if (ms !== 0) return ms;
    return commandA ? 1 : -1;
  }
  return (
    compareIds(a.id, b.id) || INPUT_SOURCES.indexOf(a.source) - INPUT_SOURCES.indexOf(b.source)
  );
}

type RawEntry = [id: Buffer, fields: Buffer[] | null];
type RawReply = [stream: Buffer, entries: RawEntry[]][] | null;

const DATA = Buffer.from('data');

/** The `data` field as text, or as bytes when they are not valid UTF-8 (never a lossy decode). */
function dataField(fields: Buffer[] | null): string | Uint8Array | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if ((fields[i] as Buffer).equals(DATA)) {
      const bytes = fields[i + 1] as Buffer;
      return decodeUtf8(bytes) ?? bytes;
    }
  }
  return undefined;
}

export interface ReadOptions {
  readonly count: number;
  /** 0 or undefined: no BLOCK. */
  readonly blockMs?: number;
  /** true: this consumer's pending entries (id 0) instead of new ones (`>`). */
  readonly pending?: boolean;
}

/** One XREADGROUP on the input streams. */
export interface ReadBatch {
  /** Entries of every stream merged in entry-id order (fills first on a tie). */
  readonly entries: StreamEntry[];
  /**
   * The last id returned of each stream that returned a full `count` (it may hold more
   * entries right after: none of another stream's later entries may be applied before them).
   */
  readonly full: ReadonlyMap<InputSource, string>;
}

/**
 * XREADGROUP on the fills, prices and commands streams; entries of all come back merged in
 * entry-id order (the order Redis received them). Payloads are read as bytes, so text that
 * is not UTF-8 reaches the caller as such instead of as replacement characters.
 */
export async function readBatch(
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
  options: ReadOptions,
): Promise<ReadBatch> {
  const id = options.pending ? '0' : '>';
  const args: (string | number)[] = ['GROUP', keys.group, consumer, 'COUNT', options.count];
  if (options.blockMs && options.blockMs > 0) args.push('BLOCK', options.blockMs);
  args.push('STREAMS', keys.fills, keys.prices, keys.commands, id, id, id);
  const reply = (await redis.callBuffer('XREADGROUP', ...args)) as RawReply;
  const full = new Map<InputSource, string>();
  if (!reply) return { entries: [], full };
  const out: StreamEntry[] = [];
  let sources = 0;
  for (const [stream, entries] of reply) {
    if (entries.length === 0) continue;
    sources++;
    const name = stream.toString('latin1');
    const source: InputSource =
      name === keys.fills ? 'fills' : name === keys.prices ? 'prices' : 'commands';
    let last = '';
    for (const [entryId, fields] of entries) {
      last = entryId.toString('latin1');
      out.push({ source, id: last, data: dataField(fields) });
    }
    if (entries.length >= options.count) full.set(source, last);
  }
  if (sources > 1) out.sort(compareEntries);
  return { entries: out, full };
}

/** `readBatch`'s entries only. */
export async function readEntries(
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
  options: ReadOptions,
): Promise<StreamEntry[]> {
  return (await readBatch(redis, keys, consumer, options)).entries;
}

/**
 * The group's last delivered id on each input stream that may still hold undelivered entries:
 * every such entry has a later id. A stream the group has read to its end (`lag` 0) is left
 * out: nothing of it can come before a pending entry of another (a commands stream nobody
 * wrote to would otherwise hold everything back at `0-0`).
 */
export async function lastDeliveredIds(
  redis: Redis,
  keys: RedisKeys,
): Promise<Map<InputSource, string>> {
  const out = new Map<InputSource, string>();
  for (const source of INPUT_SOURCES) {
    const stream = streamOf(keys, source);
    const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
    for (const group of groups) {
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < group.length; i += 2) fields.set(String(group[i]), group[i + 1]);
      if (fields.get('name') !== keys.group) continue;
      if (fields.get('lag') === 0) continue;
      out.set(source, String(fields.get('last-delivered-id')));
    }
  }
  return out;
}

export interface DeadLetter {
  readonly source: InputSource;
  readonly entryId: string;
  readonly data: string | null;
  readonly error: string;
}

export interface Outbox {
  /** Entries to acknowledge, by source. */
  readonly ack: Record<InputSource, string[]>;
  readonly dead: DeadLetter[];
}

export function createOutbox(): Outbox {
  return { ack: { fills: [], prices: [], commands: [] }, dead: [] };
}

export function isOutboxEmpty(outbox: Outbox): boolean {
  return (
    outbox.ack.fills.length === 0 &&
    outbox.ack.prices.length === 0 &&
    outbox.ack.commands.length === 0 &&
    outbox.dead.length === 0
  );
}

/**
 * A dead letter keeps at most this many characters of its input, and then says how long it
 * was (`data_chars`): a producer writing huge entries must not fill Redis through the dead
 * stream, which is capped in entries, not bytes.
 */
export const DEAD_DATA_MAX_CHARS = 64 * 1024;

/** The dead letter as written to the dead stream. */
export function deadPayload(dead: DeadLetter): string {
  const data = dead.data;
  const cut = data !== null && data.length > DEAD_DATA_MAX_CHARS;
  // Not between the two halves of a surrogate pair.
  const keep =
    DEAD_DATA_MAX_CHARS -
    (cut && isHighSurrogate(data.charCodeAt(DEAD_DATA_MAX_CHARS - 1)) ? 1 : 0);
  return JSON.stringify({
    data: cut ? data.slice(0, keep) : data,
    error: dead.error,
    source: dead.source,
    entry_id: dead.entryId,
    ...(cut ? { data_chars: data.length } : {}),
  });
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Dead letters first, then the acks, in one round trip. Fenced (one script, all or nothing)
 * when the client carries the lock's fence (or `fence` is given): a manager that lost the
 * lock acknowledges nothing.
 */
export async function flushOutbox(
  redis: Redis,
  keys: RedisKeys,
  outbox: Outbox,
  fence: Fence | undefined = fenceOf(redis),
): Promise<void> {
  if (isOutboxEmpty(outbox)) return;
  if (fence !== undefined) {
    const args: (string | number)[] = [keys.group, DEAD_STREAM_MAXLEN, outbox.dead.length];
    for (const dead of outbox.dead) args.push(deadPayload(dead));
    // Each stream's ids as one argument (one string to send, not one per entry).
    args.push(
      outbox.ack.fills.join(' '),
      outbox.ack.prices.join(' '),
      outbox.ack.commands.join(' '),
    );
    await runFenced(
      redis,
      fence,
      FENCED_FLUSH,
      [keys.dead, keys.fills, keys.prices, keys.commands],
      args,
    );
    return;
  }
  const pipeline = redis.pipeline();
  for (const dead of outbox.dead) {
    pipeline.xadd(keys.dead, 'MAXLEN', '~', DEAD_STREAM_MAXLEN, '*', 'data', deadPayload(dead));
  }
  if (outbox.ack.fills.length > 0) pipeline.xack(keys.fills, keys.group, ...outbox.ack.fills);
  if (outbox.ack.prices.length > 0) pipeline.xack(keys.prices, keys.group, ...outbox.ack.prices);
  if (outbox.ack.commands.length > 0)
    pipeline.xack(keys.commands, keys.group, ...outbox.ack.commands);
  const results = (await pipeline.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
}

/** XADD of JSON payloads (field `data`) to the orders stream, one round trip; fenced as `flushOutbox`. */
export async function publishOrders(
  redis: Redis,
  keys: RedisKeys,
  payloads: readonly string[],
  fence: Fence | undefined = fenceOf(redis),
): Promise<void> {
  if (payloads.length === 0) return;
  if (fence !== undefined) {
    await runFenced(redis, fence, FENCED_XADD, [keys.orders], ['', ...payloads]);
    return;
  }
  const pipeline = redis.pipeline();
  for (const payload of payloads) pipeline.xadd(keys.orders, '*', 'data', payload);
  const results = (await pipeline.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
}

/** PUBLISH on the channel and XADD to the capped snapshots stream; fenced as `flushOutbox`. */
export async function publishSnapshot(
  redis: Redis,
  keys: RedisKeys,
  payload: string,
  fence: Fence | undefined = fenceOf(redis),
): Promise<void> {
  if (fence !== undefined) {
    await runFenced(
      redis,
      fence,
      FENCED_SNAPSHOT,
      [keys.snapshotChannel, keys.snapshots],
      [SNAPSHOT_STREAM_MAXLEN, payload],
    );
    return;
  }
  const pipeline = redis.pipeline();
  pipeline.publish(keys.snapshotChannel, payload);
  pipeline.xadd(keys.snapshots, 'MAXLEN', '~', SNAPSHOT_STREAM_MAXLEN, '*', 'data', payload);
  const results = (await pipeline.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
}

/**
 * Moves pending entries other consumers of the group left behind (an older consumer
 * name, say) to `consumer`, so the id-0 read sees them. Returns how many it moved.
 */
export async function claimPending(
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
): Promise<number> {
  let moved = 0;
  for (const stream of [keys.fills, keys.prices, keys.commands]) {
    let cursor = '0-0';
    for (;;) {
      const reply = (await redis.call(
        'XAUTOCLAIM',
        stream,
        keys.group,
        consumer,
        '0',
        cursor,
        'COUNT',
        '1000',
        'JUSTID',
      )) as [string, string[], string[]?];
      moved += reply[1].length;
      cursor = reply[0];
      if (cursor === '0-0') break;
    }
  }
  return moved;
}

/** What the consumer group and the stream say about one input stream (see `inspectGroup`). */
export interface StreamGroupState {
  readonly source: InputSource;
  readonly stream: string;
  /** The group exists on the stream. */
  readonly group: boolean;
  /** The group's last delivered id (`0-0` when it delivered nothing or does not exist). */
  readonly lastDelivered: string;
  /** The group acknowledged at least one entry (delivered entries that are no longer pending). */
  readonly acknowledged: boolean;
  /** The newest id deleted from the stream (Redis 7 counts XDEL here, not trims), `0-0` when none. */
  readonly maxDeleted: string;
  /** The stream's first entry id, null when it is empty. */
  readonly firstEntry: string | null;
  /** Entries the stream holds. */
  readonly length: number;
  /** Entries ever added (Redis 7), null when the server does not say. */
  readonly entriesAdded: number | null;
}

/**
 * True when the stream may have lost (trimmed or deleted) an entry after `after`: its newest
 * deleted id is later, or its first entry is later while it holds fewer than it was given.
 */
export function mayHaveLostAfter(state: StreamGroupState, after: string): boolean {
  if (compareIds(state.maxDeleted, after) > 0) return true;
  if (state.entriesAdded !== null && state.entriesAdded === state.length) return false;
  return state.firstEntry === null || compareIds(state.firstEntry, after) > 0;
}

/** A reply field as an entry id (`0-0` when absent or not text). */
function idField(value: unknown): string {
  return typeof value === 'string'
    ? value
    : Buffer.isBuffer(value)
      ? value.toString('latin1')
      : '0-0';
}

function fieldsOf(reply: unknown[]): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
  return fields;
}

/**
 * The group's last delivered id and the stream's newest deleted id on each input stream (Redis
 * 7: `max-deleted-entry-id`; older servers report none, so a trim there goes unseen).
 */
export async function inspectGroup(redis: Redis, keys: RedisKeys): Promise<StreamGroupState[]> {
  const out: StreamGroupState[] = [];
  for (const source of INPUT_SOURCES) {
    const stream = streamOf(keys, source);
    const empty = { maxDeleted: '0-0', firstEntry: null, length: 0, entriesAdded: 0 };
    if ((await redis.exists(stream)) === 0) {
      out.push({
        source,
        stream,
        group: false,
        lastDelivered: '0-0',
        acknowledged: false,
        ...empty,
      });
      continue;
    }
    const info = fieldsOf((await redis.call('XINFO', 'STREAM', stream)) as unknown[]);
    const first = info.get('first-entry');
    const added = info.get('entries-added');
    const facts = {
      maxDeleted: idField(info.get('max-deleted-entry-id')),
      firstEntry: Array.isArray(first) && first.length > 0 ? idField(first[0]) : null,
      length: Number(info.get('length') ?? 0),
      entriesAdded: typeof added === 'number' ? added : null,
    };
    const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
    let state: StreamGroupState = {
      source,
      stream,
      group: false,
      lastDelivered: '0-0',
      acknowledged: false,
      ...facts,
    };
    for (const group of groups) {
      const fields = fieldsOf(group);
      if (fields.get('name') !== keys.group) continue;
      const lastDelivered = idField(fields.get('last-delivered-id'));
      const pending = Number(fields.get('pending') ?? 0);
      const entriesRead = fields.get('entries-read');
      // Redis 7 counts the entries up to the last delivered one; else count them (a trim
      // makes that an underestimate).
      const delivered =
        typeof entriesRead === 'number'
          ? entriesRead
          : compareIds(lastDelivered, '0-0') > 0
            ? ((await redis.xrange(stream, '-', lastDelivered, 'COUNT', pending + 1)) as unknown[])
                .length
            : 0;
      state = {
        source,
        stream,
        group: true,
        lastDelivered,
        acknowledged: delivered > pending,
        ...facts,
      };
    }
    out.push(state);
  }
  return out;
}

/**
 * Entries of `source` after `after` (exclusive) up to `until` (inclusive), at most `count`, in
 * id order, read with XRANGE (no delivery to the group): payloads as `readBatch` gives them.
 */
export async function rangeEntries(
  redis: Redis,
  keys: RedisKeys,
  source: InputSource,
  after: string,
  until: string,
  count: number,
): Promise<StreamEntry[]> {
  const reply = (await redis.callBuffer(
    'XRANGE',
    streamOf(keys, source),
    `(${after}`,
    until,
    'COUNT',
    count,
  )) as RawEntry[];
  return reply.map(([entryId, fields]) => ({
    source,
    id: entryId.toString('latin1'),
    data: dataField(fields),
  }));
}

/** The newest order intent of a portfolio on the orders stream: its entry and plan. */
export interface PublishedIntent {
  readonly entryId: string;
  readonly planId: string;
  readonly intentId: string;
  /** The intent's `timestamp_ns` (its plan's time), when it is a decimal string or integer. */
  readonly timestampNs?: bigint;
}

/** A `timestamp_ns` as written (a decimal string, or an integer from another producer). */
function intentTime(value: unknown): bigint | undefined {
  if (typeof value === 'string' && /^[0-9]{1,19}$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

/**
 * The newest intent `portfolioId` published on the orders stream (shared by portfolios), read
 * back from the end in pages; null when there is none among the newest `maxEntries` entries.
 */
export async function newestOwnIntent(
  redis: Redis,
  keys: RedisKeys,
  portfolioId: string,
  maxEntries = 100_000,
  page = 1000,
): Promise<PublishedIntent | null> {
  let end = '+';
  let seen = 0;
  while (seen < maxEntries) {
    const entries = await redis.xrevrange(keys.orders, end, '-', 'COUNT', page);
    for (const [id, fields] of entries) {
      const at = fields.indexOf('data');
      const data = at >= 0 ? fields[at + 1] : undefined;
      if (data === undefined) continue;
      let intent: unknown;
      try {
        intent = JSON.parse(data);
      } catch {
        continue; // not ours to judge: another writer's entry
      }
      if (typeof intent !== 'object' || intent === null) continue;
      const { portfolio_id, plan_id, intent_id, timestamp_ns } = intent as Record<string, unknown>;
      if (portfolio_id === portfolioId && typeof plan_id === 'string') {
        const timestampNs = intentTime(timestamp_ns);
        return {
          entryId: id,
          planId: plan_id,
          intentId: String(intent_id),
          ...(timestampNs === undefined ? {} : { timestampNs }),
        };
      }
    }
    seen += entries.length;
    const last = entries.at(-1);
    if (entries.length < page || last === undefined) return null;
    end = `(${last[0]}`;
  }
  return null;
}
