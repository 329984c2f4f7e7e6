// The journal checked against the consumer group at start: lines lost from the journal's end
// (a cut tail, a file truncated to half, a deleted journal) are told from the group's last
// delivered ids, and restored by reading those entries again from the streams (XRANGE) and
// applying them in the same order, or refused (exit 2) when the streams no longer hold them.
import { JournalDamageError, type JournalScan, lineNumberInFile } from './adapters/journal-file.js';
import {
  compareEntries,
  compareIds,
  type InputSource,
  mayHaveLostAfter,
  rangeEntries,
  type RedisKeys,
  type StreamEntry,
  type StreamGroupState,
} from './adapters/streams.js';
import type { Redis } from './adapters/redis.js';

/** How far the journal has read each input stream (stream key -> entry id). */
export type StreamPositions = Map<string, string>;

/** What the journal's own lines (from its last checkpoint on) say about the streams. */
export interface JournalPositions {
  /** Per stream key: every entry up to this id was processed when the journal was written. */
  readonly positions: StreamPositions;
  /** The last checkpoint or snapshot carried `positions` (journals written since they exist). */
  readonly tracked: boolean;
  readonly lastSeq: number;
}

function isEntryId(value: unknown): value is string {
  return typeof value === 'string' && /^\d+-\d+$/.test(value);
}

function advance(positions: StreamPositions, stream: string, id: string): void {
  const known = positions.get(stream);
  if (known === undefined || compareIds(id, known) > 0) positions.set(stream, id);
}

/**
 * The positions the scanned lines show: the `positions` of checkpoint and snapshot lines,
 * and the `source` of every line of live input (entries are processed in id order per
 * stream, and a line is written after everything before it).
 */
export function journalPositions(scan: JournalScan): JournalPositions {
  const positions: StreamPositions = new Map();
  let tracked = false;
  let lastSeq = 0;
  for (const { value } of scan.lines) {
    if (typeof value.seq === 'number') lastSeq = value.seq;
    const recorded = value.positions;
    if (typeof recorded === 'object' && recorded !== null && !Array.isArray(recorded)) {
      tracked = true;
      for (const [stream, id] of Object.entries(recorded as Record<string, unknown>)) {
        if (isEntryId(id)) advance(positions, stream, id);
      }
    }
    const source = value.source;
    if (typeof source === 'object' && source !== null) {
      const { stream, id } = source as { stream?: unknown; id?: unknown };
      if (typeof stream === 'string' && isEntryId(id)) advance(positions, stream, id);
    }
  }
  return { positions, tracked, lastSeq };
}

/** Entries to read again: after `after` up to `until` (the group's last delivered id). */
export interface StreamRestore {
  readonly source: InputSource;
  readonly stream: string;
  readonly after: string;
  readonly until: string;
}

export interface RestorePlan {
  /** The journal as scanned (for the line a refusal names). */
  readonly scan: JournalScan;
  readonly restores: readonly StreamRestore[];
  /** Where the loop stands on each stream once the restores are applied. */
  readonly positions: StreamPositions;
  readonly warnings: readonly string[];
}

export interface RestoreOptions {
  readonly journalPath: string;
  readonly portfolioId: string;
  readonly group: string;
  /** `--fresh`: a missing journal starts fresh although the group delivered entries. */
  readonly fresh: boolean;
  /** `--trust-journal`: lost lines the streams no longer hold are accepted as lost. */
  readonly trustJournal: boolean;
}

function delivered(state: StreamGroupState): boolean {
  return state.group && compareIds(state.lastDelivered, '0-0') > 0;
}

/** Entries acknowledged: a journal must have seen them (only pending ones: nothing was lost). */
function acknowledged(state: StreamGroupState): boolean {
  return delivered(state) && state.acknowledged;
}

/**
 * Compares the journal with the group. Throws JournalDamageError when the journal is missing
 * while the group has delivered entries (`missing_journal`, unless `fresh`), or when it lost
 * lines the streams no longer hold (`lost_lines`, unless `trustJournal`); else the ranges to
 * read again (none when the journal is whole).
 */
