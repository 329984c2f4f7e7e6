// Another team's service using the Njord libraries from npm (the code of
// docs/guide-own-service.md). It runs one cycle of what a live service does with them, then
// backtests the same portfolio and renders the report:
//   1. read the portfolio YAML (`@njord/portfolio-contracts/yaml`);
//   2. track fills and prices per strategy sleeve (`@njord/portfolio-tracker`);
//   3. ask for a rebalance plan when the snapshot says one is due (`@njord/portfolio-rebalancer`);
//   4. send the plan's trades to a broker (here: a fake one that fills at the reference
//      price) and feed the fills back (the trade-to-fill step);
//   5. backtest the portfolio on a price CSV and render the HTML report.
// Every step checks its result and exits non-zero when something is off.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeRebalancePlan,
  type FillEvent,
  type PlannedTrade,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import { isContractError, REBALANCE_REASONS } from '@njord/portfolio-contracts/core';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { AllocationCalculator } from '@njord/portfolio-allocator';
import { PositionSizer } from '@njord/portfolio-sizer';
import { Rebalancer } from '@njord/portfolio-rebalancer';
import { PortfolioTracker } from '@njord/portfolio-tracker';
import { createStrategyRegistry, PortfolioBacktestEngine } from '@njord/portfolio-backtest';
import { parsePriceCsv } from '@njord/portfolio-backtest/csv';
import { renderPortfolioReport } from '@njord/portfolio-report';
import { z } from 'zod';

const NS_PER_HOUR = 3_600_000_000_000n;

function check(condition: boolean, what: string): void {
  if (!condition) {
    console.error(`consumer example: ${what}`);
    process.exit(1);
  }
}

// 1. The portfolio: YAML text -> a validated, frozen PortfolioConfig (camelCase).
const yamlText = readFileSync(new URL('../portfolio.yaml', import.meta.url), 'utf8');
const config = parsePortfolioConfig(yamlText, 'portfolio.yaml');
console.log(
  `portfolio ${config.id}: ${config.allocations.length} strategies, ${config.totalCapital}`,
);

// Bad input is a ContractError listing every broken rule with its path.
try {
  parsePortfolioConfig('portfolio: {id: x, total_capital: -1}', 'bad.yaml');
  check(false, 'a bad config was accepted');
} catch (error) {
  check(isContractError(error), 'a bad config did not throw a ContractError');
  if (isContractError(error)) console.log(`bad config rejected: ${error.issues.length} issues`);
}

// Our own service validates its own messages with the same zod the packages use (a peer
// dependency: one copy, ours).
const OrderAck = z.object({ intentId: z.string(), filledQuantity: z.number().positive() });

// 2. The tracker starts with every sleeve's target capital in cash.
const allocator = new AllocationCalculator(config);
const tracker = new PortfolioTracker(config, { allocator, startNs: 0n });
let fillSeq = 0;
function fill(
  strategyId: string,
  symbol: string,
  side: 'buy' | 'sell',
  quantity: number,
  price: number,
  ns: bigint,
  intentId?: string,
): FillEvent {
  fillSeq += 1;
  return {
    fillId: `fill-${fillSeq}`,
    strategyId,
    symbol,
    side,
    quantity,
    price,
    fee: 1,
    timestampNs: ns,
    ...(intentId === undefined ? {} : { intentId }),
  };
}
// The strategies trade: trend buys 500 AAA at 100, carry buys 300 BBB at 100.
for (const event of [
  fill('trend', 'AAA', 'buy', 500, 100, 1n),
  fill('carry', 'BBB', 'buy', 300, 100, 2n),
]) {
  const applied = tracker.onFill(event);
  check(applied.success, `fill ${event.fillId} not applied`);
}
// Prices move: AAA doubles, so trend's sleeve grows past its band.
tracker.setMark('AAA', 200, 3n);
tracker.setMark('BBB', 100, 3n);

