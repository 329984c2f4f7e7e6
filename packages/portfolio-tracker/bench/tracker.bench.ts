// Tracker hot-path benchmark: onFill fills/s (snapshots excluded), setMark rate and GC count, snapshot rate.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parsePortfolioConfig, type FillEvent } from '@njord/portfolio-contracts';
import { PortfolioTracker } from '../src/index.js';
import { createRandom } from '@njord/test-kit';

const GOAL_FILLS_PER_SECOND = 1_000_000;
const FILLS = Number(process.argv[2] ?? 1_000_000);
const SYMBOLS = Array.from({ length: 20 }, (_, i) => `SYM${i}`);
const STRATEGIES = ['trend', 'meanrev', 'momentum'];

const config = parsePortfolioConfig({
  portfolio: {
    id: 'bench',
    total_capital: 1_000_000,
    rebalance_threshold: 0.05,
    rebalance_frequency_hours: 24,
    allocations: STRATEGIES.map((id) => ({
      strategy_id: id,
      target_weight: 1 / 3,
      min_capital: 0,
      max_capital: 1e9,
    })),
  },
});

function makeFills(count: number, prefix: string, seed: number): FillEvent[] {
  const next = createRandom(seed);
  const fills = new Array<FillEvent>(count);
  for (let i = 0; i < count; i++) {
    fills[i] = {
      // Through JSON.parse, as a decoded fill's id arrives (a flat string, hash not yet computed).
      fillId: JSON.parse(`"${prefix}-${i}"`) as string,
      strategyId: STRATEGIES[i % STRATEGIES.length] as string,
      symbol: SYMBOLS[Math.floor(next() * SYMBOLS.length)] as string,
      side: next() < 0.5 ? 'buy' : 'sell',
      quantity: 1 + Math.floor(next() * 100),
      price: 50 + next() * 100,
      fee: 0.5,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(i),
    };
  }
  return fills;
}

function countGcs(): { stop: () => Promise<number> } {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    count += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      observer.disconnect();
      return count;
    },
  };
}

const format = (n: number): string => Math.round(n).toLocaleString('en-US');

// Warm up the JIT on a throwaway tracker.
{
  const warm = new PortfolioTracker(config);
  for (const fill of makeFills(200_000, 'warm', 7)) warm.onFill(fill);
  for (let i = 0; i < 200_000; i++)
    warm.setMark(SYMBOLS[i % SYMBOLS.length] as string, 100 + (i % 7), BigInt(i));
}

const ROUNDS = 5;
const CHUNK = 10_000;
const rates: number[] = [];
let tracker = new PortfolioTracker(config);
let lastChunk: FillEvent[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // The previous round's tracker is garbage now: collect it outside the timed loops.
  (globalThis as { gc?: () => void }).gc?.();
  tracker = new PortfolioTracker(config);
  for (const symbol of SYMBOLS) tracker.setMark(symbol, 100, 0n);
  let elapsed = 0;
  // Fills arrive decoded, a chunk at a time (as from a stream): building them is not timed.
  for (let done = 0; done < FILLS; done += CHUNK) {
    const chunk = makeFills(Math.min(CHUNK, FILLS - done), `r${round}-${done}`, 42 + done);
    const start = performance.now();
    for (let i = 0; i < chunk.length; i++) tracker.onFill(chunk[i] as FillEvent);
    elapsed += performance.now() - start;
    lastChunk = chunk;
  }
  rates.push(FILLS / (elapsed / 1000));
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(ROUNDS / 2)] as number;
console.log(
  `onFill, hot path (new fill ids, ${STRATEGIES.length} sleeves x ${SYMBOLS.length} symbols, ${format(FILLS)} fills per round, ` +
    `median of ${ROUNDS} rounds): ${format(median)} fills/s ` +
    `(goal ${format(GOAL_FILLS_PER_SECOND)} fills/s: ${median >= GOAL_FILLS_PER_SECOND ? 'met' : 'NOT met'}); ` +
    `rounds ${rates.map(format).join(' / ')}`,
);

const dupStart = performance.now();
for (let i = 0; i < lastChunk.length; i++) tracker.onFill(lastChunk[i] as FillEvent);
const dupRate = lastChunk.length / ((performance.now() - dupStart) / 1000);
console.log(`onFill, duplicate fill ids (full content check): ${format(dupRate)} fills/s`);

const MARKS = 10_000_000;
const markTracker = new PortfolioTracker(config);
for (const symbol of SYMBOLS) markTracker.setMark(symbol, 100, 0n);
// Start from a collected heap so a collection owed to earlier phases does not land here.
(globalThis as { gc?: () => void }).gc?.();
await new Promise((resolve) => setTimeout(resolve, 50));
const gcs = countGcs();
const markStart = performance.now();
for (let i = 0; i < MARKS; i++) markTracker.setMark(SYMBOLS[i % 20] as string, 100 + (i & 7), 1n);
const markRate = MARKS / ((performance.now() - markStart) / 1000);
const gcCount = await gcs.stop();
console.log(
  `setMark: ${format(markRate)} marks/s; garbage collections during ${format(MARKS)} calls: ${gcCount} (0 = allocation-free)`,
);

const SNAPSHOTS = 20_000;
const snapStart = performance.now();
for (let i = 0; i < SNAPSHOTS; i++) tracker.getSnapshot(BigInt(i));
const snapRate = SNAPSHOTS / ((performance.now() - snapStart) / 1000);
console.log(`getSnapshot (not on the hot path): ${format(snapRate)} snapshots/s`);
