// The backtest journal file: the live manager's NDJSON line format, gathered as bytes in a
// buffer of about 1 MiB and written synchronously, so memory stays bounded while the
// (synchronous) bar loop runs.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FillEventWire, JournalBodyWire, JournalLineType } from '@njord/portfolio-contracts';
import { JournalLineBuffer } from '@njord/portfolio-contracts/node';

const FLUSH_BYTES = 1 << 20;

export interface JournalFile {
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): void;
  /** Each row of marks the engine applies (see BacktestJournal); the file itself needs none. */
  marks?(timestampNs: bigint, symbols: readonly string[], prices: Float64Array): void;
  close(): void;
  readonly lines: number;
  readonly bytes: number;
}

/** The fill of a `fill` body that holds nothing else (the engine's), else undefined. */
function bareFill(type: JournalLineType, body: object): FillEventWire | undefined {
  if (type !== 'fill') return undefined;
  for (const key in body) if (key !== 'fill') return undefined;
  return (body as { fill?: FillEventWire }).fill;
}

/** Opens (truncating) `path`, which should be a temporary name (see OutputSet). */
export function openJournalFile(path: string, portfolioId: string): JournalFile {
  const fd = openSync(path, 'w');
  let seq = 0;
  let bytes = 0;
  const buffer = new JournalLineBuffer(FLUSH_BYTES + (FLUSH_BYTES >> 2));
  let open = true;
  function flush(): void {
    const data = buffer.take();
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    bytes += data.length;
  }
  return {
    add(type, timestampNs, body) {
      seq++;
      // A bare fill (most lines) is written without stringifying a body.
      const fill = bareFill(type, body);
      if (fill === undefined) buffer.add(portfolioId, seq, type, timestampNs, body);
      else buffer.addFill(portfolioId, seq, timestampNs, fill);
      if (buffer.length >= FLUSH_BYTES) flush();
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
    get lines() {
      return seq;
    },
    get bytes() {
      return bytes;
    },
  };
}
