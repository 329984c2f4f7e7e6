// The backtest journal file: the live manager's NDJSON line format, written through a
// 1 MiB buffer with synchronous writes, so memory stays bounded while the (synchronous)
// bar loop runs.
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import {
  type FillEventWire,
  formatFillLine,
  formatJournalLine,
  type JournalBodyWire,
  type JournalLineType,
} from '@njord/portfolio-contracts';

const FLUSH_CHARS = 1 << 20;

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
  let buffer = '';
  let open = true;
  function flush(): void {
    if (buffer.length === 0) return;
    const data = Buffer.from(buffer);
    buffer = '';
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    bytes += data.length;
  }
  return {
    add(type, timestampNs, body) {
      seq++;
      // zlib's native CRC-32 gives the same line as the default, faster; a bare fill (most
      // lines) is written without stringifying a body.
      const fill = bareFill(type, body);
      buffer += `${
        fill === undefined
          ? formatJournalLine(portfolioId, seq, type, timestampNs, body, crc32)
          : formatFillLine(portfolioId, seq, timestampNs, fill, crc32)
      }\n`;
      if (buffer.length >= FLUSH_CHARS) flush();
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
