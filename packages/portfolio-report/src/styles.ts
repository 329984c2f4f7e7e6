// The report's stylesheet: screen layout, tables, charts, the rebalance tooltip and print rules.
export const REPORT_CSS = `
:root {
  --ink: #1b2430; --muted: #5b6675; --faint: #8a94a3;
  --rule: #e4e8ee; --rule-strong: #cbd2dc; --panel: #f7f9fb; --accent: #14365d;
  --positive: #0f7a4f; --negative: #b42318;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #eef1f5; color: var(--ink); font: 14px/1.5 var(--font); }
.page { max-width: 1200px; margin: 0 auto; padding: 36px 40px 40px; background: #fff; min-height: 100vh; }
h1, h2, h3 { color: #0f1b2d; line-height: 1.25; margin: 0; }
h1 { font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 18px; font-weight: 650; margin-bottom: 4px; }
h3 { font-size: 14px; font-weight: 650; margin: 22px 0 6px; }
p { margin: 0 0 8px; }
.mono { font-family: var(--mono); font-size: 0.92em; }
.muted { color: var(--muted); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; vertical-align: -0.5px; }
.eyebrow { text-transform: uppercase; letter-spacing: 0.08em; font-size: 11.5px; font-weight: 600; color: var(--muted); margin-bottom: 6px; }
.report-header { padding-bottom: 20px; border-bottom: 2px solid var(--accent); }
.subtitle { margin-top: 6px; color: var(--muted); }
.subtitle .sep, .provenance-line .sep { margin: 0 8px; color: var(--rule-strong); }
.provenance-line { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
.description { margin-top: 12px; max-width: 860px; white-space: pre-line; overflow-wrap: anywhere; font-size: 14.5px; }
section { padding: 26px 0 8px; border-bottom: 1px solid var(--rule); }
section:last-of-type { border-bottom: 0; }
.section-note { color: var(--muted); font-size: 12.5px; margin: 2px 0 12px; max-width: 900px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; padding: 22px 0 4px; border-bottom: 0; }
.kpi { border: 1px solid var(--rule); border-radius: 8px; padding: 12px 14px; background: var(--panel); }
.kpi-label { font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); font-weight: 600; }
.kpi-value { font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; white-space: nowrap; }
.kpi-sub { font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.positive { color: var(--positive); }
.negative { color: var(--negative); }
.config-grid { display: grid; grid-template-columns: minmax(260px, 1fr) 2.2fr; gap: 28px; align-items: start; }
dl.facts { display: grid; grid-template-columns: auto 1fr; gap: 5px 16px; margin: 0; }
dl.facts dt { color: var(--muted); white-space: nowrap; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
dl.facts-columns { grid-template-columns: repeat(3, auto minmax(120px, 1fr)); gap: 6px 16px; margin-bottom: 6px; }
.table-scroll { overflow-x: auto; max-width: 100%; }
table.data { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 13px; }
table.data th, table.data td { padding: 6px 10px; border-bottom: 1px solid var(--rule); text-align: left; white-space: nowrap; vertical-align: baseline; }
table.data thead th { vertical-align: bottom; }
table.data td.status { white-space: normal; min-width: 150px; }
table.metrics thead th { white-space: normal; }
table.metrics tr.group-row th { background: #fff; border-bottom: 0; padding-bottom: 0; }
table.metrics tr.group-row th.group { text-align: center; color: var(--ink); font-weight: 600; border-bottom: 1px solid var(--rule-strong); padding-bottom: 4px; }
table.data thead th { font-weight: 600; color: var(--muted); font-size: 12px; background: var(--panel); border-bottom: 1px solid var(--rule-strong); }
table.data th.num, table.data td.num { text-align: right; }
table.data tbody th { font-weight: 500; color: var(--ink); }
table.data tbody tr:hover { background: #f5f8fc; }
table.data td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 160px; }
table.data tfoot td, table.data tfoot th { border-top: 1px solid var(--rule-strong); border-bottom: 0; font-weight: 600; }
table.data .highlight { background: #f0f5fb; }
table.metrics td.num, table.metrics th.num { min-width: 96px; }
table.metrics tbody th { white-space: nowrap; }
table.data tr.flash { animation: flash 1.6s ease-out; }
@keyframes flash { from { background: #ffe8b3; } to { background: transparent; } }
.status-skipped { color: #8a5a00; }
.status-unfilled { color: var(--negative); }
.status-netted { color: #4338ca; }
.reason { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 11.5px; font-weight: 600; color: #fff; line-height: 18px; }
.chart-block { margin-top: 10px; }
.chart { position: relative; min-height: 120px; }
.chart-toolbar { display: flex; gap: 18px; align-items: center; justify-content: flex-end; font-size: 12.5px; color: var(--muted); margin: 0 0 4px; }
.chart-toolbar label { display: inline-flex; gap: 6px; align-items: center; cursor: pointer; user-select: none; }
.chart-toolbar input[disabled] + span { color: var(--faint); }
.chart-key { display: flex; flex-wrap: wrap; gap: 6px 22px; font-size: 12px; color: var(--muted); margin: 4px 0 0 4px; }
.key-line { display: inline-block; width: 18px; height: 0; border-top: 2px dashed currentColor; vertical-align: middle; margin-right: 6px; }
.key-solid { display: inline-block; width: 18px; height: 0; border-top: 2px solid currentColor; vertical-align: middle; margin-right: 6px; }
.target-panel { min-height: 90px; }
.target-panel .uplot { display: flex; flex-wrap: wrap; align-items: baseline; }
.target-panel .u-title { order: -2; flex: none; font-size: 12.5px; font-weight: 600; text-align: left; margin: 10px 10px 0 72px; color: var(--ink); }
.target-panel .u-legend { order: -1; flex: 1 1 auto; width: auto; margin: 0; }
.target-panel .u-wrap { flex: 0 0 100%; }
.target-shift { font-size: 13px; max-width: 960px; margin: 0 0 8px; }
.key-band { display: inline-block; width: 18px; height: 9px; background: rgba(17, 24, 39, 0.14); vertical-align: middle; margin-right: 6px; border-top: 1px dashed #111827; }
.key-rule { display: inline-block; width: 0; height: 12px; border-left: 2px dashed; vertical-align: middle; margin: 0 8px 0 4px; }
.key-marker { display: inline-block; width: 0; height: 0; border-left: 5px solid transparent; border-right: 5px solid transparent; border-bottom: 8px solid currentColor; vertical-align: 0; margin-right: 6px; }
.empty-chart { padding: 40px 0; text-align: center; color: var(--faint); border: 1px dashed var(--rule-strong); border-radius: 6px; }
.u-legend { font-size: 12px; text-align: left; margin: 2px 0 0 44px; }
.u-legend .u-marker { width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; }
.u-legend th { font-weight: 500; color: var(--ink); }
.u-legend td { font-variant-numeric: tabular-nums; color: var(--muted); }
.u-legend.u-inline tr { margin-right: 14px; }
.u-legend .u-series:first-child th { color: var(--muted); }
.rebalance-tip { position: absolute; z-index: 20; pointer-events: none; display: none; background: #fff; color: var(--ink); border: 1px solid var(--rule-strong); box-shadow: 0 6px 18px rgba(15, 27, 45, 0.14); border-radius: 6px; padding: 8px 11px; font-size: 12px; line-height: 1.45; min-width: 220px; max-width: 380px; white-space: nowrap; }
.rebalance-tip .tip-title { font-weight: 650; margin-bottom: 2px; }
.rebalance-tip .tip-trades { margin-top: 5px; padding-top: 5px; border-top: 1px solid var(--rule); font-family: var(--mono); font-size: 11px; color: var(--muted); }
.contribution-grid { display: grid; grid-template-columns: minmax(300px, 1fr) 1.3fr; gap: 28px; align-items: start; }
.contribution-chart svg { width: 100%; height: auto; display: block; }
.contribution-chart text { font: 12px var(--font); fill: var(--ink); }
.contribution-chart .axis { stroke: #9aa4b2; stroke-width: 1; }
.contribution-chart .value { font-variant-numeric: tabular-nums; fill: var(--muted); }
.check { font-size: 12.5px; margin-top: 8px; }
.check.ok { color: var(--positive); }
.check.off { color: var(--negative); }
.table-controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; justify-content: space-between; margin: 6px 0 8px; font-size: 12.5px; color: var(--muted); }
.table-controls select, .pager button { font: inherit; font-size: 12.5px; color: var(--ink); background: #fff; border: 1px solid var(--rule-strong); border-radius: 5px; padding: 3px 8px; }
.pager { display: inline-flex; gap: 6px; align-items: center; }
.pager button { cursor: pointer; min-width: 30px; }
.pager button[disabled] { color: var(--faint); cursor: default; }
.pager-info { font-variant-numeric: tabular-nums; }
.print-note { display: none; font-size: 11px; color: var(--muted); margin-top: 4px; }
footer { margin-top: 28px; padding-top: 14px; border-top: 1px solid var(--rule); font-size: 12px; color: var(--faint); }
@media (max-width: 860px) {
  .page { padding: 20px 16px; }
  .config-grid, .contribution-grid { grid-template-columns: 1fr; }
  dl.facts-columns { grid-template-columns: auto 1fr; }
}
@page { size: A4; margin: 14mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { background: #fff; font-size: 10pt; }
  .page { max-width: none; padding: 0; min-height: 0; }
  .chart-toolbar, .table-controls, .rebalance-tip, noscript { display: none !important; }
  .print-note { display: block; }
  .u-legend .u-series:first-child, .u-legend td.u-value { display: none; }
  .u-legend { margin-left: 0; }
  section { break-inside: auto; padding-top: 16px; }
  h2, h3 { break-after: avoid; }
  .kpis, .kpi, figure, .chart-block, .config-grid, .contribution-grid, table.metrics, tr { break-inside: avoid; }
  .table-scroll { overflow: visible; }
  table.data { font-size: 8.5pt; }
  table.data th, table.data td { padding: 3px 4px; }
  table.data tbody tr:hover { background: none; }
  .config-grid, .contribution-grid { grid-template-columns: 1fr 1.4fr; gap: 16px; }
  .kpis { grid-template-columns: repeat(6, 1fr); gap: 6px; }
  .kpi { padding: 7px 8px; }
  .kpi-value { font-size: 13pt; }
  dl.facts-columns { grid-template-columns: repeat(3, auto 1fr); gap: 3px 10px; }
  table.data thead th, table.data td.wrap, table.data td.status { white-space: normal; }
  table.data tbody th { white-space: nowrap; }
  table.data td.status { min-width: 0; }
  .kpi-label { font-size: 7pt; letter-spacing: 0.03em; }
  table.metrics td.num, table.metrics th.num { min-width: 0; }
  h1 { font-size: 18pt; }
}
`;
