// Drawdown breakers, hand-worked: a sleeve losing 30% trips a 0.2 breaker at the right bar, a
// transfer is not a loss, the timer resumes it, and the portfolio halts on its own drawdown.
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { DrawdownBreakers } from './breakers.js';

const DAY = 86_400_000_000_000n;

function config(extra: Record<string, unknown> = {}, sleeve: Record<string, unknown> = {}) {
  return parsePortfolioConfig({
    portfolio: {
      id: 'breakers',
      total_capital: 2_000,
      rebalance_threshold: 0.05,
      allocations: [
        {
          strategy_id: 'loser',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e9,
          max_drawdown: 0.2,
          resume_after_hours: 48,
          ...sleeve,
        },
        { strategy_id: 'steady', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
      ],
      ...extra,
    },
  });
}

const at = (loser: number, steady = 1_000) =>
  new Map([
    ['loser', loser],
    ['steady', steady],
  ]);
const none = new Map<string, number>();

describe('a sleeve breaker', () => {
  it('trips a 0.2 breaker on the first bar past 20% down, then resumes 48 h later', () => {
    // The loser loses 30 a day from 1,000: day k holds 1,000 - 30k; drawdown -0.03k.
    // -0.18 (day 6) is inside, -0.21 (day 7) is past -0.2: it trips on day 7.
    const breakers = new DrawdownBreakers(config());
    const tripped: bigint[] = [];
    for (let k = 0; k <= 10; k++) {
      const events = breakers.observe(BigInt(k) * DAY, at(1_000 - 30 * k), none, 2_000 - 30 * k);
      for (const event of events) if (event.type === 'breaker') tripped.push(event.timestampNs);
      if (k === 7) {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ type: 'breaker', strategyId: 'loser' });
        const drawdown = (events[0] as { drawdown: number }).drawdown;
        expect(Math.abs(drawdown - -0.21)).toBeLessThan(1e-12);
      }
      if (k >= 7 && k < 9) expect(breakers.paused()).toEqual(['loser']);
    }
    expect(tripped).toEqual([7n * DAY]);
    // 48 h = 2 days after day 7: day 9 resumes it (now - trip >= period); day 8 did not.
    const fresh = new DrawdownBreakers(config());
    for (let k = 0; k <= 7; k++) fresh.observe(BigInt(k) * DAY, at(1_000 - 30 * k), none, 0);
    expect(fresh.observe(9n * DAY - 1n, at(0), none, 0)).toEqual([]);
    expect(fresh.observe(9n * DAY, at(0), none, 0)).toEqual([
      { type: 'resume', strategyId: 'loser', timestampNs: 9n * DAY, by: 'timer' },
    ]);
    expect(fresh.paused()).toEqual([]);
  });

  it('exactly at the limit does not trip; a transfer out is not a loss', () => {
    // 1,000 -> 800 is -0.2 exactly: not past it.
    const exact = new DrawdownBreakers(config());
    exact.observe(0n, at(1_000), none, 0);
    expect(exact.observe(DAY, at(800), none, 0)).toEqual([]);
    // 1,000 -> 500 with 600 moved out: (500 - (-600)) / 1,000 - 1 = +0.1, a gain.
    const moved = new DrawdownBreakers(config());
    moved.observe(0n, at(1_000), none, 0);
    expect(moved.observe(DAY, at(500), new Map([['loser', -600]]), 0)).toEqual([]);
    // Then 500 -> 380: -0.24 on the day, index 1.1 x 0.76 = 0.836, drawdown 0.836/1.1 - 1 = -0.24.
    const events = moved.observe(2n * DAY, at(380), none, 0);
    expect(events).toHaveLength(1);
    expect(Math.abs((events[0] as { drawdown: number }).drawdown - -0.24)).toBeLessThan(1e-12);
  });

  it('without resume_after_hours only an operator resumes it; its index starts again', () => {
    const breakers = new DrawdownBreakers(config({}, { resume_after_hours: undefined }));
    breakers.observe(0n, at(1_000), none, 0);
    breakers.observe(DAY, at(700), none, 0); // -0.3: tripped
    expect(breakers.observe(1_000n * DAY, at(0), none, 0)).toEqual([]);
    expect(breakers.paused()).toEqual(['loser']);
    expect(breakers.resume('steady')).toBe(false);
    expect(breakers.resume('loser')).toBe(true);
    // Fresh index from the next observation: 500 then 450 is -0.1, inside.
    breakers.observe(1_001n * DAY, at(500), none, 0);
    expect(breakers.observe(1_002n * DAY, at(450), none, 0)).toEqual([]);
  });
});

describe('the portfolio halt', () => {
  it('halts once when equity falls more than max_drawdown below its peak', () => {
    // Peak 2,200 (day 1); 2,200 x 0.75 = 1,650 is exactly -0.25: no halt; 1,600 is -0.2727.
    const breakers = new DrawdownBreakers(config({ max_drawdown: 0.25 }));
    expect(breakers.observe(0n, at(1_000), none, 2_000)).toEqual([]);
    expect(breakers.observe(DAY, at(1_000), none, 2_200)).toEqual([]);
    expect(breakers.observe(2n * DAY, at(1_000), none, 1_650)).toEqual([]);
    const events = breakers.observe(3n * DAY, at(1_000), none, 1_600);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'halt', timestampNs: 3n * DAY });
    expect(Math.abs((events[0] as { drawdown: number }).drawdown - (1_600 / 2_200 - 1))).toBe(0);
    expect(breakers.halted).toBe(true);
    expect(breakers.observe(4n * DAY, at(1_000), none, 1_000)).toEqual([]);
    breakers.resumeAll();
    expect(breakers.halted).toBe(false);
  });
});
