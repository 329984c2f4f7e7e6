// renderPortfolioReport: one self-contained HTML page (uPlot, data and script inlined) for a backtest result.
import type { Metrics, PortfolioBacktestResult, RebalanceRecord } from '@njord/portfolio-contracts';
import { type ContributionSummary, summarizeContributions } from './contribution.js';
import { type ConfigView, describeConfig, type RiskAdjustmentView } from './config-view.js';
import { escapeHtml, serializeJsonForScript } from './escape.js';
import {
  formatNumber,
  formatPercent,
  formatPlain,
  formatSpan,
  formatTimestamp,
  NONE,
} from './format.js';
import {
  CLIENT_JS,
  PACKAGE_NAME,
  PACKAGE_VERSION,
  SCRIPT_HASHES,
  UPLOT_CSS,
  UPLOT_JS,
  UPLOT_VERSION,
} from './generated/assets.js';
import { pickStrategyColor, REPORT_COLORS } from './palette.js';
import { type CurveView, type ReportCurves, viewOfCurves, viewOfResult } from './curve-view.js';
import { DEFAULT_MAX_POINTS, prepareFromView, type ReportData } from './prepare.js';
import { REPORT_CSS } from './styles.js';
import {
  describeTargetShifts,
  summarizeTargetShiftsOf,
  type TargetShiftSummary,
} from './target-shift.js';

export interface RenderReportOptions {
  /** The page title; default `Backtest report: <portfolio id>`. */
  readonly title?: string;
  /** The most points one series draws before min-max downsampling (default 2000, >= 16). */
  readonly maxPoints?: number;
  /** Rebalances listed in the table (default 20,000); the rest are counted and said. */
  readonly maxRebalances?: number;
  /** Trade rows listed (default 100,000); the rest are counted and said. */
  readonly maxTradeRows?: number;
  /**
   * The rebalances in time order, read once, when they are not in the result's
   * `rebalances` (a long run keeps them in a file).
   */
  readonly rebalances?: Iterable<RebalanceRecord>;
}

/** The id of the inlined JSON block the browser script reads. */
export const REPORT_DATA_ELEMENT_ID = 'njord-report-data';

/**
 * No request can leave the page: scripts run only if they are the two inlined ones
 * (by hash, so no injected handler or script could run), and every fetch, image,
 * font or frame from anywhere is refused.
 */
// Constant text (keywords and base64 hashes): nothing in it needs escaping in a double-quoted attribute.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${SCRIPT_HASHES.map((hash) => `'${hash}'`).join(' ')}`,
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const h = escapeHtml;

type MetricKey = keyof Metrics;
interface MetricRow {
  readonly label: string;
  readonly hint: string;
  readonly show: (metrics: Metrics) => string;
}

const METRIC_ROWS: readonly MetricRow[] = [
  {
    label: 'Total return',
    hint: 'E_N / E_0 - 1',
    show: (m) => formatPercent(m.totalReturn, 2, true),
  },
  {
    label: 'CAGR',
    hint: 'compound annual growth rate',
    show: (m) => formatPercent(m.cagr, 2, true),
  },
  {
    label: 'Volatility',
    hint: 'annualised standard deviation of returns',
    show: (m) => formatPercent(m.volatility),
  },
  {
    label: 'Sharpe ratio',
    hint: 'annualised, over the risk-free rate',
    show: (m) => formatNumber(m.sharpe, 2),
  },
  {
    label: 'Sortino ratio',
    hint: 'annualised, downside deviation',
    show: (m) => formatNumber(m.sortino, 2),
  },
  {
    label: 'Max drawdown',
    hint: 'deepest fall from a running peak',
    show: (m) => formatPercent(m.maxDrawdown),
  },
  {
    label: 'Longest drawdown, bars',
    hint: 'longest run of bars below a prior peak',
    show: (m) => formatNumber(m.maxDrawdownDurationBars, 0),
  },
  {
    label: 'Longest drawdown, days',
    hint: 'the same run in calendar days',
    show: (m) => formatNumber(m.maxDrawdownDurationDays, 0),
  },
  { label: 'Calmar ratio', hint: 'CAGR / |max drawdown|', show: (m) => formatNumber(m.calmar, 2) },
  {
    label: 'Turnover',
    hint: 'traded notional / (2 x mean equity)',
    show: (m) => (m.turnover === null ? NONE : `${formatNumber(m.turnover, 2)}\u00d7`),
  },
  { label: 'Costs', hint: 'commission + slippage', show: (m) => formatNumber(m.costs, 2) },
  {
    label: 'Rebalances',
    hint: 'funding not counted',
    show: (m) => formatNumber(m.rebalanceCount, 0),
  },
];

// Keeps the compiler honest that every metric the contract defines is shown.
const SHOWN_METRICS: readonly MetricKey[] = [
  'totalReturn',
  'cagr',
  'volatility',
  'sharpe',
  'sortino',
  'maxDrawdown',
  'maxDrawdownDurationBars',
  'maxDrawdownDurationDays',
  'calmar',
  'turnover',
  'costs',
  'rebalanceCount',
] satisfies readonly MetricKey[];
void SHOWN_METRICS;

