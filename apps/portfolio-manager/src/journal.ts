// The journal's line format and its writer: every line carries portfolio_id, seq, type
// and timestamp_ns; lines are buffered per batch and written in one append.
export const JOURNAL_LINE_TYPES = [
  'fill',
  'mark',
  'funding',
  'plan',
  'published',
  'adjustment',
  'snapshot',
  'checkpoint',
  'config',
  'error',
] as const;
export type JournalLineType = (typeof JOURNAL_LINE_TYPES)[number];

export interface JournalSink {
  append(lines: readonly string[]): void;
}

export class JournalWriter {
  private buffer: string[] = [];
  private readonly head: string;
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
    this.head = `{"portfolio_id":${JSON.stringify(portfolioId)},"seq":`;
    this.seq = lastSeq;
  }

  /** Buffers one line; `body` keys follow the four common ones. Returns its seq. */
  add(type: JournalLineType, timestampNs: bigint, body: Record<string, unknown> = {}): number {
    const seq = ++this.seq;
    const rest = JSON.stringify(body);
    const tail = rest === '{}' ? '}' : `,${rest.slice(1)}`;
    this.buffer.push(`${this.head}${seq},"type":"${type}","timestamp_ns":"${timestampNs}"${tail}`);
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
