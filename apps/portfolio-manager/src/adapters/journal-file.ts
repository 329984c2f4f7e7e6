// The NDJSON journal file: batched appends under an fsync policy, and the scan that
// finds a portfolio's last checkpoint from the end of a (possibly shared) file.
import { performance } from 'node:perf_hooks';
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  type JournalLine,
  JournalLineSchema,
  toContractIssues,
  ContractError,
} from '@njord/portfolio-contracts';
import { makeDirectory } from '@njord/portfolio-contracts/node';
import { appliedFillCount } from '@njord/portfolio-tracker';
import type { JournalFsyncPolicy } from '../config.js';

const NEWLINE = 0x0a;

/** Appends whole lines; one write() per batch (per line under `always`), synced by policy. */
export class FileJournal {
  private fd: number;
  private closed = false;
  bytesWritten = 0;
  /** The file's size when opened (after the newline that ends a torn last line). */
  private startSize = 0;
  /** Instrumentation: told how long each fsync took, in seconds. */
  onFsync: ((seconds: number) => void) | undefined;

  private constructor(
    private currentPath: string,
    readonly fsync: JournalFsyncPolicy,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** The file lines are appended to (a new segment's after `rotate`). */
  get path(): string {
    return this.currentPath;
  }

  /** Closes this file (synced per policy) and appends to `path` from now on (a new segment). */
  rotate(path: string): void {
    if (this.closed) throw new Error('journal is closed');
    const next = FileJournal.open(path, this.fsync);
    if (this.fsync !== 'never') fdatasyncSync(this.fd);
    closeSync(this.fd);
    this.fd = next.fd;
    this.currentPath = path;
    this.startSize = next.startSize;
    this.bytesWritten = 0;
  }

  /**
   * Opens (creating the folder and file) for appending. If the file does not end with a
   * newline (a torn write), a newline is appended first so the next line starts clean;
   * the torn fragment becomes a line of its own that readers drop.
   */
  static open(path: string, fsync: JournalFsyncPolicy): FileJournal {
    makeDirectory(dirname(path));
    const fd = openSync(path, 'a+');
    const journal = new FileJournal(path, fsync, fd);
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== NEWLINE) {
        writeSync(fd, '\n');
        if (fsync !== 'never') fdatasyncSync(fd);
      }
    }
    journal.startSize = fstatSync(fd).size;
    return journal;
  }

  /**
   * Where the next line will start if this is the file's only writer (another writer sharing
   * the file moves it: readers of the offset verify it).
   */
  get endOffset(): number {
    return this.startSize + this.bytesWritten;
  }

  /** Writes the lines (UTF-8, each ending in its newline). Throws on I/O errors: the caller must not ack. */
  append(lines: readonly Buffer[]): void {
    if (this.closed) throw new Error('journal is closed');
    if (lines.length === 0) return;
    if (this.fsync === 'always') {
      for (const line of lines) {
        this.writeAll(line);
        this.sync();
      }
      return;
    }
    this.writeAll(lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines));
    if (this.fsync === 'batch') this.sync();
  }

  /** `append` of lines laid one after the other in `bytes`, line i ending at `ends[i]`. */
  appendLines(bytes: Buffer, ends: readonly number[]): void {
    if (this.closed) throw new Error('journal is closed');
    if (ends.length === 0) return;
    if (this.fsync === 'always') {
      for (let i = 0, start = 0; i < ends.length; start = ends[i++] as number) {
        this.writeRange(bytes, start, ends[i] as number);
        this.sync();
      }
      return;
    }
    this.writeRange(bytes, 0, ends[ends.length - 1] as number);
    if (this.fsync === 'batch') this.sync();
  }

  private sync(): void {
    if (this.onFsync === undefined) {
      fdatasyncSync(this.fd);
      return;
    }
    const started = performance.now();
    fdatasyncSync(this.fd);
    this.onFsync((performance.now() - started) / 1000);
  }

  private writeAll(buffer: Buffer): void {
    this.writeRange(buffer, 0, buffer.length);
  }

  private writeRange(buffer: Buffer, start: number, end: number): void {
    let offset = start;
    while (offset < end) offset += writeSync(this.fd, buffer, offset, end - offset);
    this.bytesWritten += end - start;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fsync !== 'never') fdatasyncSync(this.fd);
    closeSync(this.fd);
  }
}