/** Escaped text that may wrap after `_`, `.` or `-` (strategy ids in narrow headers). */
function breakable(text: string): string {
  return h(text).replace(/([_.-])/g, '$1<wbr>');
}

function swatch(color: string): string {
  return `<span class="swatch" style="background:${h(color)}"></span>`;
}

function signClass(value: number | null | undefined): string {
  if (value === null || value === undefined || value === 0) return '';
  return value > 0 ? ' positive' : ' negative';
}

interface Column {
  readonly title: string;
  readonly color: string | null;
  readonly metrics: Metrics | undefined;
  readonly highlight?: boolean;
  /** Columns with the same group share a header above theirs. */
  readonly group?: string;
}

/** A row under the metrics: a label, its hint, one cell per column. */
interface ExtraRow {
  readonly label: string;
  readonly hint: string;
  readonly cells: readonly string[];
}

function renderMetricsTable(
  columns: readonly Column[],
  label: string,
  id: string,
  extra: readonly ExtraRow[] = [],
): string {
  const groups: { title: string; span: number }[] = [];
  for (const column of columns) {
    const last = groups[groups.length - 1];
    const title = column.group ?? '';
    if (last && last.title === title) last.span++;
    else groups.push({ title, span: 1 });
  }
  const groupRow = groups.some((group) => group.title !== '')
    ? `<tr class="group-row"><th></th>${groups
        .map(
          (group) =>
            `<th colspan="${group.span}"${group.title ? ' class="group"' : ''}>${h(group.title)}</th>`,
        )
        .join('')}</tr>`
    : '';
  const head = columns
    .map(
      (column) =>
        `<th class="num${column.highlight ? ' highlight' : ''}" scope="col">${column.color ? swatch(column.color) : ''}${breakable(column.title)}</th>`,
    )
    .join('');
  const body = METRIC_ROWS.map((row) => {
    const cells = columns
      .map(
        (column) =>
          `<td class="num${column.highlight ? ' highlight' : ''}">${column.metrics ? h(row.show(column.metrics)) : NONE}</td>`,
      )
      .join('');
    return `<tr><th scope="row" title="${h(row.hint)}">${h(row.label)}</th>${cells}</tr>`;
  })
    .concat(
      extra.map(
        (row) =>
          `<tr data-row="${h(row.label)}"><th scope="row" title="${h(row.hint)}">${h(row.label)}</th>${columns
            .map(
              (column, k) =>
                `<td class="num${column.highlight ? ' highlight' : ''}">${h(row.cells[k] ?? NONE)}</td>`,
            )
            .join('')}</tr>`,
      ),
    )
    .join('');
  return `<div class="table-scroll"><table class="data metrics" id="${id}" aria-label="${h(label)}"><thead>${groupRow}<tr><th scope="col">Metric</th>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function renderKpis(result: PortfolioBacktestResult): string {
  const p = result.metrics.portfolio;
  const b = result.metrics.baseline;
  const versus = (
    _value: number | null,
    other: number | null,
    render: (x: number | null) => string,
  ): string => `baseline ${render(other)}`;
  const cards = [
    {
      label: 'Final equity',
      value: formatNumber(result.finalEquity, 0),
      sub: `from ${formatNumber(result.initialCapital, 0)}`,
      tone: signClass(result.finalEquity - result.initialCapital),
    },
    {
      label: 'Total return',
      value: formatPercent(p.totalReturn, 1, true),
      sub: versus(p.totalReturn, b.totalReturn, (x) => formatPercent(x, 1, true)),
      tone: signClass(p.totalReturn),
    },
    {
      label: 'CAGR',
      value: formatPercent(p.cagr, 2, true),
      sub: versus(p.cagr, b.cagr, (x) => formatPercent(x, 2, true)),
      tone: signClass(p.cagr),
    },
    {
      label: 'Sharpe',
      value: formatNumber(p.sharpe, 2),
      sub: versus(p.sharpe, b.sharpe, (x) => formatNumber(x, 2)),
      tone: '',
    },
    {
      label: 'Max drawdown',
      value: formatPercent(p.maxDrawdown, 1),
      sub: versus(p.maxDrawdown, b.maxDrawdown, (x) => formatPercent(x, 1)),
      tone: '',
    },
    {
      label: 'Rebalances',
      value: formatNumber(p.rebalanceCount, 0),
      sub: `costs ${formatNumber(p.costs, 2)}`,
      tone: '',
    },
  ];
  return `<section class="kpis" aria-label="Key figures">${cards
    .map(
      (card) =>
        `<div class="kpi"><div class="kpi-label">${h(card.label)}</div><div class="kpi-value${card.tone}">${h(card.value)}</div><div class="kpi-sub">${h(card.sub)}</div></div>`,
    )
    .join('')}</section>`;
}

function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? NONE : text;
}

function renderFacts(facts: readonly (readonly [string, string])[]): string {
  return facts.map(([label, value]) => `<dt>${h(label)}</dt><dd>${h(value)}</dd>`).join('');
}

const RISK_METHOD_NOTES: Readonly<Record<string, string>> = {
  sharpe_drawdown: 'toward higher Sharpe, away from deeper drawdowns',
  inverse_volatility: 'blended toward 1 / volatility',
  equal_risk_contribution: 'blended toward equal risk contributions',
};

/** "every 168 hours (7 days)"; without adjust_every_hours the backtest adjusts at every bar. */
function describeCadence(hours: number | null): string {
  if (hours === null) return 'every bar';
  const days = hours / 24;
  const inDays = hours >= 48 && Number.isInteger(days) ? ` (${formatPlain(days, 0)} days)` : '';
  return `every ${formatPlain(hours, 4)} hours${inDays}`;
}

function renderRiskAdjustment(risk: RiskAdjustmentView): string {
  const note = risk.method === null ? undefined : RISK_METHOD_NOTES[risk.method];
  const facts: [string, string][] = [
    ['Method', risk.method === null ? NONE : note ? `${risk.method} (${note})` : risk.method],
    [
      'Lookback',
      risk.lookbackPeriodDays === null
        ? NONE
        : `${formatPlain(risk.lookbackPeriodDays, 4)} calendar days`,
    ],
    ['Sensitivity', formatPlain(risk.adjustmentSensitivity, 6)],
    ['Cadence', describeCadence(risk.adjustEveryHours)],
  ];
  return `<h3>Risk adjustment</h3><p class="section-note">The weights below are the base: the adjustment re-weights them from the sleeves' flow-adjusted returns over the lookback, then the same bounds apply.</p><dl class="facts facts-columns" id="risk-adjustment">${renderFacts(facts)}</dl>`;
}

