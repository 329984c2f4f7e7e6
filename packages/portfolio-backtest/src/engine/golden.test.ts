// Golden test: the engine against a separately written brute-force loop that follows
// The documented rules in the setting where they equal bt's strategy of strategies (zero
// costs, fractional units, min_trade_value 0, non-binding bounds, aligned data).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { parsePriceCsv } from '../price-csv.js';
import type { PriceData } from '../price-data.js';
import { PortfolioBacktestEngine } from './portfolio-engine.js';

const csvPath = fileURLToPath(new URL('../../../../data/stocks-monthly.csv', import.meta.url));
const HOUR_NS = 3_600_000_000_000n;

function loadStocks(): PriceData {
  const parsed = parsePriceCsv(readFileSync(csvPath, 'utf8'), { source: 'stocks-monthly.csv' });
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

interface SleeveSpec {
  readonly id: string;
  readonly weight: number;
  readonly kind: 'buy_and_hold' | 'fixed_weights';
  readonly exposures: Readonly<Record<string, number>>;
}

const SLEEVES: readonly SleeveSpec[] = [
  { id: 'tech_hold', weight: 0.5, kind: 'buy_and_hold', exposures: { AAPL: 0.5, MSFT: 0.5 } },
  { id: 'mix', weight: 0.3, kind: 'fixed_weights', exposures: { IBM: 0.6, AMZN: 0.4 } },
  { id: 'apple_ibm', weight: 0.2, kind: 'fixed_weights', exposures: { AAPL: 0.3, IBM: 0.7 } },
];

function configFor(threshold: number, frequencyHours?: number): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'golden',
      total_capital: 1_000_000,
      rebalance_threshold: threshold,
      ...(frequencyHours === undefined ? {} : { rebalance_frequency_hours: frequencyHours }),
      min_trade_value: 0,
      allocations: SLEEVES.map((s) => ({
        strategy_id: s.id,
        target_weight: s.weight,
        min_capital: 0,
        max_capital: 1e12,
        strategy: { kind: s.kind, params: { weights: s.exposures } },
      })),
    },
  });
}

interface Reference {
  readonly equity: number[];
  readonly sleeves: number[][];
  readonly rebalanceSteps: number[];
  readonly reasons: string[];
}

/**
 * The brute force: sleeves of cash and units, priced at each close. Bar order: strategies
 * trade at the close (buy_and_hold once, fixed_weights every bar: units = exposure x
 * capital / price), then the trigger (|drift| > threshold, or the period elapsed since
 * the last rebalance or the start), then every sleeve is scaled to weight x equity.
 */
function bruteForce(
  data: PriceData,
  threshold: number,
  frequencyHours: number | undefined,
  withRebalance: boolean,
  only?: string,
): Reference {
  const sleeves = SLEEVES.filter((s) => only === undefined || s.id === only);
  const capital0 = 1_000_000;
  const price = (symbol: string, t: number): number =>
    data.close[data.symbolIndex(symbol)]?.[t] as number;
  const state = sleeves.map((s) => ({
    spec: s,
    cash: (only === undefined ? s.weight : 1) * capital0,
    units: new Map<string, number>(),
  }));
  const value = (sleeve: (typeof state)[number], t: number): number => {
    let v = sleeve.cash;
    for (const [symbol, units] of sleeve.units) v += units * price(symbol, t);
    return v;
  };
  const out: Reference = {
    equity: [],
    sleeves: sleeves.map(() => []),
    rebalanceSteps: [],
    reasons: [],
  };
  let last = data.timestamps[0] as bigint;
  for (let t = 0; t < data.steps; t++) {
    for (const sleeve of state) {
      if (sleeve.spec.kind === 'fixed_weights' || t === 0) {
        const capital = value(sleeve, t);
        for (const [symbol, exposure] of Object.entries(sleeve.spec.exposures)) {
          const want = (exposure * capital) / price(symbol, t);
          const have = sleeve.units.get(symbol) ?? 0;
          sleeve.cash -= (want - have) * price(symbol, t);
          sleeve.units.set(symbol, want);
        }
      }
    }
    if (withRebalance) {
      const capitals = state.map((s) => value(s, t));
      const equity = capitals.reduce((a, b) => a + b, 0);
      const drifts = state.map(
        (s, i) => ((capitals[i] as number) - s.spec.weight * equity) / (s.spec.weight * equity),
      );
      const now = data.timestamps[t] as bigint;
      let reason: string | null = null;
      if (drifts.some((d) => Math.abs(d) > threshold)) reason = 'threshold';
      else if (frequencyHours !== undefined && now - last >= BigInt(frequencyHours) * HOUR_NS)
        reason = 'frequency';
      if (reason !== null) {
        out.rebalanceSteps.push(t);
        out.reasons.push(reason);
        last = now;
        state.forEach((s, i) => {
          const k = (s.spec.weight * equity) / (capitals[i] as number);
          s.cash *= k;
          for (const [symbol, units] of s.units) s.units.set(symbol, units * k);
        });
      }
    }
    const values = state.map((s) => value(s, t));
    values.forEach((v, i) => out.sleeves[i]?.push(v));
    out.equity.push(values.reduce((a, b) => a + b, 0));
  }
  return out;
}