export function planRestore(
  scan: JournalScan,
  groups: readonly StreamGroupState[],
  options: RestoreOptions,
): RestorePlan {
  const warnings: string[] = [];
  const journal = journalPositions(scan);
  const atEnd = () => lineNumberInFile(options.journalPath, scan.fileBytes);
  const endLine = () => (scan.tornLastLine ? Math.max(1, atEnd()) : atEnd());
  if (scan.lines.length === 0) {
    const seen = groups.filter(acknowledged);
    const positions: StreamPositions = new Map();
    // Nothing acknowledged: nothing is processed yet (the pending entries come next).
    for (const state of groups) positions.set(state.stream, '0-0');
    if (seen.length === 0) return { scan, restores: [], positions, warnings };
    // --fresh: what the group acknowledged is left behind.
    for (const state of groups) positions.set(state.stream, state.lastDelivered);
    const detail = seen.map((state) => `${state.stream} up to ${state.lastDelivered}`).join(', ');
    if (!options.fresh) {
      throw new JournalDamageError(
        'missing_journal',
        options.journalPath,
        endLine(),
        scan.fileBytes,
        `no line of portfolio ${options.portfolioId}, but consumer group ${options.group} has ` +
          `acknowledged entries (${detail}); restore the journal from a copy, or start with --fresh`,
      );
    }
    warnings.push(
      `--fresh: starting without a journal although consumer group ${options.group} acknowledged ` +
        `entries (${detail}); what they did is not in the new state`,
    );
    return { scan, restores: [], positions, warnings };
  }
  const restores: StreamRestore[] = [];
  const positions: StreamPositions = new Map();
  for (const state of groups) {
    const known = journal.positions.get(state.stream);
    if (known === undefined && !journal.tracked) {
      // A journal written before positions were: nothing to compare with on this stream.
      if (delivered(state)) {
        warnings.push(
          `the journal records no position on ${state.stream} (written by an older manager): ` +
            `not checked against consumer group ${options.group}`,
        );
      }
      positions.set(state.stream, state.lastDelivered);
      continue;
    }
    const after = known ?? '0-0';
    positions.set(state.stream, after);
    if (!state.group || compareIds(state.lastDelivered, after) <= 0) continue;
    restores.push({
      source: state.source,
      stream: state.stream,
      after,
      until: state.lastDelivered,
    });
    if (mayHaveLostAfter(state, after)) {
      const detail =
        `the journal (last seq ${journal.lastSeq}) has read ${state.stream} up to ${after}, ` +
        `consumer group ${options.group} delivered up to ${state.lastDelivered}, and entries ` +
        `after ${after} may be gone from the stream (${trimDetail(state)}): what ` +
        `they did cannot be restored`;
      if (!options.trustJournal) {
        throw new JournalDamageError(
          'lost_lines',
          options.journalPath,
          endLine(),
          scan.fileBytes,
          `${detail}; restore the journal from a copy, or start with --trust-journal`,
        );
      }
      warnings.push(`--trust-journal: ${detail}; they are taken as lost`);
      restores.pop();
      positions.set(state.stream, state.lastDelivered);
    }
  }
  return { scan, restores, positions, warnings };
}

/** Entries read again per XRANGE call and per applied batch. */
const RESTORE_BATCH = 1000;

/**
 * Reads the restores' entries from the streams and hands them to `apply` in batches, in the
 * manager's one order across the streams (a merge of the per-stream id orders). Every range
 * must end at its `until` (the group's last delivered id): when a stream no longer holds it,
 * throws `lost_lines` before anything is applied. Returns how many entries were applied.
 */
export async function restoreFromStreams(
  redis: Redis,
  keys: RedisKeys,
  plan: RestorePlan,
  options: RestoreOptions,
  apply: (entries: readonly StreamEntry[]) => Promise<void>,
): Promise<number> {
  const { scan } = plan;
  const cursors: { restore: StreamRestore; after: string; buffer: StreamEntry[]; done: boolean }[] =
    [];
  for (const restore of plan.restores) {
    const last = await rangeEntries(
      redis,
      keys,
      restore.source,
      prev(restore.until),
      restore.until,
      1,
    );
    if (last.length !== 1 || last[0]?.id !== restore.until) {
      throw new JournalDamageError(
        'lost_lines',
        options.journalPath,
        lineNumberInFile(options.journalPath, scan.fileBytes),
        scan.fileBytes,
        `consumer group ${options.group} delivered ${restore.stream} up to ${restore.until}, ` +
          `after the journal's ${restore.after}, but the stream no longer holds that entry: ` +
          `what the entries did cannot be restored; restore the journal from a copy, or start ` +
          `with --trust-journal`,
      );
    }
    cursors.push({ restore, after: restore.after, buffer: [], done: false });
  }
  let applied = 0;
  const fill = async (cursor: (typeof cursors)[number]) => {
    if (cursor.buffer.length > 0 || cursor.done) return;
    const entries = await rangeEntries(
      redis,
      keys,
      cursor.restore.source,
      cursor.after,
      cursor.restore.until,
      RESTORE_BATCH,
    );
    if (entries.length < RESTORE_BATCH) cursor.done = true;
    const last = entries[entries.length - 1];
    if (last !== undefined) cursor.after = last.id;
    cursor.buffer = entries;
  };
  let batch: StreamEntry[] = [];
  for (;;) {
    let next: (typeof cursors)[number] | undefined;
    for (const cursor of cursors) {
      await fill(cursor);
      const head = cursor.buffer[0];
      if (head === undefined) continue;
      const best = next?.buffer[0];
      if (best === undefined || compareEntries(head, best) < 0) next = cursor;
    }
    if (next === undefined) break;
    batch.push(next.buffer.shift() as StreamEntry);
    if (batch.length >= RESTORE_BATCH) {
      await apply(batch);
      applied += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await apply(batch);
    applied += batch.length;
  }
  return applied;
}

/** The id just before `id` (`<ms>-<seq>`), for an inclusive XRANGE start made exclusive. */
function prev(id: string): string {
  const [msText = '0', seqText = '0'] = id.split('-');
  const seq = BigInt(seqText);
  if (seq > 0n) return `${msText}-${seq - 1n}`;
  const ms = BigInt(msText);
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0-0';
}

function trimDetail(state: StreamGroupState): string {
  const first =
    state.firstEntry === null ? 'it is empty' : `its first entry is ${state.firstEntry}`;
  return `${first}, ${state.length} of ${state.entriesAdded ?? '?'} entries added are left`;
}