/** A parsed journal line of the portfolio being scanned (the JSON object, untyped). */
export interface RawJournalLine {
  readonly value: Record<string, unknown>;
  /** Byte offset of the line in the file. */
  readonly offset: number;
}

/** What is wrong with a journal that cannot be replayed as it is. */
export const JOURNAL_DAMAGE = [
  'bad_crc',
  'seq_gap',
  'seq_repeat',
  'unreadable_line',
  'invalid_line',
  'lost_lines',
  'missing_journal',
] as const;
export type JournalDamage = (typeof JOURNAL_DAMAGE)[number];

/**
 * The journal is damaged where a replay cannot be exact: the manager refuses to start
 * (exit 2) rather than run on a state that silently differs.
 */
export class JournalDamageError extends Error {
  readonly _tag = 'JournalDamageError' as const;

  constructor(
    readonly code: JournalDamage,
    readonly file: string,
    /** 1-based line number in the file. */
    readonly line: number,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`journal ${file} line ${line} (byte ${offset}): ${code}: ${detail}`);
    this.name = 'JournalDamageError';
  }
}

const CRC_TAIL = /,"crc":"([0-9a-f]{8})"}$/;

/** null: the line's CRC matches (or it has none, an older line); else what is wrong. */
function crcProblem(text: string, value: Record<string, unknown>): string | null {
  const match = CRC_TAIL.exec(text);
  if (match === null) return 'v' in value ? 'a line with "v" has no "crc"' : null;
  // zlib's CRC-32 (native) over the UTF-8 bytes: the contract's `crc32Hex`, faster.
  const actual = crc32(`${text.slice(0, match.index)}}`)
    .toString(16)
    .padStart(8, '0');
  return actual === match[1]
    ? null
    : `crc ${match[1] as string} does not match the line (${actual})`;
}

/** A checkpoint line's header, readable even when a bit elsewhere in it flipped. */
function looksLikeCheckpoint(text: string, owner: string): boolean {
  const at = text.indexOf(owner);
  return at >= 0 && at <= OWNER_WINDOW && text.slice(0, 200).includes('"type":"checkpoint"');
}

/** The 1-based line number of the byte at `offset` (counts newlines before it). */
export function lineNumberAt(fd: number, offset: number): number {
  const chunk = Buffer.alloc(1 << 20);
  let line = 1;
  let position = 0;
  while (position < offset) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, offset - position), position);
    if (read === 0) break;
    for (
      let at = chunk.indexOf(NEWLINE, 0);
      at >= 0 && at < read;
      at = chunk.indexOf(NEWLINE, at + 1)
    )
      line++;
    position += read;
  }
  return line;
}

export interface JournalScan {
  /** The portfolio's lines from its last checkpoint on (the checkpoint first), or all its lines. */
  readonly lines: RawJournalLine[];
  /** Unparseable last line (a torn write), dropped. */
  readonly tornLastLine: boolean;
  /** Unparseable lines before the last one (earlier torn writes, or another portfolio's), dropped. */
  readonly corruptLines: number;
  /** Checkpoint lines skipped for a bad CRC (the one before them, and the lines after, replay instead). */
  readonly damagedCheckpoints: number;
  readonly fileBytes: number;
}

/** Both line formats name the portfolio near the start: `{"portfolio_id":..` or `{"v":1,"seq":N,"portfolio_id":..`. */
function ownerKey(portfolioId: string): string {
  return `"portfolio_id":${JSON.stringify(portfolioId)},`;
}

/** Where the owner key may end at the latest: after `{"v":1,"seq":<up to 16 digits>,`. */
const OWNER_WINDOW = 40;

function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through: a torn or corrupt line
  }
  return undefined;
}

/**
 * Walks back from the end of the file in chunks to the portfolio's last `checkpoint`
 * line; returns its byte offset, or 0 when there is none.
 */
