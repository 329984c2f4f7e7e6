// The short table the runner prints after a backtest.
import type { Metrics, PortfolioBacktestResult } from '@njord/portfolio-contracts';

function percent(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(2)}%`;
}

function ratio(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

const COLUMNS = ['', 'return', 'CAGR', 'vol', 'Sharpe', 'max DD', 'rebalances'] as const;

function row(name: string, m: Metrics, rebalances: boolean): string[] {
  return [
    name,
    percent(m.totalReturn),
    percent(m.cagr),
    percent(m.volatility),
    ratio(m.sharpe),
    percent(m.maxDrawdown),
    rebalances ? String(m.rebalanceCount) : '',
  ];
}

export function formatSummary(result: PortfolioBacktestResult): string {
  const rows: string[][] = [
    [...COLUMNS],
    row('portfolio', result.metrics.portfolio, true),
    row('baseline (never rebalanced)', result.metrics.baseline, false),
    row('benchmark (equal-weight hold)', result.metrics.benchmark, false),
  ];
  for (const [id, alone] of Object.entries(result.standalone))
    rows.push(row(`${id} alone`, alone.metrics, false));
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  '),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}
