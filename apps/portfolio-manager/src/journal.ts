// The journal's line format and its writer: every line carries portfolio_id, seq, type
// and timestamp_ns (the shared format of contracts); lines are buffered per batch and
// written in one append, only while the lock is held (the fence).
import {
  formatJournalLine,
  type JournalBodyWire,
  type JournalLineType,
} from '@njord/portfolio-contracts';
import { crc32 } from 'node:zlib';
import type { FileJournal } from './adapters/journal-file.js';
import { LockLostError } from './session.js';

export interface JournalSink {
  append(lines: readonly string[]): void;
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
