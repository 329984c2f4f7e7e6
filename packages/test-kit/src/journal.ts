// A journal kept in memory, in the live line format: what a test hands the backtest or the kernel.
import {
  formatJournalLine,
  type JournalBodyWire,
  type JournalLineType,
} from '@njord/portfolio-contracts';

/** Journal lines of one portfolio with `seq` 1, 2, ... and their CRCs, as the file journals write them. */
export interface LineJournal {
  add<T extends JournalLineType>(type: T, timestampNs: bigint, body: JournalBodyWire<T>): void;
  /** The formatted lines so far, without newlines. */
  readonly lines: string[];
  /** The lines as a journal file's text (one a line, a newline after the last). */
  text(): string;
}

export function createLineJournal(portfolioId: string): LineJournal {
  const lines: string[] = [];
  return {
    add(type, timestampNs, body) {
      lines.push(formatJournalLine(portfolioId, lines.length + 1, type, timestampNs, body));
    },
    lines,
    text: () => (lines.length === 0 ? '' : `${lines.join('\n')}\n`),
  };
}