/** "20%, resumes after 48 h", or a dash without a breaker. */
function describeBreaker(allocation: ConfigView['allocations'][number]): string {
  if (allocation.maxDrawdown === null) return NONE;
  const resume =
    allocation.resumeAfterHours === null
      ? 'resumed by an operator'
      : `resumes after ${formatPlain(allocation.resumeAfterHours, 4)} h`;
  return `${formatPercent(allocation.maxDrawdown, 1)}, ${resume}`;
}

function renderConfiguration(config: ConfigView, strategies: readonly string[]): string {
  const threshold = config.rebalanceThreshold;
  const frequency = config.rebalanceFrequencyHours;
  const facts: [string, string][] = [
    ['Total capital', formatNumber(config.totalCapital, 2)],
    [
      'Rebalance threshold',
      threshold === null ? NONE : `${formatPercent(threshold, 2)} relative drift`,
    ],
    [
      'Rebalance frequency',
      frequency === null ? 'none (threshold only)' : `every ${formatPlain(frequency, 4)} hours`,
    ],
    [
      'Commission',
      `${formatPlain(config.commissionBps, 4)} bps, min ${formatNumber(config.commissionMin, 2)}`,
    ],
    ['Slippage', `${formatPlain(config.slippageBps, 4)} bps`],
    ['Min trade value', formatNumber(config.minTradeValue, 2)],
    ['Netting', config.netting === null ? NONE : config.netting ? 'on' : 'off'],
    ['Fill model', config.fillModel ?? NONE],
    ['Risk-free rate', formatPercent(config.riskFreeRate, 2)],
    [
      'Periods per year',
      config.periodsPerYear === null ? 'from bar spacing' : formatPlain(config.periodsPerYear, 4),
    ],
  ];
  if (config.maxDrawdown !== null)
    facts.push([
      'Halt at drawdown',
      `${formatPercent(config.maxDrawdown, 2)} of equity below its peak`,
    ]);
  for (const [key, value] of config.other) {
    const empty =
      value === null ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
    if (!empty) facts.push([key, jsonText(value)]);
  }
  const factsHtml = renderFacts(facts);

  const withBreaker = config.allocations.some((allocation) => allocation.maxDrawdown !== null);
  const rows = config.allocations
    .map((allocation) => {
      const index = strategies.indexOf(allocation.strategyId);
      const color = pickStrategyColor(index < 0 ? 0 : index);
      const targetCapital =
        allocation.targetWeight !== null && config.totalCapital !== null
          ? allocation.targetWeight * config.totalCapital
          : null;
      const params = allocation.params === undefined ? NONE : jsonText(allocation.params);
      return `<tr><th scope="row">${swatch(color)}<span class="mono">${h(allocation.strategyId)}</span></th><td>${h(allocation.kind ?? 'registered')}</td><td class="wrap">${h(allocation.symbols ? allocation.symbols.join(', ') : 'all')}</td><td class="num">${h(formatPercent(allocation.targetWeight, 2))}</td><td class="num">${h(formatNumber(targetCapital, 0))}</td><td class="num">${h(formatNumber(allocation.minCapital, 0))}</td><td class="num">${h(formatNumber(allocation.maxCapital, 0))}</td><td class="num">${h(formatPlain(allocation.riskMultiplier, 4))}</td>${withBreaker ? `<td class="num">${h(describeBreaker(allocation))}</td>` : ''}<td class="wrap mono">${h(params)}</td></tr>`;
    })
    .join('');
  return `<section id="configuration"><h2>Configuration</h2><p class="section-note">Targets are water-filled under each strategy's bounds; a rebalance fires when any |drift| exceeds the threshold or when the frequency has elapsed.</p><dl class="facts facts-columns">${factsHtml}</dl>${config.riskAdjustment === null ? '' : renderRiskAdjustment(config.riskAdjustment)}<h3>Allocations</h3><div class="table-scroll"><table class="data" id="allocations-table"><thead><tr><th scope="col">Strategy</th><th scope="col">Kind</th><th scope="col">Symbols</th><th scope="col" class="num">Target weight</th><th scope="col" class="num">Target capital</th><th scope="col" class="num">Min capital</th><th scope="col" class="num">Max capital</th><th scope="col" class="num">Risk mult.</th>${withBreaker ? '<th scope="col" class="num">Breaker</th>' : ''}<th scope="col">Params</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** Whether the config sets a drawdown limit (portfolio or sleeve) or the run has breaker events. */
function hasBreakers(result: PortfolioBacktestResult, config: ConfigView): boolean {
  return (
    (result.breakers?.length ?? 0) > 0 ||
    config.maxDrawdown !== null ||
    config.allocations.some((allocation) => allocation.maxDrawdown !== null)
  );
}

function countTrips(result: PortfolioBacktestResult, strategyId: string): number {
  let trips = 0;
  for (const event of result.breakers ?? [])
    if (event.type === 'breaker' && event.strategyId === strategyId) trips++;
  return trips;
}

function renderMetrics(
  result: PortfolioBacktestResult,
  strategies: readonly string[],
  withBreakers: boolean,
): string {
  const columns: Column[] = [
    {
      title: 'Portfolio',
      color: REPORT_COLORS.portfolio,
      metrics: result.metrics.portfolio,
      highlight: true,
    },
    { title: 'Baseline', color: REPORT_COLORS.baseline, metrics: result.metrics.baseline },
    { title: 'Benchmark', color: REPORT_COLORS.benchmark, metrics: result.metrics.benchmark },
    ...strategies.map((id, index) => ({
      title: id,
      color: pickStrategyColor(index),
      metrics: result.standalone[id]?.metrics,
      group: 'Each strategy alone',
    })),
  ];
  const sleeves: Column[] = strategies.map((id, index) => ({
    title: id,
    color: pickStrategyColor(index),
    metrics: result.metrics.strategies[id],
  }));
  const trips: ExtraRow[] = withBreakers
    ? [
        {
          label: 'Breaker trips',
          hint: 'times the sleeve fell past its max_drawdown and was paused',
          cells: strategies.map((id) => formatNumber(countTrips(result, id), 0)),
        },
      ]
    : [];
  return `<section id="metrics"><h2>Performance</h2><p class="section-note">Baseline: the same portfolio never rebalanced after funding. Benchmark: buy-and-hold of the data's symbols in equal weight. "Alone": each strategy with the whole capital. A dash marks a metric that is undefined.</p>${renderMetricsTable(columns, 'Portfolio, baseline, benchmark and each strategy alone', 'metrics-table')}<h3>Sleeves inside the portfolio</h3><p class="section-note">Each sleeve's returns, adjusted for the capital moved in and out of it by rebalances.</p>${renderMetricsTable(sleeves, 'Sleeves inside the portfolio', 'sleeve-metrics-table', trips)}</section>`;
}

function renderChartSection(id: string, title: string, note: string, body: string): string {
  return `<section id="${id}"><h2>${h(title)}</h2><p class="section-note">${h(note)}</p>${body}</section>`;
}

function renderTargetsBlock(
  shift: TargetShiftSummary | null,
  strategies: readonly string[],
): string {
  const sentence = shift === null ? '' : describeTargetShifts(shift);
  const panels = strategies
    .map(
      (_, index) =>
        `<div class="chart target-panel" id="chart-targets-${index}" data-chart="targets"></div>`,
    )
    .join('');
  return `<h3>Targets: risk-adjusted vs base</h3><p class="section-note">Each strategy's target as a share of the portfolio's equity, on one scale: solid, the risk-adjusted target the drift is measured against; dashed, the base target from the config's weights; shaded, the gap between them.</p><p class="target-shift" id="target-shift">${h(sentence)}</p><figure class="chart-block target-panels" id="chart-targets" style="margin:0">${panels}</figure><div class="chart-key"><span><span class="key-solid"></span>risk-adjusted target</span><span><span class="key-line"></span>base target</span></div>`;
}

