// Benchmark: one rebalance plan for 100 strategies x 50 symbols (ms per plan), with and without netting.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import {
  parsePortfolioConfig,
  type PortfolioStateView,
  type PriceMap,
} from '@njord/portfolio-contracts';
import { PositionSizer } from '@njord/portfolio-sizer';
import { Rebalancer } from '../src/index.js';
import { createRandom } from '@njord/test-kit';

const STRATEGIES = 100;
const SYMBOLS = 50;
const rand = createRandom(42);
const symbols = Array.from({ length: SYMBOLS }, (_, j) => `SYM${j}`);
const prices: PriceMap = Object.fromEntries(symbols.map((s) => [s, 10 + 490 * rand()]));
const raw = Array.from({ length: STRATEGIES }, () => 0.5 + rand());
const total = raw.reduce((a, b) => a + b, 0);
const config = parsePortfolioConfig({
  portfolio: {
    id: 'bench',
    total_capital: 10_000_000,
    rebalance_threshold: 0.05,
    allocations: raw.map((w, i) => ({
      strategy_id: `strat${i}`,
      target_weight: w / total,
      min_capital: 0,
      max_capital: 10_000_000,
    })),
    costs: { commission_bps: 5, commission_min: 1, slippage_bps: 2 },
    // Half the symbols trade in whole lots, the rest fractional.
    instruments: Object.fromEntries(
      symbols.filter((_, j) => j % 2 === 0).map((s) => [s, { lot_size: 1 }]),
    ),
  },
});
// Each sleeve holds every symbol, worth its target share +-30%, fully invested.
const state: PortfolioStateView = {
  portfolioId: 'bench',
  sleeves: raw.map((w, i) => {
    const capital = (10_000_000 * w) / total;
    const drifted = capital * (0.7 + 0.6 * rand());
    const positions = Object.fromEntries(
      symbols.map((s) => [s, Math.floor(drifted / SYMBOLS / prices[s]!)]),
    );
    return { strategyId: `strat${i}`, cash: capital * 0.02, positions };
  }),
  unallocatedCash: 0,
  lastRebalanceNs: 0n,
};

const allocator = new AllocationCalculator(config);
const sizer = new PositionSizer(config);

function run(label: string, rebalancer: Rebalancer) {
  let trades = 0;
  const plan = () => {
    const result = rebalancer.createRebalancePlan(state, prices, 1n);
    if (!result.success) throw result.error;
    trades = result.data.trades.length;
    return result.data;
  };
  for (let i = 0; i < 20; i++) plan(); // warm-up
  const iterations = 100;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) plan();
  const ms = (performance.now() - start) / iterations;
  const last = plan();
  console.log(
    `${label.padEnd(22)} ${ms.toFixed(2).padStart(8)} ms/plan  (${trades} intents, ${last.skipped.length} skipped, ${last.internalFills?.length ?? 0} internal fills)`,
  );
}

console.log(`${STRATEGIES} strategies x ${SYMBOLS} symbols`);
run('plan', new Rebalancer(allocator, sizer));
run('plan with netting', new Rebalancer(allocator, sizer, { netting: true }));
