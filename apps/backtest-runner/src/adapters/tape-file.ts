// `--tape FILE`: the backtest's inputs as a tape for njord-tape play (the same NDJSON line
// format): each bar's marks, its strategies' own fills, then a `check` command. Made from the
// rows of marks and the fill lines the engine gives its journal, so the engine knows nothing
// of tapes.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { JournalFile } from './journal-file.js';

const FLUSH_CHARS = 1 << 20;

interface FillBody {
  readonly fill?: Readonly<Record<string, unknown>> & { readonly intent_id?: unknown };
}

/**
 * A journal that also writes the tape at `path` (a temporary name, see OutputSet). Rebalance
 * fills (those with an intent id) are left out: on replay the paper broker makes them.
 */
export function teeJournalToTape(
  journal: JournalFile,
  path: string,
  portfolioId: string,
  createdMs: number,
): JournalFile {
  const fd = openSync(path, 'w');
  let buffer = `${JSON.stringify({ tape: 1, source: `backtest:${portfolioId}`, created_ms: createdMs })}\n`;
  let barNs: bigint | null = null;
  let lastMs = -1;
  let seq = 0;
  let open = true;
  const commands = `portfolio:${portfolioId}:commands`;

  function flush(): void {
    if (buffer.length === 0) return;
    const data = Buffer.from(buffer);
    buffer = '';
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
  }
  function entry(key: string, timestampNs: bigint, data: string): void {
    const ms = Number(timestampNs / 1_000_000n);
    seq = ms === lastMs ? seq + 1 : 0;
    lastMs = ms;
    buffer += `${JSON.stringify({ key, id: `${ms}-${seq}`, at_ms: ms, data })}\n`;
    if (buffer.length >= FLUSH_CHARS) flush();
  }
  function check(): void {
    if (barNs === null) return;
    entry(commands, barNs, JSON.stringify({ command: 'check', timestamp_ns: barNs.toString() }));
  }

  return {
    add(type, timestampNs, body) {
      journal.add(type, timestampNs, body);
      // Mark lines are the journal's own (first and last marks); the bars' marks come below.
      if (type === 'fill') {
        const fill = (body as FillBody).fill;
        if (fill === undefined || fill.intent_id !== undefined) return;
        entry('fills', timestampNs, JSON.stringify({ ...fill, portfolio_id: portfolioId }));
      }
    },
    plan(timestampNs, plan) {
      // Plans are the journal's alone: on replay the manager makes its own.
      journal.plan(timestampNs, plan);
    },
    marks(timestampNs, symbols, prices) {
      journal.marks?.(timestampNs, symbols, prices);
      // A new bar: the previous one is complete (its marks and its strategies' fills).
      if (barNs !== null && timestampNs !== barNs) check();
      barNs = timestampNs;
      const text = timestampNs.toString();
      for (let s = 0; s < prices.length; s++) {
        const price = prices[s] as number;
        if (price !== price) continue;
        entry(
          'prices',
          timestampNs,
          JSON.stringify({ symbol: symbols[s], price, timestamp_ns: text }),
        );
      }
    },
    close() {
      journal.close();
      if (!open) return;
      open = false;
      try {
        check();
        flush();
      } finally {
        closeSync(fd);
      }
    },
    get lines() {
      return journal.lines;
    },
    get bytes() {
      return journal.bytes;
    },
    get parts() {
      return journal.parts;
    },
  };
}