function renderCharts(
  data: ReportData,
  shift: TargetShiftSummary | null,
  withBreakers: boolean,
): string {
  const markerKey = `<span><span class="key-marker" style="color:${h(REPORT_COLORS.threshold)}"></span>threshold rebalance</span><span><span class="key-marker" style="color:${h(REPORT_COLORS.frequency)}"></span>frequency rebalance</span>${withBreakers ? `<span><span class="key-marker" style="color:${h(REPORT_COLORS.breaker)}"></span>breaker rebalance</span>` : ''}`;
  const breakerKey = withBreakers
    ? `<div class="chart-key" id="breaker-key"><span><span class="key-rule" style="border-color:${h(REPORT_COLORS.breaker)}"></span>sleeve paused (breaker)</span><span><span class="key-rule" style="border-color:${h(REPORT_COLORS.halt)}"></span>portfolio halted</span><span><span class="key-rule" style="border-color:${h(REPORT_COLORS.resume)}"></span>resumed</span></div>`
    : '';
  const equity = renderChartSection(
    'equity',
    'Equity',
    'The portfolio against the never-rebalanced baseline, the equal-weight benchmark and each strategy alone. Drag to zoom, double-click to reset; hover a marker for the rebalance.',
    `<div class="chart-toolbar"><label><input type="checkbox" id="log-scale-toggle"${data.equity.logScaleAvailable ? '' : ' disabled title="Some equity is not positive"'}><span>Log scale</span></label></div><figure class="chart-block" style="margin:0"><div class="chart" id="chart-equity" data-chart="equity"></div></figure>${breakerKey}<h3>Drawdown</h3><figure class="chart-block" style="margin:0"><div class="chart" id="chart-drawdown" data-chart="drawdown"></div></figure><div class="chart-key">${markerKey}</div>`,
  );
  const adjusted = data.targets !== undefined;
  const allocation = renderChartSection(
    'allocation',
    'Allocation',
    `Each sleeve's capital, stacked (the top edge is the portfolio's equity). Dashed lines: the stacked ${adjusted ? 'risk-adjusted ' : ''}targets; grey bands: \u00b1 threshold \u00d7 the sleeve's target around each edge.${withBreakers ? ' Hatched: a sleeve paused by its breaker (its target is 0), or the portfolio halted.' : ''}`,
    `<figure class="chart-block" style="margin:0"><div class="chart" id="chart-allocation" data-chart="allocation"></div></figure><div class="chart-key"><span><span class="key-line"></span>${adjusted ? 'risk-adjusted ' : ''}target edge</span><span><span class="key-band"></span>\u00b1 threshold band</span>${markerKey}</div>${adjusted ? renderTargetsBlock(shift, data.strategies) : ''}`,
  );
  const drift = renderChartSection(
    'drift',
    'Drift',
    'Drift from target, (capital \u2212 target) / target, as the trigger saw it before each bar\u2019s rebalance; dashed lines at \u00b1 the threshold.',
    `<figure class="chart-block" style="margin:0"><div class="chart" id="chart-drift" data-chart="drift"></div></figure><div class="chart-key">${markerKey}</div>`,
  );
  return equity + allocation + drift;
}