function findLastCheckpoint(
  fd: number,
  size: number,
  portfolioId: string,
  chunkBytes: number,
): number {
  const owner = Buffer.from(ownerKey(portfolioId));
  const marker = Buffer.from('"type":"checkpoint"');
  for (const { line, offset } of linesBackward(fd, size, chunkBytes)) {
    if (
      line.length > owner.length &&
      line.subarray(0, OWNER_WINDOW + owner.length).includes(owner) &&
      line.subarray(0, 200).includes(marker)
    ) {
      const text = line.toString('utf8');
      const value = tryParse(text);
      if (
        value &&
        value.portfolio_id === portfolioId &&
        value.type === 'checkpoint' &&
        crcProblem(text, value) === null
      ) {
        return offset;
      }
    }
  }
  return 0;
}

/**
 * The lines of `portfolioId` from its last intact checkpoint to the end of the file, each
 * checked: its CRC (lines with `v`), and its seq, which must rise by exactly 1 (lines with
 * `v`; older lines: rise). Other portfolios' lines are skipped. An unparseable line is
 * dropped when the own lines around it still follow on (a torn write, or another
 * portfolio's line); a checkpoint line with a bad CRC is passed over (the checkpoint before
 * it and the lines between replay instead). Any other fault throws JournalDamageError
 * naming the file, line and fault: a bit flip, a line lost in the middle, a second writer.
 * A torn (unparseable) last line is dropped.
 */
export function scanJournal(path: string, portfolioId: string, chunkBytes = 1 << 20): JournalScan {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {
        lines: [],
        tornLastLine: false,
        corruptLines: 0,
        damagedCheckpoints: 0,
        fileBytes: 0,
      };
    }
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const from = findLastCheckpoint(fd, size, portfolioId, chunkBytes);
    const owner = ownerKey(portfolioId);
    const lines: RawJournalLine[] = [];
    let corruptLines = 0;
    let damagedCheckpoints = 0;
    let tornLastLine = false;
    let lastSeq: number | undefined;
    /** Seqs that may be missing before the next own line: checkpoint lines passed over. */
    let allowedGap = 0;
    /** The first unparseable line since the last own line, if any. */
    let unreadableAt: number | undefined;
    const damage = (code: JournalDamage, offset: number, detail: string): never => {
      throw new JournalDamageError(code, path, lineNumberAt(fd, offset), offset, detail);
    };
    let position = from;
    let carry = Buffer.alloc(0);
    let carryOffset = from;
    const chunkBuffer = Buffer.alloc(chunkBytes);
    const handle = (bytes: Buffer, offset: number, isLast: boolean) => {
      if (bytes.length === 0) return;
      const text = bytes.toString('utf8');
      const value = tryParse(text);
      if (!value) {
        if (isLast) tornLastLine = true;
        else {
          corruptLines++;
          unreadableAt ??= offset;
        }
        return;
      }
      const at = text.indexOf(owner);
      if (at < 0 || at > OWNER_WINDOW || value.portfolio_id !== portfolioId) return;
      const crc = crcProblem(text, value);
      if (crc !== null) {
        if (looksLikeCheckpoint(text, owner) && lines.length > 0) {
          damagedCheckpoints++;
          allowedGap++;
          return;
        }
        damage('bad_crc', offset, crc);
      }
      const seq = value.seq;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq))
        damage('seq_gap', offset, `seq is ${String(seq)}, not an integer`);
      const seqNumber = seq as number;
      if (lastSeq !== undefined) {
        if (seqNumber <= lastSeq)
          damage('seq_repeat', offset, `seq ${seqNumber} after seq ${lastSeq} (a second writer?)`);
        const expected = lastSeq + 1 + allowedGap;
        if ('v' in value && seqNumber !== expected) {
          if (unreadableAt !== undefined)
            damage(
              'unreadable_line',
              unreadableAt,
              `unreadable line where seq ${lastSeq + 1} should be (the next own line is seq ${seqNumber})`,
            );
          damage('seq_gap', offset, `seq ${seqNumber} after seq ${lastSeq}: lines are missing`);
        }
      }
      lastSeq = seqNumber;
      allowedGap = 0;
      unreadableAt = undefined;
      lines.push({ value, offset });
    };
    while (position < size) {
      const read = readSync(fd, chunkBuffer, 0, Math.min(chunkBytes, size - position), position);
      if (read === 0) break;
      const data =
        carry.length > 0
          ? Buffer.concat([carry, chunkBuffer.subarray(0, read)])
          : chunkBuffer.subarray(0, read);
      let lineStart = 0;
      let newline = data.indexOf(NEWLINE, lineStart);
      while (newline >= 0) {
        handle(data.subarray(lineStart, newline), carryOffset + lineStart, false);
        lineStart = newline + 1;
        newline = data.indexOf(NEWLINE, lineStart);
      }
      carry = Buffer.from(data.subarray(lineStart));
      carryOffset += lineStart;
      position += read;
    }
    handle(carry, carryOffset, true);
    return { lines, tornLastLine, corruptLines, damagedCheckpoints, fileBytes: size };
  } finally {
    closeSync(fd);
  }
}

