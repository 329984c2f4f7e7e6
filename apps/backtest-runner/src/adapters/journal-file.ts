// The backtest journal file: the live manager's NDJSON line format, gathered as bytes in a
// buffer of about 1 MiB and written synchronously, so memory stays bounded while the
// (synchronous) bar loop runs.
import { closeSync, openSync, writeSync } from 'node:fs';
import type {
  FillEventWire,
  JournalBodyWire,
  JournalLineType,
  RebalancePlan,
} from '@njord/portfolio-contracts';
import { JournalLineBuffer } from '@njord/portfolio-contracts/node';

const FLUSH_BYTES = 1 << 20;

export interface JournalParts {
  /** The most bytes a file may take (a longer line gets a file of its own). */
  readonly maxBytes: number;
  /** Where to write the part whose first line has seq `firstSeq` (a temporary name). */
  readonly path: (firstSeq: number) => string;
}

export interface JournalFile {
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): void;
  /** Each row of marks the engine applies (see BacktestJournal); the file itself needs none. */
  marks?(timestampNs: bigint, symbols: readonly string[], prices: Float64Array): void;
  /** A plan line, printed from the plan (see BacktestJournal). */
  plan(timestampNs: bigint, plan: RebalancePlan): void;
  close(): void;
  readonly lines: number;
  readonly bytes: number;
  /** The first seq of each part after the first file (empty when it is one file). */
  readonly parts: readonly number[];
}

/** The fill of a `fill` body that holds nothing else (the engine's), else undefined. */
function bareFill(type: JournalLineType, body: object): FillEventWire | undefined {
  if (type !== 'fill') return undefined;
  for (const key in body) if (key !== 'fill') return undefined;
  return (body as { fill?: FillEventWire }).fill;
}

/**
 * Opens (truncating) `path`, which should be a temporary name (see OutputSet). With `parts`,
 * no file grows past `parts.maxBytes`: the lines go on in a new part, at a line's end.
 */
export function openJournalFile(
  path: string,
  portfolioId: string,
  parts?: JournalParts,
): JournalFile {
  let fd = openSync(path, 'w');
  let seq = 0;
  let bytes = 0;
  /** Bytes in the current file, and the seq of the first line still in the buffer. */
  let fileBytes = 0;
  let bufferedFrom = 1;
  const partStarts: number[] = [];
  const buffer = new JournalLineBuffer(FLUSH_BYTES + (FLUSH_BYTES >> 2));
  /** Where each buffered line ends in the buffer (with parts only). */
  const lineEnds: number[] = [];
  let open = true;
  /** After each line: its end noted (with parts), and the buffer written out once full. */
  function added(): void {
    if (parts !== undefined) lineEnds.push(buffer.length);
    if (buffer.length >= FLUSH_BYTES) flush();
  }
  function writeAll(data: Uint8Array): void {
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    bytes += data.length;
    fileBytes += data.length;
  }
  function flush(): void {
    const data = buffer.take();
    if (parts === undefined) {
      writeAll(data);
      return;
    }
    let from = 0;
    let line = 0;
    while (from < data.length) {
      // The lines that still fit in this file go in one write.
      let end = from;
      while (
        line < lineEnds.length &&
        fileBytes + ((lineEnds[line] as number) - from) <= parts.maxBytes
      ) {
        end = lineEnds[line] as number;
        line++;
      }
      if (end > from) writeAll(data.subarray(from, end));
      from = end;
      if (from >= data.length) break;
      if (fileBytes > 0) {
        // The next line does not fit: it starts a new part.
        closeSync(fd);
        const firstSeq = bufferedFrom + line;
        fd = openSync(parts.path(firstSeq), 'w');
        partStarts.push(firstSeq);
        fileBytes = 0;
      } else {
        // A line longer than the limit, alone in its file.
        end = lineEnds[line] as number;
        writeAll(data.subarray(from, end));
        from = end;
        line++;
      }
    }
    lineEnds.length = 0;
    bufferedFrom = seq + 1;
  }
  return {
    add(type, timestampNs, body) {
      seq++;
      // A bare fill (most lines) is written without stringifying a body.
      const fill = bareFill(type, body);
      if (fill === undefined) buffer.add(portfolioId, seq, type, timestampNs, body);
      else buffer.addFill(portfolioId, seq, timestampNs, fill);
      added();
    },
    plan(timestampNs, plan) {
      seq++;
      buffer.addPlan(portfolioId, seq, timestampNs, plan);
      added();
    },
    close() {
      if (!open) return;
      open = false;
      try {
        flush();
      } finally {
        closeSync(fd);
      }
    },
    get parts() {
      return partStarts;
    },
    get lines() {
      return seq;
    },
    get bytes() {
      return bytes;
    },
  };
}