function renderContributionChart(
  summary: ContributionSummary,
  strategies: readonly string[],
): string {
  const bars = summary.rows.map((row) => ({
    label: row.strategyId,
    value: row.contribution ?? 0,
    color: pickStrategyColor(Math.max(0, strategies.indexOf(row.strategyId))),
  }));
  bars.push({ label: 'Sum = total return', value: summary.sum, color: REPORT_COLORS.portfolio });
  const width = 640;
  const labelWidth = 190;
  const valueWidth = 78;
  const rowHeight = 30;
  const top = 8;
  const height = top * 2 + rowHeight * bars.length;
  const low = Math.min(0, ...bars.map((bar) => bar.value));
  const high = Math.max(0, ...bars.map((bar) => bar.value));
  const span = high - low || 1;
  const plotLeft = labelWidth + (low < 0 ? valueWidth : 8);
  const plotWidth = width - plotLeft - valueWidth;
  const x = (value: number): number => plotLeft + ((value - low) / span) * plotWidth;
  const zero = x(0);
  const parts = bars.map((bar, index) => {
    const y = top + index * rowHeight;
    const left = Math.min(x(bar.value), zero);
    const barWidth = Math.abs(x(bar.value) - zero);
    const isTotal = index === bars.length - 1;
    const valueX = bar.value < 0 ? left - 6 : left + barWidth + 6;
    const anchor = bar.value < 0 ? 'end' : 'start';
    return `<g${isTotal ? ' class="total"' : ''}><text x="${labelWidth - 10}" y="${y + rowHeight / 2 + 4}" text-anchor="end"${isTotal ? ' font-weight="600"' : ''}>${h(bar.label)}</text><rect x="${left.toFixed(2)}" y="${y + 6}" width="${Math.max(barWidth, 0.5).toFixed(2)}" height="${rowHeight - 12}" rx="2" fill="${h(bar.color)}"></rect><text class="value" x="${valueX.toFixed(2)}" y="${y + rowHeight / 2 + 4}" text-anchor="${anchor}">${h(formatPercent(bar.value, 2, true))}</text></g>`;
  });
  const separator = top + (bars.length - 1) * rowHeight;
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Contribution of each strategy to the total return"><line class="axis" x1="${zero.toFixed(2)}" x2="${zero.toFixed(2)}" y1="${top}" y2="${height - top}"></line><line x1="${labelWidth - 150}" x2="${width}" y1="${separator}" y2="${separator}" stroke="#e4e8ee"></line>${parts.join('')}</svg>`;
}