const now = 2n * NS_PER_HOUR;
const snapshot = tracker.getSnapshot(now);
console.log(
  `equity ${snapshot.totalEquity.toFixed(2)}, drift ${JSON.stringify(snapshot.driftFromTarget)}, ` +
    `rebalance: ${String(snapshot.rebalanceReason)}`,
);
check(snapshot.needsRebalance, 'AAA doubled but no rebalance is due');
check(
  snapshot.rebalanceReason !== null && REBALANCE_REASONS.includes(snapshot.rebalanceReason),
  'unknown rebalance reason',
);

// 3. The plan: a Result (an expected outcome), not an exception.
const rebalancer = new Rebalancer(allocator, new PositionSizer(config));
const planned = rebalancer.createRebalancePlan(tracker.getState(), { AAA: 200, BBB: 100 }, now);
if (!planned.success) {
  console.error(`no plan: ${planned.error.code} ${planned.error.message}`);
  process.exit(1);
}
const plan: RebalancePlan = planned.data;
console.log(
  `plan ${plan.planId}: transfers ${JSON.stringify(plan.transfers)}, ${plan.trades.length} trades, ` +
    `${plan.skipped.length} skipped, est. costs ${plan.estimatedCosts.toFixed(2)}`,
);
// The wire form (snake_case) is what goes onto a queue or into a log.
check(JSON.stringify(encodeRebalancePlan(plan)).includes('"plan_id"'), 'plan wire form');

// 4. Trade to fill: record the plan (transfers move cash between sleeves at once), send each
// trade to the broker as an order, and feed each fill back with the trade's intent id.
tracker.applyPlan(plan);
function fakeBroker(trade: PlannedTrade): unknown {
  return { intentId: trade.intentId, filledQuantity: trade.quantity };
}
for (const trade of plan.trades) {
  const ack = OrderAck.parse(fakeBroker(trade));
  const result = tracker.onFill(
    fill(
      trade.strategyId,
      trade.symbol,
      trade.side,
      ack.filledQuantity,
      trade.referencePrice,
      now + 1n,
      ack.intentId,
    ),
  );
  check(result.success, `fill of ${trade.intentId} not applied`);
}
const after = tracker.getSnapshot(now + 2n);
console.log(
  `after the plan: drift ${JSON.stringify(after.driftFromTarget)}, rebalance due: ${String(after.needsRebalance)}`,
);
check(!after.needsRebalance, 'still out of balance after applying the plan');

// 5. The same portfolio backtested on a small price CSV (two symbols, 300 days).
const lines = ['timestamp,symbol,open,high,low,close,volume'];
for (let day = 0; day < 300; day++) {
  const date = new Date(Date.UTC(2020, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
  const a = 100 * Math.exp(0.002 * day + 0.05 * Math.sin(day / 9));
  const b = 100 * Math.exp(0.0005 * day + 0.03 * Math.cos(day / 13));
  for (const [symbol, close] of [
    ['AAA', a],
    ['BBB', b],
  ] as const) {
    lines.push(`${date},${symbol},${close},${close * 1.01},${close * 0.99},${close},1000`);
  }
}
const parsedCsv = parsePriceCsv(lines.join('\n'), { source: 'inline.csv' });
if (!parsedCsv.success) {
  console.error(parsedCsv.error.message);
  process.exit(1);
}
const engine = new PortfolioBacktestEngine(config, createStrategyRegistry(), {
  clock: () => performance.now(),
  dataPath: 'inline.csv',
});
const result = engine.run(parsedCsv.data);
const m = result.metrics.portfolio;
// A metric is null where it is undefined (e.g. a Sharpe ratio with zero volatility).
const percent = (value: number | null): string =>
  value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`;
console.log(
  `backtest: ${result.stats.bars} bars, return ${percent(m.totalReturn)}, ` +
    `max drawdown ${percent(m.maxDrawdown)}, ${m.rebalanceCount} rebalances`,
);
check(result.stats.bars === 300, 'the backtest did not see 300 bars');
const reportPath = join(tmpdir(), `njord-consumer-report-${process.pid}.html`);
writeFileSync(reportPath, renderPortfolioReport(result));
console.log(`report: ${reportPath}`);
console.log('consumer example: ok');
