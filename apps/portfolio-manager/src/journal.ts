// The journal's line format and its writer: every line carries portfolio_id, seq, type
// and timestamp_ns (the shared format of contracts); lines are buffered per batch and
// written in one append.
import {
  formatJournalLine,
  type JournalBodyWire,
  type JournalLineType,
} from '@njord/portfolio-contracts';

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
    this.buffer.push(formatJournalLine(this.portfolioId, seq, type, timestampNs, body));
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