function renderContribution(
  result: PortfolioBacktestResult,
  strategies: readonly string[],
): string {
  const summary = summarizeContributions(result, strategies);
  const rows = summary.rows
    .map((row) => {
      const color = pickStrategyColor(Math.max(0, strategies.indexOf(row.strategyId)));
      return `<tr><th scope="row">${swatch(color)}<span class="mono">${h(row.strategyId)}</span></th><td class="num${signClass(row.contribution)}">${h(formatPercent(row.contribution, 2, true))}</td><td class="num">${h(formatPercent(row.shareOfTotal, 1))}</td></tr>`;
    })
    .join('');
  const residual = summary.residual;
  const consistent = residual !== null && Math.abs(residual) <= 1e-6;
  const check =
    residual === null
      ? ''
      : `<p class="check ${consistent ? 'ok' : 'off'}" id="contribution-check">${consistent ? '\u2713 The contributions add up to the total return' : '\u26a0 The contributions do not add up to the total return'} (difference ${h(formatNumber(residual * 1e4, 4))} bp).</p>`;
  return `<section id="contribution"><h2>Contribution</h2><p class="section-note">Contribution of strategy i = \u03a3 over bars of (E<sub>i,t</sub> \u2212 transfer<sub>i,t</sub> \u2212 E<sub>i,t\u22121</sub>) / E<sub>0</sub>: each sleeve's profit net of the capital moved into it, as a share of the initial capital.</p><div class="contribution-grid"><div><div class="table-scroll"><table class="data" id="contribution-table"><thead><tr><th scope="col">Strategy</th><th scope="col" class="num">Contribution</th><th scope="col" class="num">Share of sum</th></tr></thead><tbody>${rows}</tbody><tfoot><tr><th scope="row">Sum of contributions</th><td class="num" id="contribution-sum">${h(formatPercent(summary.sum, 2, true))}</td><td></td></tr><tr><th scope="row">Portfolio total return</th><td class="num" id="contribution-total">${h(formatPercent(summary.totalReturn, 2, true))}</td><td class="num muted">final / initial \u2212 1</td></tr></tfoot></table></div>${check}</div><div class="contribution-chart">${renderContributionChart(summary, strategies)}</div></div></section>`;
}

/** Breaker events listed in the report (the result file holds them all). */
const MAX_BREAKER_ROWS = 1000;

function renderBreakers(
  result: PortfolioBacktestResult,
  intraday: boolean,
  config: ConfigView,
): string {
  const events = [...(result.breakers ?? [])];
  events.sort((x, y) =>
    x.timestampNs < y.timestampNs ? -1 : x.timestampNs > y.timestampNs ? 1 : 0,
  );
  const count = events.length;
  const tally = (type: string) => events.filter((event) => event.type === type).length;
  const limits = config.allocations
    .filter((allocation) => allocation.maxDrawdown !== null)
    .map(
      (allocation) =>
        `${allocation.strategyId} ${formatPercent(allocation.maxDrawdown, 1)} (${allocation.resumeAfterHours === null ? 'resumed by an operator' : `resumes after ${formatPlain(allocation.resumeAfterHours, 4)} h`})`,
    );
  if (config.maxDrawdown !== null)
    limits.push(
      `portfolio ${formatPercent(config.maxDrawdown, 1)} (halts; a backtest has no operator to resume it)`,
    );
  const label = { breaker: 'paused', halt: 'halted', resume: 'resumed' } as const;
  const rows = events
    .slice(0, MAX_BREAKER_ROWS)
    .map(
      (event, i) =>
        `<tr data-kind="${h(event.type)}"><td class="num">${h(formatNumber(i + 1, 0))}</td><td>${h(formatTimestamp(event.timestampNs, intraday))}</td><td>${h(label[event.type])}</td><td class="mono">${h(event.strategyId ?? 'portfolio')}</td><td>${h(event.reason)}</td><td class="num">${h(formatPercent(event.drawdown, 2))}</td></tr>`,
    );
  const more =
    count > MAX_BREAKER_ROWS
      ? `<p class="section-note">The first ${h(formatNumber(MAX_BREAKER_ROWS, 0))} of ${h(formatNumber(count, 0))} events are listed; the result JSON holds every one.</p>`
      : '';
  const body =
    rows.length === 0
      ? `<tr><td colspan="6" class="muted">No breaker tripped.</td></tr>`
      : rows.join('');
  return `<section id="breakers"><h2>Breakers</h2><p class="section-note">A sleeve whose flow-adjusted index falls more than its max_drawdown below its peak is paused: its strategy's orders are refused, its target is 0 and a rebalance (reason breaker) moves its capital to the others at once; it resumes after resume_after_hours, its index starting again at 1. The portfolio halts past its own max_drawdown: no plan and no strategy order after that.</p><p class="section-note" id="breaker-limits">Limits: ${h(limits.length === 0 ? NONE : limits.join('; '))}. Events: ${h(formatNumber(tally('breaker'), 0))} trips, ${h(formatNumber(tally('halt'), 0))} halts, ${h(formatNumber(tally('resume'), 0))} resumes.</p>${more}<div class="table-scroll"><table class="data" id="breakers-table"><thead><tr><th scope="col" class="num">#</th><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Strategy</th><th scope="col">Reason</th><th scope="col" class="num">Drawdown</th></tr></thead><tbody>${body}</tbody></table></div></section>`;
}

