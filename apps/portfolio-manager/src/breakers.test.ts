// The same breaker sequence live as in the backtest: a sleeve crafted to lose 30% trips its 0.2
// breaker, is paused, resumes by its timer 48 h later. Backtested with --tape; the tape played
// through the manager (clock: event) and the paper broker on the real Redis, settling after
// each bar's check. Same breaker events (times, sleeves, drawdowns), same plans, same final
// sleeves as the backtest, to 1e-9.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournalLines } from './test-support.js';
import {
  backtestWithTape,
  closeTo,
  playThroughManager,
  useInProcessManager,
  type WireBreaker,
  type WirePlan,
} from './test-support/fixtures.js';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2024, 0, 1);
const BARS = 11;

/** X falls 3 a day from 100 (30% down at day 10); Y stays at 50. */
function priceCsv(): string {
  const rows = ['timestamp,symbol,open,high,low,close,volume'];
  for (let bar = 0; bar < BARS; bar++) {
    const day = new Date(START_MS + bar * DAY_MS).toISOString().slice(0, 10);
    const x = 100 - 3 * bar;
    rows.push(`${day},X,${x},${x},${x},${x},0`, `${day},Y,50,50,50,50,0`);
  }
  return `${rows.join('\n')}\n`;
}

// loser all in X with a 20% breaker resumed after 48 h; steady all in Y. No drift trigger
// (500%), no costs, fractional units.
const YAML = [
  'portfolio:',
  '  id: brk',
  '  total_capital: 2000',
  '  rebalance_threshold: 5',
  '  min_trade_value: 0',
  '  allocations:',
  '    - strategy_id: loser',
  '      target_weight: 0.5',
  '      min_capital: 0',
  '      max_capital: 1000000000',
  '      max_drawdown: 0.2',
  '      resume_after_hours: 48',
  '      strategy: {kind: fixed_weights, symbols: [X], params: {weights: {X: 1}}}',
  '    - strategy_id: steady',
  '      target_weight: 0.5',
  '      min_capital: 0',
  '      max_capital: 1000000000',
  '      strategy: {kind: fixed_weights, symbols: [Y], params: {weights: {Y: 1}}}',
  '',
].join('\n');

describe('breakers live and in the backtest', () => {
  const env = useInProcessManager('breaker-parity');

  it('the same trip, resume, plans and final sleeves through a tape, the manager and the paper broker', async () => {
    const dataPath = join(env.dir, 'prices.csv');
    writeFileSync(dataPath, priceCsv());
    const { tapePath, result } = backtestWithTape(env.dir, 'brk', YAML, dataPath);
    // The backtest: a trip at day 7 (drawdown -0.21), the timer's resume at day 9.
    const dayNs = (bar: number) => String(BigInt(START_MS + bar * DAY_MS) * 1_000_000n);
    expect(result.breakers.map((b) => [b.type, b.timestamp_ns, b.strategy_id])).toEqual([
      ['breaker', dayNs(7), 'loser'],
      ['resume', dayNs(9), 'loser'],
    ]);

    const { manager, files } = await playThroughManager(env, {
      portfolioId: 'brk',
      portfolioText: YAML,
      tapePath,
    });
    const final = manager.currentSnapshot();
    await env.stop();

    const lines = readJournalLines(files.journalPath, 'brk');
    const live = lines
      .filter((line) => line.type === 'breaker' || line.type === 'resume')
      .map((line) => ({
        type: line.type,
        timestamp_ns: line.timestamp_ns,
        strategy_id: line.strategy_id,
        reason: line.type === 'resume' ? line.by : line.reason,
        drawdown: (line.drawdown as number | undefined) ?? null,
      }));
    expect(live.map((b) => [b.type, b.timestamp_ns, b.strategy_id, b.reason])).toEqual(
      result.breakers.map((b) => [b.type, b.timestamp_ns, b.strategy_id, b.reason]),
    );
    live.forEach((event, i) => {
      const other = result.breakers[i] as WireBreaker;
      if (other.drawdown === null) expect(event.drawdown).toBeNull();
      else expect(closeTo(event.drawdown as number, other.drawdown), `drawdown ${i}`).toBe(true);
    });
    // The commands the tape sent (a check per bar) were journaled, none dead-lettered.
    expect(lines.filter((line) => line.type === 'command').length).toBe(BARS);
    expect(manager.counters.dead_lettered).toBe(0);

    const plans = lines.filter((line) => line.type === 'plan').map((line) => line.plan as WirePlan);
    expect(plans.map((p) => [p.timestamp_ns, p.reason])).toEqual(
      result.rebalances.map((p) => [p.timestamp_ns, p.reason]),
    );
    plans.forEach((plan, i) => {
      const other = result.rebalances[i] as WirePlan;
      for (const [id, amount] of Object.entries(plan.transfers))
        expect(closeTo(amount, other.transfers[id] as number), `plan ${i} ${id}`).toBe(true);
    });
    const last = result.equity_curve[result.equity_curve.length - 1];
    for (const [id, capital] of Object.entries(last?.strategies ?? {}))
      expect(closeTo(final?.strategyAllocations[id] as number, capital), `sleeve ${id}`).toBe(true);
    expect(final?.paused).toEqual([]);
    expect(final?.halted).toBe(false);
  }, 180_000);
});
