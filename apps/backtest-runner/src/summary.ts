// The short report the runner prints after a backtest: the period run, money, costs,
// rebalances by reason, and the metrics table (saying which figures are annualised).
import {
  timestampToIso,
  type Metrics,
  type PortfolioBacktestResult,
} from '@njord/portfolio-contracts';
import { SCIENTIFIC_FROM } from '@njord/portfolio-report';

/** Two decimals, or from SCIENTIFIC_FROM on (as the report shows it) scientific notation. */
function fixed(value: number): string {
  return Math.abs(value) >= SCIENTIFIC_FROM ? value.toExponential(2) : value.toFixed(2);
}

function percent(value: number | null): string {
  return value === null ? '—' : `${fixed(value * 100)}%`;
}

function ratio(value: number | null): string {
  return value === null ? '—' : fixed(value);
}

function money(value: number): string {
  if (Math.abs(value) >= SCIENTIFIC_FROM) return fixed(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

const COLUMNS = ['', 'return', 'CAGR*', 'vol*', 'Sharpe*', 'max DD', 'rebalances'] as const;

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

export interface SummaryContext {
  /** Bars in the whole data file (the run may cover fewer, with --start / --end). */
  readonly dataBars: number;
  /**
   * Rebalances per reason, in order of first use, when they are not in `result.rebalances`
   * (kept in a spill file during the run).
   */
  readonly rebalanceReasons?: ReadonlyMap<string, number>;
}

/** When the curve points are dates only, print dates. */
function when(ns: bigint): string {
  const iso = timestampToIso(ns);
  return iso.endsWith('T00:00:00.000Z') || iso.endsWith('T00:00:00Z') ? iso.slice(0, 10) : iso;
}

export function formatSummary(result: PortfolioBacktestResult, context?: SummaryContext): string {
  const portfolio = result.metrics.portfolio;
  const reasons = new Map<string, number>(context?.rebalanceReasons ?? []);
  if (context?.rebalanceReasons === undefined) {
    for (const rebalance of result.rebalances)
      reasons.set(rebalance.reason, (reasons.get(rebalance.reason) ?? 0) + 1);
  }
  let rebalanceCount = 0;
  for (const count of reasons.values()) rebalanceCount += count;
  const byReason =
    reasons.size === 0
      ? 'none'
      : [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ');
  const lines = [
    `period:       ${when(result.start)} to ${when(result.end)}: ${result.stats.bars} bars run` +
      (context === undefined ? '' : ` (of ${context.dataBars} in the data)`),
    `equity:       ${money(result.initialCapital)} -> ${money(result.finalEquity)} (${percent(portfolio.totalReturn)})`,
    `costs:        ${portfolio.costs === null ? '—' : money(portfolio.costs)} (commission and slippage)`,
    `turnover:     ${ratio(portfolio.turnover)} (traded notional / (2 x mean equity), over the period)`,
    `rebalances:   ${rebalanceCount} (${byReason})`,
    '',
  ];

  const rows: string[][] = [
    [...COLUMNS],
    row('portfolio', portfolio, true),
    row('baseline (never rebalanced)', result.metrics.baseline, false),
    row('benchmark (equal-weight hold)', result.metrics.benchmark, false),
  ];
  for (const [id, alone] of Object.entries(result.standalone))
    rows.push(row(`${id} alone`, alone.metrics, false));
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const table = rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  '),
  );
  table.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.push(...table);
  lines.push(
    '',
    '* annualised (CAGR over calendar time; vol and Sharpe scaled by the bars per year);',
    '  return and max DD are over the period run.',
  );
  return lines.join('\n');
}