function relativeError(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1);
}

describe('golden: engine = brute force (bt semantics) on the monthly stocks', () => {
  const data = loadStocks();

  it.each([
    [0.05, undefined],
    [0.1, 24 * 90],
    [0.02, 24 * 30],
  ])(
    'threshold %s, frequency %s hours: the same curve, rebalance for rebalance',
    (threshold, frequency) => {
      const config = configFor(threshold, frequency);
      const result = new PortfolioBacktestEngine(config).run(data);
      const reference = bruteForce(data, threshold, frequency, true);
      expect(result.equityCurve).toHaveLength(data.steps);
      result.equityCurve.forEach((point, t) => {
        expect(relativeError(point.equity, reference.equity[t] as number)).toBeLessThan(1e-9);
        SLEEVES.forEach((s, i) => {
          expect(
            relativeError(point.strategies[s.id] as number, reference.sleeves[i]?.[t] as number),
          ).toBeLessThan(1e-9);
        });
      });
      const steps = result.rebalances.map((r) => data.stepAtOrAfter(r.timestampNs));
      expect(steps).toEqual(reference.rebalanceSteps);
      expect(result.rebalances.map((r) => r.reason)).toEqual(reference.reasons);
      expect(reference.rebalanceSteps.length).toBeGreaterThan(3);
      // With zero costs, nothing leaks: the final equity is the last curve point.
      expect(result.finalEquity).toBe(result.equityCurve.at(-1)?.equity);
    },
  );

  it('baseline = never rebalanced = the weighted sum of each strategy alone', () => {
    const config = configFor(0.05, 24 * 30);
    const result = new PortfolioBacktestEngine(config).run(data);
    const baseline = bruteForce(data, 0.05, undefined, false);
    result.baseline.equityCurve.forEach((point, t) => {
      expect(relativeError(point.equity, baseline.equity[t] as number)).toBeLessThan(1e-9);
      // Capital-agnostic strategies with fractional units scale linearly with capital.
      let weighted = 0;
      SLEEVES.forEach(
        (s) => (weighted += s.weight * (result.standalone[s.id]?.equityCurve[t]?.equity as number)),
      );
      expect(relativeError(point.equity, weighted)).toBeLessThan(1e-9);
    });
    SLEEVES.forEach((s) => {
      const alone = bruteForce(data, 0.05, undefined, false, s.id);
      result.standalone[s.id]?.equityCurve.forEach((point, t) => {
        expect(relativeError(point.equity, alone.equity[t] as number)).toBeLessThan(1e-9);
      });
    });
    expect(result.metrics.baseline.rebalanceCount).toBe(0);
  });

  it('contributions sum to the total return', () => {
    const result = new PortfolioBacktestEngine(configFor(0.05, 24 * 30)).run(data);
    const total = result.metrics.portfolio.totalReturn as number;
    // total_return = E_N / E_0 - 1 by definition.
    expect(total).toBeCloseTo(result.finalEquity / 1_000_000 - 1, 12);
    const sum = Object.values(result.contribution).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(total, 10);
  });
});