function renderTables(data: ReportData): string {
  const rebalanceCount = data.rebalances.time.length;
  const rowCount = data.trades.status.length;
  const strategyOptions = data.strategies
    .map((id, index) => `<option value="${index}">${h(id)}</option>`)
    .join('');
  const omitted = data.omitted;
  const leftOut =
    omitted.rebalances === 0 && omitted.tradeRows === 0
      ? ''
      : `<p class="section-note" id="rebalances-omitted"><strong>Not all listed:</strong> ${h(formatNumber(omitted.totalRebalances, 0))} rebalances with ${h(formatNumber(omitted.totalTradeRows, 0))} trade rows ran; this report lists ${omitted.rebalances === 0 ? 'all of the rebalances' : `the first ${h(formatNumber(rebalanceCount, 0))} rebalances (${h(formatNumber(omitted.rebalances, 0))} left out)`} and ${h(formatNumber(rowCount, 0))} trade rows (${h(formatNumber(omitted.tradeRows, 0))} left out: rebalances past the limit are listed without their rows). The result JSON and the Parquet tables (<span class="mono">--format json,parquet</span>) hold every one.</p>`;
  return `<section id="rebalances"><h2>Rebalances</h2><p class="section-note">${h(formatNumber(rebalanceCount, 0))} rebalances and ${h(formatNumber(rowCount, 0))} trade rows (every planned trade with its fill, every netted fill, every skipped trade with its reason). Click a marker on a chart to find its rebalance here.</p>${leftOut}<div class="table-controls" data-table="rebalances"><span class="pager-info"></span><span class="pager"></span></div><div class="table-scroll"><table class="data" id="rebalances-table"><thead><tr><th scope="col" class="num">#</th><th scope="col">Time</th><th scope="col">Reason</th><th scope="col">Plan id</th><th scope="col" class="num">Max |drift|</th><th scope="col" class="num">Trades</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Capital moved</th><th scope="col" class="num">Traded</th><th scope="col" class="num">Est. cost</th><th scope="col" class="num">Cost</th></tr></thead><tbody></tbody></table></div><p class="print-note" data-print-note="rebalances"></p><h3>Rebalance trades</h3><div class="table-controls" data-table="trades"><label>Strategy <select id="trades-strategy-filter"><option value="">all</option>${strategyOptions}</select></label><span class="pager-info"></span><span class="pager"></span></div><div class="table-scroll"><table class="data" id="trades-table"><thead><tr><th scope="col" class="num">#</th><th scope="col">Time</th><th scope="col">Strategy</th><th scope="col">Symbol</th><th scope="col">Side</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Ref. price</th><th scope="col" class="num">Fill price</th><th scope="col" class="num">Notional</th><th scope="col" class="num">Commission</th><th scope="col" class="num">Slippage</th><th scope="col">Status</th></tr></thead><tbody></tbody></table></div><p class="print-note" data-print-note="trades"></p><noscript><p class="muted">The charts and the rebalance tables are drawn by the page's script; the rest of this report is static.</p></noscript></section>`;
}

