// The journal's line format and its writer: every line carries portfolio_id, seq, type
// and timestamp_ns (the shared format of contracts); lines are buffered per batch and
// written in one append, only while the lock is held (the fence).
import {
  type CheckpointLedger,
  type JournalBodyWire,
  type JournalLineType,
} from '@njord/portfolio-contracts';
import { JournalLineBuffer } from '@njord/portfolio-contracts/node';
import { crc32 } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import {
  type ChainLink,
  type FileJournal,
  pruneSegments,
  segmentName,
} from './adapters/journal-file.js';
import { LockLostError } from './session.js';

export interface JournalSink {
  /** Whole lines as UTF-8 bytes, each ending in its newline. */
  append(lines: readonly Buffer[]): void;
  /**
   * The same lines as one run of bytes, `ends[i]` where line i ends (exclusive), valid during
   * the call only (the writer uses them again); when absent, `append` gets a copy of each line.
   */
  appendLines?(bytes: Buffer, ends: readonly number[]): void;
  /** Where the next appended line will start (absent: unknown). */
  readonly endOffset?: number;
  /** The file appended to, and how to move to a new one (segmented journals). */
  readonly path?: string;
  rotate?(path: string): void;
}

/** A journal kept in segment files of at most about `maxBytes` each. */
export interface SegmentPolicy {
  readonly maxBytes: number;
}

const CRC_OPEN = Buffer.from(',"crc":"');
const CRC_CLOSE = Buffer.from('"}\n');
const CLOSE_BRACE = Buffer.from('}');

/**
 * A journal line as bytes (with its newline): `formatJournalLine`'s line, built in one buffer
 * and its CRC taken over those bytes (no signed string, no conversion at write time).
 */
export function journalLineBytes(open: string): Buffer {
  const size = Buffer.byteLength(open, 'utf8');
  const out = Buffer.allocUnsafe(size + CRC_OPEN.length + 8 + CRC_CLOSE.length);
  out.write(open, 0, size, 'utf8');
  // The CRC covers the open line and its closing brace, as the contract's `crcHex`.
  const crc = crc32(CLOSE_BRACE, crc32(out.subarray(0, size)));
  CRC_OPEN.copy(out, size);
  out.write(crc.toString(16).padStart(8, '0'), size + CRC_OPEN.length, 8, 'latin1');
  CRC_CLOSE.copy(out, size + CRC_OPEN.length + 8);
  return out;
}

/** A batch's bytes this large are given back after the write (a big checkpoint, say). */
const KEEP_BYTES = 4 << 20;

export class JournalWriter {
  /** The batch's lines, one after the other, as bytes. */
  private lines = new JournalLineBuffer(1 << 16);
  /** Where each buffered line ends in `lines`. */
  private readonly ends: number[] = [];
  /** The seq of the last line added. */
  seq: number;
  /** Own lines since the last checkpoint line (written or buffered). */
  linesSinceCheckpoint = 0;
  linesWritten = 0;

  constructor(
    private readonly sink: JournalSink,
    readonly portfolioId: string,
    lastSeq: number,
    /** Segment files (null: one file). */
    private readonly segments: SegmentPolicy | null = null,
  ) {
    this.seq = lastSeq;
  }

  /** The segment file lines go to (undefined: the journal is one file). */
  segment(): string | undefined {
    if (this.segments === null || this.sink.path === undefined) return undefined;
    const name = basename(this.sink.path);
    return name.startsWith(`portfolio.${this.portfolioId}.`) ? name : undefined;
  }

  /**
   * Segments only: whether the next checkpoint starts a new segment (the current one is full,
   * or the journal is still the one file it was before segments were turned on).
   */
  rotationDue(): boolean {
    if (this.segments === null || this.sink.rotate === undefined) return false;
    if (this.segment() === undefined) return true;
    const offset = this.nextLineOffset();
    return offset !== null && offset >= this.segments.maxBytes;
  }

  /** Starts a new segment for the next line (the buffer must be written first). */
  rotate(): void {
    if (this.ends.length > 0) throw new Error('rotate with lines still buffered');
    const path = this.sink.path;
    if (path === undefined || this.sink.rotate === undefined) return;
    this.sink.rotate(join(dirname(path), segmentName(this.portfolioId, this.seq + 1)));
  }

