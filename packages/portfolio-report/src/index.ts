// Public API of @njord/portfolio-report: the HTML report of a portfolio backtest and its data preparation.
export {
  renderPortfolioReport,
  renderPortfolioReportFromCurves,
  REPORT_DATA_ELEMENT_ID,
} from './render.js';
export { sampleCurveAt } from './curve-view.js';
export type { ReportCurves } from './curve-view.js';
export type { RenderReportOptions } from './render.js';
export {
  computeDrawdown,
  DEFAULT_MAX_POINTS,
  DEFAULT_MAX_REBALANCES,
  DEFAULT_MAX_TRADE_ROWS,
  hasBaseTargets,
  listStrategies,
  prepareReportData,
  prepareReportDataFromCurves,
  roundSignificant,
  toSeconds,
  TRADE_STATUS_LABELS,
} from './prepare.js';
export type {
  AllocationChartData,
  DrawdownChartData,
  DriftChartData,
  EquityChartData,
  RebalanceColumns,
  ReportColors,
  ReportData,
  ReportDataOptions,
  ReportOmissions,
  SeriesValues,
  TargetsChartData,
  TradeColumns,
} from './prepare.js';
export { describeTargetShifts, summarizeTargetShifts } from './target-shift.js';
export type { TargetShiftRow, TargetShiftSummary } from './target-shift.js';
export { downsampleMinMax } from './downsample.js';
export type { DownsampleOptions } from './downsample.js';
export { summarizeContributions } from './contribution.js';
export type { ContributionRow, ContributionSummary } from './contribution.js';
export { describeConfig } from './config-view.js';
export type { AllocationView, ConfigView, RiskAdjustmentView } from './config-view.js';
export { escapeHtml, serializeJsonForScript } from './escape.js';
export { SCIENTIFIC_FROM } from './format.js';
