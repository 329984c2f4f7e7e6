// The objective: a metric where higher is better; the best combination and its ties.
import type { Metrics } from '@njord/portfolio-contracts';
import type { Objective } from './grid.js';

const FIELDS: Record<Objective, keyof Metrics> = {
  total_return: 'totalReturn',
  cagr: 'cagr',
  sharpe: 'sharpe',
  sortino: 'sortino',
  calmar: 'calmar',
  max_drawdown: 'maxDrawdown',
};

/** The objective's value; -Infinity when the metric is undefined (it never wins). */
export function objectiveValue(metrics: Metrics, objective: Objective): number {
  const value = metrics[FIELDS[objective]];
  return typeof value === 'number' && Number.isFinite(value) ? value : -Infinity;
}

/** Index of the highest objective, the lowest index on ties; -1 when empty. */
export function pickBest(metrics: readonly Metrics[], objective: Objective): number {
  let best = -1;
  let bestValue = -Infinity;
  metrics.forEach((m, i) => {
    const value = objectiveValue(m, objective);
    if (best < 0 || value > bestValue) {
      best = i;
      bestValue = value;
    }
  });
  return best;
}
