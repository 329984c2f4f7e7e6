// The backtest journal file: DESIGN.md's NDJSON line format (shared with the live manager).
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { formatJournalLine, type JournalLineType } from '@njord/portfolio-contracts';

export interface JournalFile {
  add(type: JournalLineType, timestampNs: bigint, body: Readonly<Record<string, unknown>>): void;
  close(): Promise<void>;
  readonly lines: number;
}

export function openJournalFile(path: string, portfolioId: string): JournalFile {
  mkdirSync(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'w' });
  let seq = 0;
  return {
    add(type, timestampNs, body) {
      seq++;
      stream.write(`${formatJournalLine(portfolioId, seq, type, timestampNs, body)}\n`);
    },
    async close() {
      stream.end();
      await once(stream, 'finish');
    },
    get lines() {
      return seq;
    },
  };
}