  /** Before a checkpoint line: a new segment when one is due (what is buffered written first). */
  beforeCheckpoint(): void {
    if (!this.rotationDue()) return;
    this.flush();
    this.rotate();
  }

  /** Buffers one line; `body` keys follow the four common ones. Returns its seq. */
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): number {
    const seq = ++this.seq;
    // The bytes of formatJournalLine's line (CRC by zlib over them) and a newline.
    this.lines.add(this.portfolioId, seq, type, timestampNs, body);
    this.ends.push(this.lines.length);
    if (type === 'checkpoint') this.linesSinceCheckpoint = 0;
    else this.linesSinceCheckpoint++;
    return seq;
  }

  /**
   * A live fill from entry `id` of `stream`: the line of
   * `add('fill', timestampNs, {source: {stream, id}, fill})`, written as bytes without a body
   * to stringify. Returns its seq.
   */
  addFill(
    timestampNs: bigint,
    stream: string,
    id: string,
    fill: Readonly<Record<string, unknown>>,
  ): number {
    const seq = ++this.seq;
    this.lines.addLiveFill(this.portfolioId, seq, timestampNs, stream, id, fill);
    this.ends.push(this.lines.length);
    this.linesSinceCheckpoint++;
    return seq;
  }

  get pending(): number {
    return this.ends.length;
  }

  /** Where the next line added will start in the file, if the sink knows its end. */
  nextLineOffset(): number | null {
    const end = this.sink.endOffset;
    if (end === undefined) return null;
    return end + this.lines.length;
  }

  /** Writes the buffered lines in one append (throws on I/O errors, keeping them buffered). */
  flush(): void {
    const count = this.ends.length;
    if (count === 0) return;
    const bytes = this.lines.peek();
    if (this.sink.appendLines !== undefined) {
      this.sink.appendLines(bytes, this.ends);
    } else {
      // Copies: a sink may keep what it is given, and the batch's bytes are used again.
      const lines: Buffer[] = [];
      for (let i = 0, start = 0; i < count; start = this.ends[i++] as number)
        lines.push(Buffer.from(bytes.subarray(start, this.ends[i])));
      this.sink.append(lines);
    }
    this.linesWritten += count;
    this.clear();
  }

  /** Drops buffered lines (a manager that lost its lock must not write them). */
  discard(): number {
    const dropped = this.ends.length;
    this.clear();
    return dropped;
  }

  private clear(): void {
    this.ends.length = 0;
    if (this.lines.capacity > KEEP_BYTES) this.lines = new JournalLineBuffer(1 << 16);
    else this.lines.clear();
  }
}

/** What the journal fence asks of the lock. */
export interface LeaseCheck {
  /** True while this manager may write. */
  isValid(): boolean;
}

/**
 * The journal behind the lock: lines are buffered per batch and written only while the lease
 * is valid; a manager whose lease ran out drops what it buffered and stops.
 */
export class FencedJournal {
  constructor(
    private readonly file: FileJournal,
    readonly writer: JournalWriter,
    private readonly lease: LeaseCheck,
    /** Told once the lease is found gone (the manager stops). */
    private readonly onLost: (reason: string) => void,
  ) {}

