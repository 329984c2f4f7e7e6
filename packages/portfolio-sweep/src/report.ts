// The sweep's comparison report: one offline HTML file (inline CSS, SVG and one hashed inline
// script, a Content-Security-Policy that refuses every request, every string escaped).
import { createHash } from 'node:crypto';
import { escapeHtml } from '@njord/portfolio-report';
import type { SweepResultWire } from './sweep-result.js';

export interface RenderSweepReportOptions {
  /** The two parameters of the heatmap; default: the first two with more than one value. */
  readonly heatmap?: readonly [string, string];
}

const COLORS = {
  ink: '#14365d',
  accent: '#c2410c',
  muted: '#8c8f94',
  positive: '#0f7a4f',
  negative: '#b42318',
};

const SORT_SCRIPT = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, column) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var ascending = th.getAttribute('data-sort') !== 'asc';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-sort'); });
      th.setAttribute('data-sort', ascending ? 'asc' : 'desc');
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute('data-v');
        var y = b.cells[column].getAttribute('data-v');
        var nx = Number(x), ny = Number(y);
        var c = x === '' ? (y === '' ? 0 : 1) : y === '' ? -1
          : (!isNaN(nx) && !isNaN(ny)) ? nx - ny : (x < y ? -1 : x > y ? 1 : 0);
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
`;

const CSS = `
body { margin: 0; background: #eef1f5; color: #1b2430; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; }
.page { max-width: 1200px; margin: 0 auto; padding: 36px 40px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; font-weight: 650; margin: 0; } h2 { font-size: 18px; font-weight: 650; margin: 0 0 6px; }
header { padding-bottom: 18px; border-bottom: 2px solid #14365d; } .muted { color: #5b6675; }
section { padding: 24px 0 10px; border-bottom: 1px solid #e4e8ee; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 10px; }
.tile { background: #f7f9fb; border: 1px solid #e4e8ee; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.tile b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e4e8ee; text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #f7f9fb; cursor: pointer; position: sticky; top: 0; }
th[data-sort=asc]::after { content: " \\25B2"; } th[data-sort=desc]::after { content: " \\25BC"; }
td.text, th.text { text-align: left; } tr.best td { background: #fff4e5; font-weight: 600; }
.scroll { max-height: 520px; overflow: auto; border: 1px solid #e4e8ee; }
.heat td { width: 70px; text-align: center; color: #0f1b2d; } .heat th { cursor: default; }
svg text { font: 11px system-ui, sans-serif; fill: #5b6675; }
.legend { list-style: none; padding: 0; margin: 6px 0 12px; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12.5px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: baseline; }
`;

function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return value.toExponential(3);
  return value.toFixed(digits);
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'null';
}

const METRIC_COLUMNS = [
  'sharpe',
  'sortino',
  'cagr',
  'total_return',
  'volatility',
  'max_drawdown',
  'calmar',
  'turnover',
  'costs',
  'rebalance_count',
] as const;

function metricOf(metrics: unknown, key: string): number | null {
  const value = (metrics as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : null;
}

function combinationTable(result: SweepResultWire, paths: readonly string[]): string {
  const head = [
    '<th>index</th>',
    '<th class="text">id</th>',
    ...paths.map((p) => `<th class="text">${escapeHtml(p)}</th>`),
    ...METRIC_COLUMNS.map((m) => `<th>${escapeHtml(m)}</th>`),
  ].join('');
  const rows = result.combinations.map((c) => {
    const cells = [
      `<td data-v="${c.index}">${c.index}</td>`,
      `<td class="text" data-v="${escapeHtml(c.id)}">${escapeHtml(c.id)}</td>`,
      ...paths.map((p) => {
        const value = c.params[p];
        const shown = text(value);
        const sortValue = typeof value === 'number' ? String(value) : shown;
        return `<td class="text" data-v="${escapeHtml(sortValue)}">${escapeHtml(shown)}</td>`;
      }),
      ...METRIC_COLUMNS.map((m) => {
        const value = metricOf(c.metrics, m);
        return `<td data-v="${value === null ? '' : String(value)}">${fmt(value)}</td>`;
      }),
    ];
    return `<tr${c.index === result.best ? ' class="best"' : ''}>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="sortable" id="combinations"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function heatColor(t: number): string {
  // Low: red, middle: pale, high: green.
  const mix = (a: number, b: number, k: number) => Math.round(a + (b - a) * k);
  const [r, g, b] =
    t < 0.5
      ? [mix(214, 247, t * 2), mix(96, 247, t * 2), mix(77, 247, t * 2)]
      : [mix(247, 26, (t - 0.5) * 2), mix(247, 152, (t - 0.5) * 2), mix(247, 80, (t - 0.5) * 2)];
  return `rgb(${r},${g},${b})`;
}

function heatmap(result: SweepResultWire, x: string, y: string): string {
  const objective = result.objective;
  const key = (v: unknown) => text(v);
  const xs = new Map<string, unknown>();
  const ys = new Map<string, unknown>();
  const cells = new Map<string, number>();
  for (const c of result.combinations) {
    const xv = c.params[x];
    const yv = c.params[y];
    xs.set(key(xv), xv);
    ys.set(key(yv), yv);
    const value = metricOf(c.metrics, objective);
    if (value === null) continue;
    const k = `${key(xv)}\u0000${key(yv)}`;
    const previous = cells.get(k);
    if (previous === undefined || value > previous) cells.set(k, value);
  }
  const values = [...cells.values()];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const order = (m: Map<string, unknown>) =>
    [...m.entries()].sort(([ka, a], [kb, b]) =>
      typeof a === 'number' && typeof b === 'number' ? a - b : ka < kb ? -1 : ka > kb ? 1 : 0,
    );
  const columns = order(xs);
  const header = `<tr><th>${escapeHtml(y)} \\ ${escapeHtml(x)}</th>${columns.map(([k]) => `<th>${escapeHtml(k)}</th>`).join('')}</tr>`;
  const rows = order(ys).map(([ky]) => {
    const tds = columns.map(([kx]) => {
      const value = cells.get(`${kx}\u0000${ky}`);
      if (value === undefined) return '<td>–</td>';
      const t = hi > lo ? (value - lo) / (hi - lo) : 0.5;
      return `<td style="background:${heatColor(t)}" title="${escapeHtml(`${x}=${kx}, ${y}=${ky}: ${fmt(value)}`)}">${fmt(value, 3)}</td>`;
    });
    return `<tr><th>${escapeHtml(ky)}</th>${tds.join('')}</tr>`;
  });
  return `<p class="muted">The best ${escapeHtml(objective)} over the other parameters, for each pair of values.</p><table class="heat" id="heatmap">${header}${rows.join('')}</table>`;
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly bottom: number;
}
const FRAME: Frame = { width: 1080, height: 260, left: 60, bottom: 24 };

function scale(lo: number, hi: number, from: number, to: number): (v: number) => number {
  const span = hi - lo || 1;
  return (v) => from + ((v - lo) / span) * (to - from);
}

function histogram(logits: readonly number[]): string {
  if (logits.length === 0) return '<p class="muted">No logits.</p>';
  const bins = 24;
  const lo = Math.min(-3, ...logits);
  const hi = Math.max(3, ...logits);
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const l of logits) counts[Math.min(bins - 1, Math.floor((l - lo) / width))]!++;
  const top = Math.max(...counts);
  const { width: W, height: H, left: L, bottom: B } = FRAME;
  const sx = scale(lo, hi, L, W - 10);
  const sy = scale(0, top, H - B, 10);
  const bars = counts
    .map((n, i) => {
      const x0 = sx(lo + i * width);
      const x1 = sx(lo + (i + 1) * width);
      const color = lo + (i + 1) * width <= 0 ? COLORS.negative : COLORS.ink;
      return `<rect x="${x0.toFixed(1)}" y="${sy(n).toFixed(1)}" width="${Math.max(0, x1 - x0 - 1).toFixed(1)}" height="${(H - B - sy(n)).toFixed(1)}" fill="${color}"><title>${n} split(s) in [${fmt(lo + i * width, 2)}, ${fmt(lo + (i + 1) * width, 2)})</title></rect>`;
    })
    .join('');
  const zero = sx(0);
  return `<svg id="logits" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Distribution of the PBO logits">
${bars}<line x1="${zero}" x2="${zero}" y1="6" y2="${H - B}" stroke="${COLORS.accent}" stroke-dasharray="4 3"/>
<text x="${zero + 4}" y="16">logit 0</text><text x="${L}" y="${H - 6}">${fmt(lo, 2)}</text><text x="${W - 60}" y="${H - 6}">${fmt(hi, 2)}</text>
<text x="4" y="16">${top}</text><text x="4" y="${H - B}">0</text></svg>`;
}

function linePath(
  xs: readonly number[],
  ys: readonly number[],
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  const stride = Math.max(1, Math.ceil(xs.length / 2000));
  let d = '';
  for (let i = 0; i < xs.length; i += stride) {
    d += `${d === '' ? 'M' : 'L'}${sx(xs[i] as number).toFixed(1)},${sy(ys[i] as number).toFixed(1)}`;
  }
  return d;
}

/** Colours for the combinations that windows chose, in order of first choice. */
const CHOICE_COLORS = [
  '#14365d',
  '#c2410c',
  '#0f7a4f',
  '#7c3aed',
  '#b42318',
  '#0e7490',
  '#a16207',
  '#be185d',
];

/** A bar's date (UTC, with the time when it is not midnight) from its decimal ns string. */
function barDate(result: SweepResultWire, bar: number): string {
  const ns = result.timestamps_ns[bar];
  if (ns === undefined) return `bar ${bar}`;
  const iso = new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 16)}Z`;
}

function walkForwardChart(result: SweepResultWire): string {
  const wf = result.walk_forward;
  if (wf === undefined || wf.equity_curve.length === 0) return '';
  const objective = result.objective;
  const { width: W, height: H, left: L, bottom: B } = FRAME;
  // Bars of the run, so that window edges (bar indices) and points share one axis.
  const firstBar = wf.windows[0]?.oos_start ?? 0;
  const xs = wf.equity_curve.map((_, i) => firstBar + i);
  const ys = wf.equity_curve.map((p) => p.equity);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const lastBar = xs[xs.length - 1] as number;
  const sx = scale(firstBar, Math.max(lastBar, firstBar + 1), L, W - 10);
  const sy = scale(lo, hi, H - B, 10);
  // Each window's out-of-sample stretch in the colour of the combination chosen in-sample.
  const colorOf = new Map<number, string>();
  for (const w of wf.windows) {
    if (!colorOf.has(w.best))
      colorOf.set(w.best, CHOICE_COLORS[colorOf.size % CHOICE_COLORS.length] as string);
  }
  const varying = varyingParameters(result);
  const paramsOf = (index: number): string => {
    const c = result.combinations[index];
    if (c === undefined) return '';
    return varying.map((p) => `${p} = ${text(c.params[p])}`).join(', ');
  };
  const segments = wf.windows
    .map((w, k) => {
      // The stitched point before the window joins the segments into one line.
      const from = Math.max(0, w.oos_start - firstBar - 1);
      const to = Math.min(xs.length, w.oos_end - firstBar);
      const label = `window ${k}: in-sample ${barDate(result, w.is_start)} to ${barDate(result, w.is_end - 1)} chose #${w.best} (${objective} ${fmt(w.is_objective, 3)}); out of sample ${barDate(result, w.oos_start)} to ${barDate(result, w.oos_end - 1)}: ${objective} ${fmt(metricOf(w.oos_metrics, objective), 3)}, return ${fmt(metricOf(w.oos_metrics, 'total_return'), 4)}`;
      const x = sx(w.oos_start);
      return `<path class="wf-segment" data-window="${k}" data-combination="${w.best}" d="${linePath(xs.slice(from, to), ys.slice(from, to), sx, sy)}" fill="none" stroke="${colorOf.get(w.best)}" stroke-width="1.8"><title>${escapeHtml(label)}</title></path><line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="10" y2="${H - B}" stroke="${COLORS.muted}" stroke-dasharray="2 3"><title>${escapeHtml(label)}</title></line><text x="${(x + 3).toFixed(1)}" y="${H - B - 4}">#${w.best}</text>`;
    })
    .join('');
  const legend = [...colorOf]
    .map(
      ([index, color]) =>
        `<li data-combination="${index}"><span class="swatch" style="background:${color}"></span>#${index} <span class="muted">${escapeHtml(result.combinations[index]?.id ?? '')}</span> ${escapeHtml(paramsOf(index))}</li>`,
    )
    .join('');

  // In-sample objective of each window's choice against what it then did out of sample.
  const pairs = wf.windows.map((w) => ({
    is: w.is_objective,
    oos: metricOf(w.oos_metrics, objective),
  }));
  const values = pairs.flatMap((p) => [p.is, p.oos]).filter((v): v is number => v !== null);
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const CH = 220;
  const vy = scale(bottom, top === bottom ? bottom + 1 : top, CH - B, 12);
  const slot = (W - L - 10) / Math.max(1, wf.windows.length);
  const barWidth = Math.max(1, Math.min(28, slot / 2 - 2));
  const bar = (value: number | null, x: number, color: string, title: string, cls: string) => {
    if (value === null) return '';
    const y0 = vy(0);
    const y1 = vy(value);
    return `<rect class="${cls}" x="${x.toFixed(1)}" y="${Math.min(y0, y1).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.abs(y1 - y0).toFixed(1)}" fill="${color}"><title>${escapeHtml(title)}</title></rect>`;
  };
  const choiceBars = wf.windows
    .map((w, k) => {
      const x = L + k * slot + slot / 2 - barWidth;
      const pair = pairs[k] as { is: number | null; oos: number | null };
      const showLabel = wf.windows.length <= 40 || k % Math.ceil(wf.windows.length / 40) === 0;
      return `${bar(pair.is, x, COLORS.muted, `window ${k}, #${w.best} in sample: ${objective} ${fmt(pair.is, 4)}`, 'wf-in-sample')}${bar(pair.oos, x + barWidth, colorOf.get(w.best) as string, `window ${k}, #${w.best} out of sample: ${objective} ${fmt(pair.oos, 4)}`, 'wf-out-of-sample')}${showLabel ? `<text x="${(x + 1).toFixed(1)}" y="${CH - 6}">#${w.best}</text>` : ''}`;
    })
    .join('');
  const choiceChart = `<svg id="walk-forward-choices" viewBox="0 0 ${W} ${CH}" width="100%" role="img" aria-label="In-sample against out-of-sample ${escapeHtml(objective)} of each window's choice">
<line x1="${L}" x2="${W - 10}" y1="${vy(0).toFixed(1)}" y2="${vy(0).toFixed(1)}" stroke="${COLORS.muted}"/>${choiceBars}
<text x="4" y="16">${fmt(top, 2)}</text><text x="4" y="${CH - B}">${fmt(bottom, 2)}</text></svg>`;

  const rows = wf.windows
    .map((w, k) => {
      const oosObjective = metricOf(w.oos_metrics, objective);
      const cell = (value: number | null, digits = 4) =>
        `<td data-v="${value === null ? '' : String(value)}">${fmt(value, digits)}</td>`;
      return `<tr data-window="${k}"><td data-v="${k}">${k}</td><td class="text" data-v="${w.is_start}">${barDate(result, w.is_start)} – ${barDate(result, w.is_end - 1)}</td><td class="text" data-v="${w.oos_start}">${barDate(result, w.oos_start)} – ${barDate(result, w.oos_end - 1)}</td><td data-v="${w.best}"><span class="swatch" style="background:${colorOf.get(w.best)}"></span>${w.best}</td><td class="text" data-v="${escapeHtml(paramsOf(w.best))}">${escapeHtml(paramsOf(w.best))}</td>${cell(w.is_objective)}${cell(oosObjective)}${cell(metricOf(w.oos_metrics, 'total_return'))}${cell(metricOf(w.oos_metrics, 'max_drawdown'))}</tr>`;
    })
    .join('');
  const distinct = colorOf.size;
  return `<section id="walk-forward"><h2>Walk-forward</h2>
<p class="muted">The stitched out-of-sample curve: each window's stretch is drawn in the colour of the combination its in-sample part chose (${wf.windows.length} window(s), ${distinct} distinct choice(s)); dashed lines start the windows.</p>
<div class="tiles"><div class="tile">stitched ${escapeHtml(objective)}<b>${fmt(metricOf(wf.metrics, objective), 3)}</b></div>
<div class="tile">stitched CAGR<b>${fmt(metricOf(wf.metrics, 'cagr'), 4)}</b></div>
<div class="tile">efficiency<b>${fmt(wf.efficiency, 3)}</b></div></div>
<svg id="walk-forward-curve" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Stitched out-of-sample equity">
${segments}
<text x="4" y="16">${fmt(hi, 0)}</text><text x="4" y="${H - B}">${fmt(lo, 0)}</text></svg>
<ul class="legend" id="walk-forward-legend">${legend}</ul>
<h2>Each window's in-sample choice, in and out of sample</h2>
<p class="muted">Per window: the ${escapeHtml(objective)} of the combination chosen in sample (grey), against the ${escapeHtml(objective)} it then had out of sample (its colour). A choice that holds up keeps its bar on the same side and of a similar height.</p>
${choiceChart}
<div class="scroll"><table class="sortable" id="windows"><thead><tr><th>window</th><th class="text">in sample</th><th class="text">out of sample</th><th>chosen</th><th class="text">its parameters</th><th>in-sample ${escapeHtml(objective)}</th><th>out-of-sample ${escapeHtml(objective)}</th><th>out-of-sample return</th><th>out-of-sample max drawdown</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** The parameters that take more than one value, in grid order. */
function varyingParameters(result: SweepResultWire): string[] {
  const paths = Object.keys(result.combinations[0]?.params ?? {});
  return paths.filter((p) => new Set(result.combinations.map((c) => text(c.params[p]))).size > 1);
}

export function renderSweepReport(
  result: SweepResultWire,
  options: RenderSweepReportOptions = {},
): string {
  const paths = Object.keys(result.combinations[0]?.params ?? {});
  const varying = varyingParameters(result);
  const axes =
    options.heatmap ??
    (varying.length >= 2 ? ([varying[0], varying[1]] as [string, string]) : null);
  const best = result.combinations[result.best];
  const o = result.overfitting;
  const d = o.deflated_sharpe;
  const scriptHash = createHash('sha256').update(SORT_SCRIPT).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const bestParams =
    best === undefined ? '' : paths.map((p) => `${p} = ${text(best.params[p])}`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sweep ${escapeHtml(result.sweep_id)}</title><style>${CSS}</style></head>
<body><div class="page">
<header><div class="muted">Njord sweep</div><h1>${escapeHtml(result.sweep_id)}</h1>
<p class="muted">${result.combinations.length} combination(s) ranked by ${escapeHtml(result.objective)} · ${escapeHtml(result.data.path)} (${result.data.symbols.length} symbol(s), sha256 ${escapeHtml(result.data.sha256.slice(0, 12))}) · ${result.timestamps_ns.length} bars · ${fmt(result.stats.run_ms / 1000, 1)} s, ${result.stats.cache_hits} stored result(s) reused</p></header>
<section id="summary"><h2>Best combination</h2>
<p>#${result.best} <span class="muted">${escapeHtml(best?.id ?? '')}</span>: ${escapeHtml(bestParams)}</p>
<div class="tiles"><div class="tile">${escapeHtml(result.objective)}<b>${fmt(best === undefined ? null : metricOf(best.metrics, result.objective), 3)}</b></div>
<div class="tile">PBO<b id="pbo">${fmt(o.pbo, 3)}</b></div>
<div class="tile">deflated Sharpe<b id="dsr">${fmt(d.dsr, 3)}</b></div></div></section>
<section id="overfitting"><h2>Overfitting</h2>
<p class="muted">PBO: the share of the ${o.logits.length} splits of ${o.partitions} blocks whose in-sample winner ranks in the lower half out of sample (logit &le; 0, red).</p>
${histogram(o.logits)}
<h2>Deflated Sharpe ratio</h2>
<table id="deflated-sharpe"><tbody>
<tr><td class="text">per-bar Sharpe of the best</td><td>${fmt(d.sharpe, 6)}</td></tr>
<tr><td class="text">expected maximum of ${d.trials} unskilled trials (sharpe_0)</td><td>${fmt(d.sharpe_0, 6)}</td></tr>
<tr><td class="text">skewness / kurtosis of its returns</td><td>${fmt(d.skew, 4)} / ${fmt(d.kurtosis, 4)}</td></tr>
<tr><td class="text">observations</td><td>${d.observations}</td></tr>
<tr><td class="text">deflated Sharpe ratio (probability the true Sharpe exceeds sharpe_0)</td><td>${fmt(d.dsr, 6)}</td></tr>
</tbody></table></section>
${axes === null ? '' : `<section id="heatmap-section"><h2>${escapeHtml(result.objective)} over ${escapeHtml(axes[0])} and ${escapeHtml(axes[1])}</h2>${heatmap(result, axes[0], axes[1])}</section>`}
${walkForwardChart(result)}
<section id="table"><h2>Combinations</h2><p class="muted">Click a column to sort; the best is highlighted.</p>${combinationTable(result, paths)}</section>
</div><script>${SORT_SCRIPT}</script></body></html>
`;
}