/**
 * The scanned lines of `path` through the journal schema (what recovery applies). A line that
 * does not decode is damage: JournalDamageError `invalid_line`, naming its line.
 */
export function decodeScannedLines(path: string, lines: readonly RawJournalLine[]): JournalLine[] {
  const out: JournalLine[] = [];
  for (const scanned of lines) {
    const decoded = JournalLineSchema.safeParse(scanned.value);
    if (decoded.success) {
      out.push(decoded.data);
      continue;
    }
    const detail = new ContractError(toContractIssues(decoded.error.issues, scanned.value)).message;
    const fd = openSync(path, 'r');
    try {
      const line = lineNumberAt(fd, scanned.offset);
      throw new JournalDamageError('invalid_line', path, line, scanned.offset, detail);
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

/** The 1-based line number of the byte at `offset` of the file at `path` (1 when it is missing). */
export function lineNumberInFile(path: string, offset: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 1;
  }
  try {
    return lineNumberAt(fd, offset);
  } finally {
    closeSync(fd);
  }
}

// --- checkpoint chains ---------------------------------------------------------------------

/** A link of a checkpoint chain: where its line is, and the ledger's fill count through it. */
export interface ChainLink {
  readonly seq: number;
  /** Byte offset of the line (null: unknown; then it is found by seq). */
  readonly offset: number | null;
  /** Fills the restored ledger holds through this link (its own and every earlier link's). */
  readonly added: number;
  /** The segment file holding the line (absent: the journal is one file). */
  readonly segment?: string | undefined;
}

/** A reference to an earlier checkpoint line, as a chained checkpoint carries it. */
interface CheckpointRef {
  readonly seq: number;
  readonly offset: number | null;
  /** The segment file holding it (a name in the journal's folder); absent: the same file. */
  readonly segment?: string | undefined;
}

export interface ChainRead {
  /** The earlier links' `applied_fills`, oldest first, each read (and checked) when reached. */
  readonly earlierFills: Iterable<unknown>;
  /** The links read, the last checkpoint last; complete once `earlierFills` was consumed. */
  readonly links: ChainLink[];
}

/** The line starting at `offset` (without its newline), or null past the end. */
function readLineAt(fd: number, offset: number, size: number): Buffer | null {
  if (offset >= size) return null;
  const parts: Buffer[] = [];
  let position = offset;
  let chunk = 1 << 16;
  while (position < size) {
    const buffer = Buffer.allocUnsafe(Math.min(chunk, size - position));
    const read = readSync(fd, buffer, 0, buffer.length, position);
    if (read === 0) break;
    const newline = buffer.indexOf(NEWLINE);
    if (newline >= 0 && newline < read) {
      parts.push(buffer.subarray(0, newline));
      break;
    }
    parts.push(buffer.subarray(0, read));
    position += read;
    chunk = Math.min(chunk * 2, 1 << 24);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** `{"v":1,"seq":N,"portfolio_id":..,"type":"checkpoint",`: the start of an own checkpoint line. */
function checkpointHead(portfolioId: string, seq: number): string {
  return `{"v":1,"seq":${seq},${ownerKey(portfolioId)}"type":"checkpoint",`;
}

/** A checkpoint reference as written: `{"seq":N,"offset":B}`, maybe with `"segment":"<file>"`. */
const REF = String.raw`(?:null|\{"seq":\d+,"offset":(?:null|\d+)(?:,"segment":"[A-Za-z0-9_.-]+")?\})`;
const LEDGER_HEAD = new RegExp(
  String.raw`^"timestamp_ns":"-?\d+","ledger":(\{"since":${REF},"from":${REF}\})`,
);

/** The `ledger` member of a checkpoint line read from its head (null: none, a full checkpoint). */
function ledgerOfHead(
  head: string,
  prefix: string,
): { since: CheckpointRef | null; from: CheckpointRef | null } | null {
  const match = LEDGER_HEAD.exec(head.slice(prefix.length));
  return match === null
    ? null
    : (JSON.parse(match[1] as string) as {
        since: CheckpointRef | null;
        from: CheckpointRef | null;
      });
}

/** Every line before `end`, walking back: its bytes (without the newline) and offset. */
function* linesBackward(
  fd: number,
  end: number,
  chunkBytes: number,
): Generator<{ line: Buffer; offset: number }> {
  let carry = Buffer.alloc(0);
  while (end > 0) {
    const start = Math.max(0, end - chunkBytes);
    const chunk = Buffer.alloc(end - start);
    readSync(fd, chunk, 0, chunk.length, start);
    const buffer = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
    let lineEnd = buffer.length;
    let newline = buffer.lastIndexOf(NEWLINE, lineEnd - 1);
    while (newline >= 0 || start === 0) {
      yield { line: buffer.subarray(newline + 1, lineEnd), offset: start + newline + 1 };
      if (newline < 0) break;
      lineEnd = newline;
      newline = lineEnd > 0 ? buffer.lastIndexOf(NEWLINE, lineEnd - 1) : -1;
    }
    carry = Buffer.from(buffer.subarray(0, lineEnd));
    end = start;
  }
}

/**
 * The offset of the portfolio's checkpoint line `ref.seq` before `before`: at `ref.offset`
 * when the line there is that one (the usual case), else found walking back (the offset was
 * unknown, or another writer shares the file). Throws `lost_lines` when it is not there.
 */
function locateCheckpoint(
  path: string,
  fd: number,
  portfolioId: string,
  ref: CheckpointRef,
  before: number,
  chunkBytes: number,
): number {
  const prefix = checkpointHead(portfolioId, ref.seq);
  if (ref.offset !== null && ref.offset < before) {
    const head = Buffer.alloc(Math.min(prefix.length, before - ref.offset));
    readSync(fd, head, 0, head.length, ref.offset);
    if (head.toString('utf8') === prefix) return ref.offset;
  }
  const wanted = Buffer.from(prefix);
  const seqKey = /^\{"v":1,"seq":(\d+),/;
  const owner = Buffer.from(ownerKey(portfolioId));
  for (const { line, offset } of linesBackward(fd, before, chunkBytes)) {
    if (line.subarray(0, wanted.length).equals(wanted)) return offset;
    if (!line.subarray(0, OWNER_WINDOW + owner.length).includes(owner)) continue;
    const seq = seqKey.exec(line.subarray(0, 40).toString('latin1'));
    if (seq !== null && Number(seq[1]) < ref.seq) break;
  }
  throw new JournalDamageError(
    'lost_lines',
    path,
    lineNumberAt(fd, before),
    before,
    `checkpoint seq ${ref.seq}, a link of the checkpoint chain this line continues, is not in the file before it`,
  );
}

/**
 * The checkpoint chain behind `checkpoint` (the portfolio's last checkpoint, at `offset` in
 * `path`): the earlier links from its `ledger.from` through `ledger.since`, found by their
 * offsets (checked by seq; found walking back when an offset is wrong), in `path` or in the
 * segment files their references name (beside `path`). Each link's fills are read when the
 * restore reaches them, its CRC checked: a damaged or missing link is JournalDamageError (the
 * fill ids it held could not be checked for duplicates). A checkpoint without a chain gives
 * no earlier fills.
 */
export function readCheckpointChain(
  path: string,
  portfolioId: string,
  checkpoint: {
    readonly seq: number;
    readonly offset: number;
    readonly ledger?:
      { readonly since: CheckpointRef | null; readonly from: CheckpointRef | null } | undefined;
    /** How many applied fills the checkpoint's own tracker state holds. */
    readonly ownFills: number;
    /** The segment file `path` is (absent: the journal is one file). */
    readonly segment?: string | undefined;
    /** Where links without a segment name are: the one-file journal (default: `path`). */
    readonly oneFile?: string | undefined;
  },
  chunkBytes = 1 << 20,
): ChainRead {
  const links: ChainLink[] = [];
  const last = {
    seq: checkpoint.seq,
    offset: checkpoint.offset,
    ...(checkpoint.segment === undefined ? {} : { segment: checkpoint.segment }),
  };
  const since = checkpoint.ledger?.since ?? null;
  const from = checkpoint.ledger?.from ?? since;
  if (since === null || from === null) {
    links.push({ ...last, added: checkpoint.ownFills });
    return { earlierFills: [], links };
  }
  const folder = dirname(path);
  const oneFile = checkpoint.oneFile ?? path;
  const fileOf = (segment: string | undefined) =>
    segment === undefined ? oneFile : join(folder, segment);
  const files = new OpenFiles();
  // Walk back by the heads alone: where each link is, oldest first.
  const found: { seq: number; offset: number; segment: string | undefined }[] = [];
  try {
    let ref: CheckpointRef | null = since;
    let at: { file: string; offset: number } = {
      file: fileOf(checkpoint.segment),
      offset: checkpoint.offset,
    };
    while (ref !== null) {
      const file = fileOf(ref.segment);
      const fd = files.fd(file);
      const before = file === at.file ? at.offset : fstatSync(fd).size;
      let offset: number;
      try {
        offset = locateCheckpoint(file, fd, portfolioId, ref, before, chunkBytes);
      } catch (error) {
        // A link that is not there may be a reference a flipped bit changed: name that fault.
        const referring = files.fd(at.file);
        const text = (readLineAt(referring, at.offset, fstatSync(referring).size) ?? '').toString();
        const value = tryParse(text);
        const crc = value === undefined ? 'unreadable' : crcProblem(text, value);
        if (crc === null) throw error;
        throw new JournalDamageError(
          'bad_crc',
          at.file,
          lineNumberAt(referring, at.offset),
          at.offset,
          `a checkpoint of the chain: ${crc}`,
        );
      }
      found.push({ seq: ref.seq, offset, segment: ref.segment });
      if (ref.seq <= from.seq) break;
      const head = readLineHead(fd, offset, fstatSync(fd).size);
      ref = ledgerOfHead(head, checkpointHead(portfolioId, ref.seq))?.since ?? null;
      at = { file, offset };
    }
  } finally {
    files.close();
  }
  found.reverse();
  function* earlierFills(): Generator<unknown> {
    let added = 0;
    const reading = new OpenFiles();
    try {
      for (const { seq, offset, segment } of found) {
        const file = fileOf(segment);
        const fd = reading.fd(file);
        const bytes = readLineAt(fd, offset, fstatSync(fd).size) ?? Buffer.alloc(0);
        const text = bytes.toString('utf8');
        const value = tryParse(text);
        const damage = (detail: string): never => {
          throw new JournalDamageError('bad_crc', file, lineNumberAt(fd, offset), offset, detail);
        };
        if (value === undefined)
          damage(`checkpoint seq ${seq} (a link of the chain) is unreadable`);
        const crc = crcProblem(text, value as Record<string, unknown>);
        if (crc !== null) damage(`checkpoint seq ${seq} (a link of the chain): ${crc}`);
        const tracker = (value as Record<string, unknown>).tracker as
          { applied_fills?: unknown } | undefined;
        const fills = tracker?.applied_fills;
        const count = appliedFillCount(fills);
        if (count === undefined)
          damage(`checkpoint seq ${seq} (a link of the chain) has no tracker.applied_fills`);
        added += count as number;
        links.push({ seq, offset, added, ...(segment === undefined ? {} : { segment }) });
        yield withColumnBytes(fills);
      }
      links.push({ ...last, added: added + checkpoint.ownFills });
    } finally {
      reading.close();
    }
  }
  return { earlierFills: earlierFills(), links };
}

const PACKED_COLUMNS = ['id_hashes', 'content_hashes', 'timestamps_ns'] as const;

/**
 * A link's packed fills with their base64 columns decoded by Node (ten times faster than the
 * tracker's own decoder, which a start would spend most of its time in); listed fills as they
 * are. Node skips characters outside base64, so a column that decodes short is left as text for
 * the tracker to refuse, naming the fault. (Node also takes base64url's `-` and `_`; no writer
 * puts them there, and the line's CRC held.)
 */
export function withColumnBytes(fills: unknown): unknown {
  if (Array.isArray(fills) || typeof fills !== 'object' || fills === null) return fills;
  const packed = fills as Record<string, unknown>;
  const out: Record<string, unknown> = { ...packed };
  for (const key of PACKED_COLUMNS) {
    const text = packed[key];
    if (typeof text !== 'string' || text.length % 4 !== 0) continue;
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === (text.length / 4) * 3 - padding) out[key] = bytes;
  }
  return out;
}

/** Files opened for reading by path, closed together. */
class OpenFiles {
  private readonly open = new Map<string, number>();

  fd(path: string): number {
    let fd = this.open.get(path);
    if (fd === undefined) {
      try {
        fd = openSync(path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new JournalDamageError(
          'lost_lines',
          path,
          1,
          0,
          'the segment file is gone, but a link of the checkpoint chain is in it',
        );
      }
      this.open.set(path, fd);
    }
    return fd;
  }

  close(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}

/** The first bytes of the line at `offset` (enough for its head and `ledger` member). */
function readLineHead(fd: number, offset: number, size: number): string {
  const head = Buffer.alloc(Math.min(1024, size - offset));
  readSync(fd, head, 0, head.length, offset);
  return head.toString('utf8');
}

// --- segments --------------------------------------------------------------------------------

const SEGMENT_SEQ_DIGITS = 16;

/**
 * A segment file of a portfolio's journal: `portfolio.<id>.<seq of its first line, 16
 * digits>.ndjson`, in the journal's folder (one writer each: the portfolio's lock holder).
 */
export function segmentName(portfolioId: string, firstSeq: number): string {
  return `portfolio.${portfolioId}.${String(firstSeq).padStart(SEGMENT_SEQ_DIGITS, '0')}.ndjson`;
}

/** The portfolio's segment files in `folder`, oldest first. */
export function listSegments(
  folder: string,
  portfolioId: string,
): { readonly name: string; readonly firstSeq: number }[] {
  const prefix = `portfolio.${portfolioId}.`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: { name: string; firstSeq: number }[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.ndjson')) continue;
    const digits = name.slice(prefix.length, -'.ndjson'.length);
    if (digits.length !== SEGMENT_SEQ_DIGITS || !/^\d+$/.test(digits)) continue;
    out.push({ name, firstSeq: Number(digits) });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

/**
 * The file a start of a segmented journal reads and appends to: the newest segment (an empty
 * newest one, left by a rotation cut short, is removed), or `oneFile` when there is none yet
 * (a first start, or a journal kept in one file before segments were turned on).
 */
export function currentSegment(
  oneFile: string,
  portfolioId: string,
): { readonly path: string; readonly segment: string | undefined } {
  const folder = dirname(oneFile);
  const segments = listSegments(folder, portfolioId);
  for (let i = segments.length - 1; i >= 0; i--) {
    const { name } = segments[i] as { name: string };
    const path = join(folder, name);
    if (statSync(path).size > 0) return { path, segment: name };
    rmSync(path);
  }
  return { path: oneFile, segment: undefined };
}

/**
 * Removes the portfolio's segments older than `keepFrom` (the segment of the oldest checkpoint
 * link still needed), never the one-file journal. Returns the names removed.
 */
export function pruneSegments(folder: string, portfolioId: string, keepFrom: string): string[] {
  const keep = listSegments(folder, portfolioId).find((segment) => segment.name === keepFrom);
  if (keep === undefined) return [];
  const removed: string[] = [];
  for (const segment of listSegments(folder, portfolioId)) {
    if (segment.firstSeq >= keep.firstSeq) break;
    rmSync(join(folder, segment.name), { force: true });
    removed.push(segment.name);
  }
  return removed;
}