  /** Buffers one line. Returns its seq. */
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): number {
    return this.writer.add(type, timestampNs, body);
  }

  /** Buffers one live fill line (`JournalWriter.addFill`). Returns its seq. */
  addFill(
    timestampNs: bigint,
    stream: string,
    id: string,
    fill: Readonly<Record<string, unknown>>,
  ): number {
    return this.writer.addFill(timestampNs, stream, id, fill);
  }

  get seq(): number {
    return this.writer.seq;
  }

  get pending(): number {
    return this.writer.pending;
  }

  get linesSinceCheckpoint(): number {
    return this.writer.linesSinceCheckpoint;
  }

  nextLineOffset(): number | null {
    return this.writer.nextLineOffset();
  }

  segment(): string | undefined {
    return this.writer.segment();
  }

  /** Before a checkpoint line: a new segment when one is due (written through the fence). */
  beforeCheckpoint(): void {
    if (!this.writer.rotationDue()) return;
    this.commit();
    this.writer.rotate();
  }

  /** Throws LockLostError (dropping the buffered lines) when the lease is gone. */
  assertHeld(): void {
    if (this.lease.isValid()) return;
    this.writer.discard();
    this.lost('lock lease ran out');
  }

  /** Tells the manager why it must stop and unwinds (LockLostError). */
  private lost(reason: string): never {
    this.onLost(reason);
    throw new LockLostError('the portfolio lock is no longer held');
  }

  /** Told after each write (the manager removes segments no checkpoint needs any more). */
  onCommitted: (() => void) | undefined;

  /**
   * Writes the buffered lines (one write) if this manager still holds the lock. The lease is
   * checked again after the write: a process paused between the check and the write (SIGSTOP,
   * a stalled VM, a collection falling there) has appended its lines after its lease ran out.
   * They are not acknowledged (Redis refuses its fenced acks), and the journal file lock
   * (journal-lock.ts) kept any successor from writing meanwhile, so the successor reads them
   * in order and meets their entries again as duplicates; this process stops
   * (LockLostError) and says so.
   */
  commit(): void {
    if (this.writer.pending === 0) return;
    this.assertHeld();
    this.writer.flush();
    if (!this.lease.isValid())
      this.lost(
        `the lease ran out while journal lines up to seq ${this.writer.seq} were written (not acknowledged; the next holder reads them)`,
      );
    this.onCommitted?.();
  }

  close(): void {
    this.file.close();
  }
}

/** What a checkpoint chain needs of the tracker: its ledger's fill numbers. */
export interface LedgerCounts {
  /** Fills ever recorded (see PortfolioTracker.ledgerAdded). */
  readonly ledgerAdded: number;
  /** The number of the oldest fill id still remembered. */
  readonly oldestRememberedFill: number;
}

/**
 * The checkpoint chain a manager writes: each checkpoint holds only the fill ids applied since
 * the previous one and names the links back to the oldest one whose fills are still remembered
 * (older links fall away as the dedupe window moves). So a checkpoint costs the lines since the
 * last, and a start reads the window's ids once, whatever the manager's age.
 */
export class CheckpointChain {
  private readonly links: ChainLink[];

  /** `links`: the chain a start restored (oldest first; the restored checkpoint last). */
  constructor(links: readonly ChainLink[] = []) {
    this.links = [...links];
  }

  /** The `ledger` member of the next checkpoint and the first fill number it must hold. */
  next(counts: LedgerCounts): {
    readonly ledger: CheckpointLedger;
    readonly fillsSince: number | undefined;
  } {
    const oldest = counts.oldestRememberedFill;
    // A link whose fills are all numbered before the oldest remembered one is needed no more.
    let drop = 0;
    while (drop < this.links.length && (this.links[drop] as ChainLink).added <= oldest) drop++;
    if (drop > 0) this.links.splice(0, drop);
    const first = this.links[0];
    const last = this.links.at(-1);
    if (first === undefined || last === undefined)
      return { ledger: { since: null, from: null }, fillsSince: undefined };
    return {
      ledger: { since: refTo(last), from: refTo(first) },
      fillsSince: last.added,
    };
  }

  /** The segment of the oldest link still needed (undefined: none, or one file). */
  oldestSegment(): string | undefined {
    return this.links[0]?.segment;
  }

  /** A checkpoint line was added (`added`: the ledger's count when it was built). */
  written(link: ChainLink): void {
    this.links.push(link);
  }
}

function refTo(link: ChainLink): { seq: number; offset: number | null; segment?: string } {
  return {
    seq: link.seq,
    offset: link.offset,
    ...(link.segment === undefined ? {} : { segment: link.segment }),
  };
}

/**
 * Removes, after a write, the segments older than the oldest link `chain` still needs (once
 * per change of that link). Returns the function to call after each write.
 */
export function segmentPruner(
  folder: string,
  portfolioId: string,
  chain: CheckpointChain,
  onRemoved: (names: readonly string[]) => void = () => {},
): () => void {
  let kept: string | undefined;
  return () => {
    const oldest = chain.oldestSegment();
    if (oldest === undefined || oldest === kept) return;
    kept = oldest;
    const removed = pruneSegments(folder, portfolioId, oldest);
    if (removed.length > 0) onRemoved(removed);
  };
}
