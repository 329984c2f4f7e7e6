import type { BacktestJournal } from '../src/engine/simulate.js';

/** The runner's journal file (see journal-file.mjs). */
export function openJournal(
  path: string,
  portfolioId: string,
): BacktestJournal & { close(): void; readonly bytes: number };
