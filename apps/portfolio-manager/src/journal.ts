// The journal's line format and its writer: every line carries portfolio_id, seq, type
// and timestamp_ns (the shared format of contracts); lines are buffered per batch and
// written in one append, only while the lock is held (the fence).
import {
  type CheckpointLedger,
  formatJournalLine,
  type JournalBodyWire,
  type JournalLineType,
} from '@njord/portfolio-contracts';
import { crc32 } from 'node:zlib';
import type { ChainLink, FileJournal } from './adapters/journal-file.js';
import { LockLostError } from './session.js';

export interface JournalSink {
  append(lines: readonly string[]): void;
  /** Where the next appended line will start (absent: unknown). */
  readonly endOffset?: number;
}

export class JournalWriter {
  private buffer: string[] = [];
  /** The seq of the last line added. */
  seq: number;
  /** Own lines since the last checkpoint line (written or buffered). */
  linesSinceCheckpoint = 0;
  linesWritten = 0;

  constructor(
    private readonly sink: JournalSink,
    readonly portfolioId: string,
    lastSeq: number,
  ) {
    this.seq = lastSeq;
  }

  /** Buffers one line; `body` keys follow the four common ones. Returns its seq. */
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): number {
    const seq = ++this.seq;
    // zlib's CRC-32 is the contract's, natively: the same line, faster.
    this.buffer.push(formatJournalLine(this.portfolioId, seq, type, timestampNs, body, crc32));
    if (type === 'checkpoint') this.linesSinceCheckpoint = 0;
    else this.linesSinceCheckpoint++;
    return seq;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Where the next line added will start in the file, if the sink knows its end. */
  nextLineOffset(): number | null {
    const end = this.sink.endOffset;
    if (end === undefined) return null;
    let offset = end;
    for (const line of this.buffer) offset += Buffer.byteLength(line, 'utf8') + 1;
    return offset;
  }

  /** Writes the buffered lines in one append (throws on I/O errors, keeping them buffered). */
  flush(): void {
    if (this.buffer.length === 0) return;
    this.sink.append(this.buffer);
    this.linesWritten += this.buffer.length;
    this.buffer = [];
  }

  /** Drops buffered lines (a manager that lost its lock must not write them). */
  discard(): number {
    const dropped = this.buffer.length;
    this.buffer = [];
    return dropped;
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

  /** Throws LockLostError (dropping the buffered lines) when the lease is gone. */
  assertHeld(): void {
    if (this.lease.isValid()) return;
    this.writer.discard();
    this.onLost('lock lease ran out');
    throw new LockLostError('the portfolio lock is no longer held');
  }

  /** Writes the buffered lines (one write) if this manager still holds the lock. */
  commit(): void {
    if (this.writer.pending === 0) return;
    this.assertHeld();
    this.writer.flush();
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
      ledger: {
        since: { seq: last.seq, offset: last.offset },
        from: { seq: first.seq, offset: first.offset },
      },
      fillsSince: last.added,
    };
  }

  /** A checkpoint line was added (`added`: the ledger's count when it was built). */
  written(link: ChainLink): void {
    this.links.push(link);
  }

  /** Links a start would read (the last checkpoint's included). */
  get length(): number {
    return this.links.length;
  }
}