function renderProvenance(result: PortfolioBacktestResult, intraday: boolean): string {
  const facts: [string, string, boolean][] = [
    ['Data file', result.data.path, true],
    ['SHA-256', result.data.sha256, true],
    ['Symbols', result.data.symbols.join(', '), false],
    ['Bars in the data', formatNumber(result.data.bars, 0), false],
    [
      'Period run',
      `${formatTimestamp(result.start, intraday)} \u2192 ${formatTimestamp(result.end, intraday)}`,
      false,
    ],
    ['Bars run', formatNumber(result.stats.bars, 0), false],
    ['Bar events', formatNumber(result.stats.barEvents, 0), false],
    ['Load time', `${formatNumber(result.stats.loadMs, 0)} ms`, false],
    ['Run time', `${formatNumber(result.stats.runMs, 0)} ms`, false],
    ['Throughput', `${formatNumber(result.stats.barEventsPerSecond, 0)} bar events/s`, false],
  ];
  const versions = Object.keys(result.versions)
    .sort()
    .map(
      (name) =>
        `<tr><th scope="row" class="mono">${h(name)}</th><td class="mono">${h(result.versions[name] ?? '')}</td></tr>`,
    )
    .join('');
  return `<section id="provenance"><h2>Data and provenance</h2><div class="config-grid"><dl class="facts">${facts
    .map(
      ([label, value, mono]) =>
        `<dt>${h(label)}</dt><dd${mono ? ' class="mono"' : ''}>${h(value)}</dd>`,
    )
    .join(
      '',
    )}</dl><div><table class="data" id="versions-table"><thead><tr><th scope="col">Package</th><th scope="col">Version</th></tr></thead><tbody>${versions || `<tr><td colspan="2" class="muted">${NONE}</td></tr>`}</tbody></table></div></div></section>`;
}

/**
 * The report of a portfolio backtest as one HTML page that opens offline: uPlot, the
 * data (downsampled for the charts, every rebalance and trade for the tables) and the
 * page's script are inlined, and a Content-Security-Policy refuses every request.
 * Every string from the result is escaped. Pure: the same result gives the same bytes.
 */
export function renderPortfolioReport(
  result: PortfolioBacktestResult,
  options: RenderReportOptions = {},
): string {
  return renderFromView(result, viewOfResult(result), options);
}

/**
 * `renderPortfolioReport` of a result whose curves are kept columnar (`summary` with empty
 * curves, `curves` the typed arrays, as njord-backtest's engine returns them): the same
 * page, without building a point object per bar.
 */
export function renderPortfolioReportFromCurves(
  summary: PortfolioBacktestResult,
  curves: ReportCurves,
  options: RenderReportOptions = {},
): string {
  return renderFromView(summary, viewOfCurves(summary, curves), options);
}

function renderFromView(
  result: PortfolioBacktestResult,
  view: CurveView,
  options: RenderReportOptions,
): string {
  const data = prepareFromView(result, view, {
    maxPoints: options.maxPoints ?? DEFAULT_MAX_POINTS,
    ...(options.maxRebalances === undefined ? {} : { maxRebalances: options.maxRebalances }),
    ...(options.maxTradeRows === undefined ? {} : { maxTradeRows: options.maxTradeRows }),
    ...(options.rebalances === undefined ? {} : { rebalances: options.rebalances }),
  });
  const strategies = data.strategies;
  const config = describeConfig(result.config);
  const withBreakers = hasBreakers(result, config);
  const title = options.title ?? `Backtest report: ${result.portfolioId}`;
  const bars = view.length;
  const period =
    bars === 0
      ? 'no bars'
      : `${formatTimestamp(result.start, data.intraday)} \u2192 ${formatTimestamp(result.end, data.intraday)}`;
  const header = `<header class="report-header"><p class="eyebrow">Portfolio backtest</p><h1>${h(title)}</h1><p class="subtitle"><span class="mono">${h(result.portfolioId)}</span><span class="sep">|</span>${h(period)}<span class="sep">|</span>${h(formatSpan(result.end - result.start))}<span class="sep">|</span>${h(formatNumber(bars, 0))} bars<span class="sep">|</span>${h(formatNumber(strategies.length, 0))} strategies</p><p class="provenance-line">Data <span class="mono">${h(result.data.path)}</span><span class="sep">|</span>SHA-256 <span class="mono" title="${h(result.data.sha256)}">${h(result.data.sha256.slice(0, 12))}…</span><span class="sep">|</span>${h(result.data.symbols.join(', '))}</p>${config.description === null ? '' : `<p class="description" id="description">${h(config.description)}</p>`}</header>`;
  const body = [
    header,
    renderKpis(result),
    renderConfiguration(config, strategies),
    renderMetrics(result, strategies, withBreakers),
    renderCharts(
      data,
      data.targets === undefined ? null : summarizeTargetShiftsOf(view, strategies),
      withBreakers,
    ),
    ...(withBreakers ? [renderBreakers(result, data.intraday, config)] : []),
    renderContribution(result, strategies),
    renderTables(data),
    renderProvenance(result, data.intraday),
    `<footer>Rendered by ${h(PACKAGE_NAME)} ${h(PACKAGE_VERSION)} with uPlot ${h(UPLOT_VERSION)}. Self-contained: no request leaves this page. Charts draw ${h(formatNumber(data.maxPoints, 0))} points per series at most (min and max per bucket, every rebalance bar kept); the tables hold every rebalance.</footer>`,
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${h(`${PACKAGE_NAME} ${PACKAGE_VERSION}`)}">
<title>${h(title)}</title>
<style>${UPLOT_CSS}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<div class="page">
${body}
</div>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${serializeJsonForScript(data)}</script>
<script>${UPLOT_JS}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
