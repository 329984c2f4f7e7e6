// fast-check arbitraries of every wire contract's decoded (camelCase) form, for round-trip tests.
import fc from 'fast-check';
import type { PortfolioBacktestResult } from './backtest-result.js';
import type {
  Bar,
  FillEvent,
  OrderIntent,
  PortfolioSnapshot,
  PriceMark,
  RebalancePlan,
} from './events.js';
import type { PortfolioConfig } from './portfolio-config.js';

export const idArb = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
export const refArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/);
export const timestampArb = fc.bigInt({ min: -(2n ** 62n), max: 2n ** 63n - 1n });
// `+ 0` turns -0 into 0: JSON has no negative zero.
const money = fc
  .double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true })
  .map((x) => x + 0);
const positiveMoney = fc.double({ min: 1e-6, max: 1e9, noNaN: true, noDefaultInfinity: true });
const noNegativeZero = (x: number): number => x + 0;
const nonNegativeMoney = fc
  .double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true })
  .map(noNegativeZero);
const sideArb = fc.constantFrom('buy' as const, 'sell' as const);
const amountsArb = fc.dictionary(idArb, money, { maxKeys: 4 });

export const fillEventArb: fc.Arbitrary<FillEvent> = fc.record(
  {
    fillId: refArb,
    strategyId: idArb,
    symbol: idArb,
    side: sideArb,
    quantity: positiveMoney,
    price: positiveMoney,
    fee: nonNegativeMoney,
    timestampNs: timestampArb,
    portfolioId: idArb,
    intentId: refArb,
  },
  {
    requiredKeys: [
      'fillId',
      'strategyId',
      'symbol',
      'side',
      'quantity',
      'price',
      'fee',
      'timestampNs',
    ],
  },
);

export const priceMarkArb: fc.Arbitrary<PriceMark> = fc.record({
  symbol: idArb,
  price: positiveMoney,
  timestampNs: timestampArb,
});

const intentFields = {
  intentId: refArb,
  planId: refArb,
  portfolioId: idArb,
  strategyId: idArb,
  symbol: idArb,
  side: sideArb,
  quantity: positiveMoney,
  referencePrice: positiveMoney,
  timestampNs: timestampArb,
};

export const orderIntentArb: fc.Arbitrary<OrderIntent> = fc.record(intentFields);

const reasonArb = fc.constantFrom('threshold' as const, 'frequency' as const);

export const rebalancePlanArb: fc.Arbitrary<RebalancePlan> = fc.record(
  {
    planId: refArb,
    portfolioId: idArb,
    timestampNs: timestampArb,
    reason: reasonArb,
    transfers: amountsArb,
    trades: fc.array(
      fc.record({ ...intentFields, commission: nonNegativeMoney, slippage: nonNegativeMoney }),
      { maxLength: 3 },
    ),
    skipped: fc.array(
      fc.record({
        strategyId: idArb,
        symbol: idArb,
        quantity: money,
        reason: fc.constantFrom(
          'below_min_trade_value' as const,
          'rounded_to_zero' as const,
          'below_min_notional' as const,
          'cash' as const,
          'no_bar' as const,
        ),
      }),
      { maxLength: 3 },
    ),
    expectedDriftReduction: amountsArb,
    estimatedCosts: nonNegativeMoney,
    fallback: fc.boolean(),
    internalFills: fc.array(fillEventArb, { maxLength: 2 }),
    nettingSavings: nonNegativeMoney,
  },
  {
    requiredKeys: [
      'planId',
      'portfolioId',
      'timestampNs',
      'reason',
      'transfers',
      'trades',
      'skipped',
      'expectedDriftReduction',
      'estimatedCosts',
    ],
  },
);

export const portfolioSnapshotArb: fc.Arbitrary<PortfolioSnapshot> = fc.record({
  portfolioId: idArb,
  timestampNs: timestampArb,
  totalEquity: money,
  strategyAllocations: amountsArb,
  driftFromTarget: amountsArb,
  needsRebalance: fc.boolean(),
  targetAllocations: amountsArb,
  unallocatedCash: money,
  boundsViolated: fc.boolean(),
  rebalanceReason: fc.option(reasonArb, { nil: null }),
  staleSymbols: fc.array(idArb, { maxLength: 3 }),
});

export const barArb: fc.Arbitrary<Bar> = fc.record({
  timestampNs: timestampArb,
  symbol: idArb,
  open: positiveMoney,
  high: positiveMoney,
  low: positiveMoney,
  close: positiveMoney,
  volume: nonNegativeMoney,
});

const weightsArb = fc
  .array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 4 })
  .filter((ws) => ws.some((w) => w > 0))
  .map((ws) => {
    const total = ws.reduce((a, b) => a + b, 0);
    // Integer parts over their total: the sum is 1 within a few ulps.
    return ws.map((w) => w / total);
  });

/** A drawdown limit, strictly inside (0, 1). */
const drawdownArb = fc.double({ min: 1e-6, max: 0.999999, noNaN: true });

