// Workload W's portfolio (the engine speed benchmarks): the three registered strategies at
// 0.4 / 0.35 / 0.25, min 0, max 1e7, capital 1e6, threshold 0.05.
export const W_PORTFOLIO = {
  portfolio: {
    id: 'w_bench',
    total_capital: 1_000_000,
    rebalance_threshold: 0.05,
    allocations: [
      { strategy_id: 'trendline_break_v1', target_weight: 0.4, min_capital: 0, max_capital: 1e7 },
      { strategy_id: 'rsi_tema_bb_v1', target_weight: 0.35, min_capital: 0, max_capital: 1e7 },
      { strategy_id: 'momentum_v1', target_weight: 0.25, min_capital: 0, max_capital: 1e7 },
    ],
  },
};