export const portfolioConfigArb: fc.Arbitrary<PortfolioConfig> = weightsArb.chain((weights) =>
  fc.record(
    {
      id: idArb,
      description: fc.string({ maxLength: 30 }),
      totalCapital: positiveMoney,
      rebalanceThreshold: positiveMoney,
      rebalanceFrequencyHours: positiveMoney,
      allocations: fc
        .uniqueArray(idArb, { minLength: weights.length, maxLength: weights.length })
        .chain((ids) =>
          fc.tuple(
            ...ids.map((strategyId, i) =>
              fc
                .tuple(
                  nonNegativeMoney,
                  nonNegativeMoney,
                  positiveMoney,
                  fc.option(drawdownArb, { nil: undefined }),
                  positiveMoney,
                )
                .map(([a, b, riskMultiplier, maxDrawdown, resumeAfterHours]) => ({
                  strategyId,
                  targetWeight: weights[i] ?? 0,
                  minCapital: Math.min(a, b),
                  maxCapital: Math.max(a, b),
                  riskMultiplier,
                  // resume_after_hours only beside a breaker.
                  ...(maxDrawdown === undefined ? {} : { maxDrawdown, resumeAfterHours }),
                })),
            ),
          ),
        ),
      costs: fc.record({
        commissionBps: nonNegativeMoney,
        commissionMin: nonNegativeMoney,
        slippageBps: nonNegativeMoney,
      }),
      minTradeValue: nonNegativeMoney,
      netting: fc.boolean(),
      instruments: fc.dictionary(
        idArb,
        fc.record({ lotSize: positiveMoney, minNotional: nonNegativeMoney }, { requiredKeys: [] }),
        { maxKeys: 3 },
      ),
      fillModel: fc.constantFrom('close' as const, 'next_open' as const),
      riskFreeRate: fc.double({ min: -0.5, max: 1, noNaN: true }).map(noNegativeZero),
      absoluteDriftThreshold: positiveMoney,
      rebalanceTo: fc.constantFrom('target' as const, 'band_edge' as const),
      maxDrawdown: drawdownArb,
    },
    {
      requiredKeys: [
        'id',
        'totalCapital',
        'rebalanceThreshold',
        'allocations',
        'costs',
        'minTradeValue',
        'netting',
        'instruments',
        'fillModel',
        'riskFreeRate',
        'rebalanceTo',
      ],
    },
  ),
);

const metricsArb = fc.record({
  totalReturn: fc.option(money, { nil: null }),
  cagr: fc.option(money, { nil: null }),
  volatility: fc.option(money, { nil: null }),
  sharpe: fc.option(money, { nil: null }),
  sortino: fc.option(money, { nil: null }),
  maxDrawdown: fc.option(money, { nil: null }),
  maxDrawdownDurationBars: fc.option(money, { nil: null }),
  maxDrawdownDurationDays: fc.option(money, { nil: null }),
  calmar: fc.option(money, { nil: null }),
  turnover: fc.option(money, { nil: null }),
  costs: fc.option(money, { nil: null }),
  rebalanceCount: fc.nat(),
});

const curveArb = fc.array(fc.record({ timestampNs: timestampArb, equity: money }), {
  maxLength: 3,
});

export const backtestResultArb: fc.Arbitrary<PortfolioBacktestResult> = fc.record({
  portfolioId: idArb,
  config: fc.constant({ id: 'p', total_capital: 1 }),
  data: fc.record({
    path: fc.string(),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    symbols: fc.array(idArb, { maxLength: 3 }),
    bars: fc.nat(),
  }),
  versions: fc.dictionary(fc.stringMatching(/^@?[a-z0-9/._-]{1,20}$/), fc.string()),
  start: timestampArb,
  end: timestampArb,
  initialCapital: money,
  finalEquity: money,
  equityCurve: fc.array(
    fc.record(
      {
        timestampNs: timestampArb,
        equity: money,
        cash: money,
        unallocated: money,
        strategies: amountsArb,
        targets: amountsArb,
        baseTargets: amountsArb,
        drift: amountsArb,
      },
      {
        requiredKeys: [
          'timestampNs',
          'equity',
          'cash',
          'unallocated',
          'strategies',
          'targets',
          'drift',
        ],
      },
    ),
    { maxLength: 3 },
  ),
  rebalances: fc.array(
    rebalancePlanArb.chain((plan) =>
      fc
        .array(
          fc.record({
            intentId: refArb,
            fillPrice: money,
            commission: nonNegativeMoney,
            slippage: nonNegativeMoney,
          }),
          { maxLength: 2 },
        )
        .map((fills) => ({ ...plan, fills })),
    ),
    { maxLength: 2 },
  ),
  metrics: fc.record({
    portfolio: metricsArb,
    baseline: metricsArb,
    benchmark: metricsArb,
    strategies: fc.dictionary(idArb, metricsArb, { maxKeys: 2 }),
  }),
  contribution: amountsArb,
  baseline: fc.record({ equityCurve: curveArb }),
  benchmark: fc.record({ equityCurve: curveArb }),
  standalone: fc.dictionary(idArb, fc.record({ equityCurve: curveArb, metrics: metricsArb }), {
    maxKeys: 2,
  }),
  stats: fc.record({
    bars: fc.nat(),
    barEvents: fc.nat(),
    loadMs: nonNegativeMoney,
    runMs: nonNegativeMoney,
    barEventsPerSecond: nonNegativeMoney,
  }),
});
