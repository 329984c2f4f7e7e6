// Browser script of the report: draws the uPlot charts and fills the paged tables from the inlined
// JSON (a ReportData). Bundled into one inline script at build time (scripts/generate-assets.mjs);
// uPlot is the global its own inline script defines. Every value from the data is written with
// textContent, never as HTML.
import type { ReportData, SeriesValues } from '../prepare.js';
import { cell, element, withAlpha } from './dom.js';
import {
  DASH,
  fmt,
  fmtCompact,
  fmtPercent,
  fmtPrice,
  fmtQuantity,
  fmtTime as formatTime,
  MINUS,
} from './format.js';
import { indexRebalances, lowerBound, nearestRebalance } from './rebalance-index.js';
import { pagedTable, type PagedTable } from './tables.js';

const CHART_AXIS_SIZE = 72;
const MARKER_ZONE_INSIDE = 14;
const MARKER_ZONE_BELOW = 16;

type Values = (number | null)[];
type Built = { options: uPlot.Options; data: uPlot.AlignedData };
type Build = (options: uPlot.Options & { scales: uPlot.Scales }) => Built;
interface ChartDef {
  readonly name: string;
  readonly container: HTMLElement;
  readonly height: number;
  readonly build: Build;
}

function start(): void {
  const source = document.getElementById('njord-report-data');
  if (!source || typeof uPlot === 'undefined') return;
  const data = JSON.parse(source.textContent ?? 'null') as ReportData;
  const colors = data.colors;
  const strategies = data.strategies;
  const fmtTime = (seconds: number | null | undefined) => formatTime(seconds, data.intraday);
  const timesOf = (index: number): number[] => data.times[index] ?? [];

  // -------------------------------------------------------------- rebalances
  const rebalances = data.rebalances;
  const trades = data.trades;
  const tradeRowCount = trades.status.length;
  const index = indexRebalances(rebalances, tradeRowCount);
  const rebalanceTimes = index.times;
  const rebalanceCount = index.count;
  const rowStart = index.rowStart;
  const reasonColor = [colors.threshold, colors.frequency, colors.breaker];
  const colorOfReason = (i: number) => reasonColor[rebalances.reason[i] ?? -1] ?? colors.frequency;
  const timeAt = (i: number) => rebalanceTimes[i] as number;
  const planId = (i: number) => rebalances.planIdPrefix + (rebalances.planIdSuffix[i] ?? '');
  const sideOf = (quantity: number) => (quantity < 0 ? 'sell' : 'buy');
  const strategyName = (k: number) => strategies[k] ?? '';

  // -------------------------------------------------------------- breakers
  const breakers = data.breakers;
  const breakerCount = breakers.time.length;
  const kindColor = [colors.breaker, colors.halt, colors.resume];
  /** "pause A", "halt", "resume A", "resume" (the portfolio). */
  function breakerLabel(i: number): string {
    const kind = data.breakerKinds[breakers.kind[i] ?? -1] ?? '';
    const strategy = breakers.strategy[i] ?? -1;
    const who = strategy < 0 ? '' : ` ${strategyName(strategy)}`;
    return kind === 'breaker' ? `pause${who}` : `${kind}${who}`;
  }

  /**
   * A vertical rule at each breaker event across the plot, with its label at the top (a trip
   * or halt red or black, a resume green); the count drawn goes in `data-breaker-markers`.
   */
  function drawBreakerMarkers(u: uPlot, container: HTMLElement): void {
    const xMin = u.scales.x?.min;
    const xMax = u.scales.x?.max;
    let drawn = 0;
    if (breakerCount > 0 && xMin !== null && xMin !== undefined && xMax !== undefined) {
      const ctx = u.ctx;
      const box = u.bbox;
      const ratio = uPlot.pxRatio;
      ctx.save();
      ctx.beginPath();
      ctx.rect(box.left, box.top, box.width, box.height);
      ctx.clip();
      ctx.lineWidth = 1.5 * ratio;
      ctx.setLineDash([4 * ratio, 3 * ratio]);
      ctx.font = `${String(10 * ratio)}px system-ui, sans-serif`;
      ctx.textBaseline = 'top';
      let lastLabelEnd = -Infinity;
      for (let i = 0; i < breakerCount; i++) {
        const time = breakers.time[i] as number;
        if (time < xMin || time > xMax) continue;
        const color = kindColor[breakers.kind[i] ?? -1] ?? colors.breaker;
        const x = Math.round(u.valToPos(time, 'x', true)) + 0.5;
        ctx.strokeStyle = color;
        ctx.beginPath();
        ctx.moveTo(x, box.top);
        ctx.lineTo(x, box.top + box.height);
        ctx.stroke();
        drawn++;
        // Labels that would overlap the previous one are left to the tooltip and the table.
        const label = breakerLabel(i);
        const width = ctx.measureText(label).width;
        if (x + 3 * ratio > lastLabelEnd) {
          ctx.fillStyle = color;
          ctx.fillText(label, x + 3 * ratio, box.top + 3 * ratio);
          lastLabelEnd = x + 3 * ratio + width + 6 * ratio;
        }
      }
      ctx.restore();
    }
    container.dataset.breakerMarkers = String(drawn);
  }

  /**
   * Shades the time each sleeve was paused (its colour, hatched) and the portfolio halted
   * (grey) across the plot; the count drawn goes in `data-paused-spans`.
   */
  function drawPausedSpans(u: uPlot, container: HTMLElement, lastTime: number): void {
    const spans = data.paused;
    const xMin = u.scales.x?.min;
    const xMax = u.scales.x?.max;
    let drawn = 0;
    if (spans.from.length > 0 && xMin !== null && xMin !== undefined && xMax !== undefined) {
      const ctx = u.ctx;
      const box = u.bbox;
      const ratio = uPlot.pxRatio;
      ctx.save();
      ctx.beginPath();
      ctx.rect(box.left, box.top, box.width, box.height);
      ctx.clip();
      ctx.font = `${String(10 * ratio)}px system-ui, sans-serif`;
      ctx.textBaseline = 'bottom';
      for (let k = 0; k < spans.from.length; k++) {
        const from = spans.from[k] as number;
        const to = spans.to[k] ?? lastTime;
        if (to < xMin || from > xMax) continue;
        const strategy = spans.strategy[k] ?? -1;
        const color = strategy < 0 ? colors.halt : (colors.strategies[strategy] ?? colors.breaker);
        const x0 = u.valToPos(Math.max(from, xMin), 'x', true);
        const x1 = Math.max(x0 + ratio, u.valToPos(Math.min(to, xMax), 'x', true));
        ctx.fillStyle = withAlpha(color, 0.12);
        ctx.fillRect(x0, box.top, x1 - x0, box.height);
        // Hatched: diagonal lines clipped to the span.
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0, box.top, x1 - x0, box.height);
        ctx.clip();
        ctx.strokeStyle = withAlpha(color, 0.35);
        ctx.lineWidth = ratio;
        ctx.beginPath();
        const bottom = box.top + box.height;
        for (let d = x0 - box.height; d < x1; d += 8 * ratio) {
          ctx.moveTo(d, bottom);
          ctx.lineTo(d + box.height, box.top);
        }
        ctx.stroke();
        ctx.restore();
        ctx.fillStyle = color;
        const label = strategy < 0 ? 'halted' : `${strategyName(strategy)} paused`;
        ctx.fillText(
          label,
          x0 + 3 * ratio,
          box.top + box.height - 3 * ratio - 12 * ratio * (k % 3),
        );
        drawn++;
      }
      ctx.restore();
    }
    container.dataset.pausedSpans = String(drawn);
  }

  function tradeLine(row: number): string {
    const quantity = trades.quantity[row] ?? 0;
    const fillPrice = trades.fillPrice[row] ?? null;
    const price = fillPrice !== null ? fillPrice : (trades.referencePrice[row] ?? null);
    const status = trades.status[row] ?? 0;
    return (
      `${strategyName(trades.strategy[row] ?? -1)} ${data.symbols[trades.symbol[row] ?? -1] ?? ''} ` +
      `${sideOf(quantity)} ${fmtQuantity(Math.abs(quantity))}` +
      (price !== null ? ` @ ${fmtPrice(price)}` : '') +
      (status === 0 ? '' : ` (${data.statusLabels[status] ?? ''})`)
    );
  }

  // -------------------------------------------------------------- charts
  const charts: Record<string, uPlot> = {};
  const chartDefs: ChartDef[] = [];
  let syncingScale = false;
  let printing = false;

  const tzDate = (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');
  function xAxis(): uPlot.Axis {
    // Room under the plot for the rebalance markers: short ticks, labels pushed down.
    return {
      stroke: '#5b6675',
      size: 52,
      gap: 12,
      grid: { stroke: '#eef1f5', width: 1 },
      ticks: { stroke: '#cbd2dc', width: 1, size: 3 },
      font: '11px system-ui, sans-serif',
    };
  }
  // Enough decimals that neighbouring ticks differ: 0.5% steps need one, 0.05% two.
  function percentTicks(_u: uPlot, splits: number[]): (string | null)[] {
    const step = splits.length > 1 ? Math.abs((splits[1] as number) - (splits[0] as number)) : 1;
    const digits =
      step > 0 ? Math.min(4, Math.max(0, Math.ceil(-Math.log10(step * 100) - 1e-9))) : 0;
    // uPlot passes null for the ticks it wants unlabeled (log scales).
    return splits.map((value) => (value === null ? null : fmtPercent(value, digits)));
  }
  function yAxis(format: 'percent' | ((value: number) => string)): uPlot.Axis {
    return {
      stroke: '#5b6675',
      size: CHART_AXIS_SIZE,
      grid: { stroke: '#eef1f5', width: 1 },
      ticks: { stroke: '#cbd2dc', width: 1, size: 5 },
      font: '11px system-ui, sans-serif',
      values:
        format === 'percent'
          ? percentTicks
          : (_u, splits) => splits.map((value) => (value === null ? null : format(value))),
    };
  }
  // Round ticks on a log axis: every 1-9 x 10^k on a short range, 1-2-5 on a long one.
  function logSplits(_u: uPlot, _axis: number, min: number, max: number): number[] {
    if (!(min > 0) || !(max > min)) return [min, max];
    const decades = Math.log10(max / min);
    const steps = decades > 4 ? [1] : decades > 1.2 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const out: number[] = [];
    for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) {
      for (const step of steps) {
        const value = step * Math.pow(10, k);
        if (value >= min && value <= max) out.push(value);
      }
    }
    if (out.length >= 3) return out;
    // A narrow range: five evenly spaced ticks, rounded to two significant digits.
    const even: number[] = [];
    for (let i = 0; i < 5; i++) {
      const value = min + ((max - min) * (i + 0.5)) / 5;
      even.push(Number(value.toPrecision(2)));
    }
    return even.filter((value, i) => i === 0 || value !== even[i - 1]);
  }
  function timeSeries(): uPlot.Series {
    return { label: 'Time', value: (_u, value) => fmtTime(value) };
  }
  function chartWidth(container: HTMLElement): number {
    return Math.max(320, Math.floor(printing ? 700 : container.clientWidth));
  }
  /** The first and last index uPlot shows of series 0 (all when it has not said). */
  function shownRange(u: uPlot, length: number): [number, number] {
    const idxs = u.series[0]?.idxs;
    return idxs ? [idxs[0], idxs[1]] : [0, length - 1];
  }

  function drawMarkers(u: uPlot, container: HTMLElement): void {
    const ctx = u.ctx;
    const box = u.bbox;
    const ratio = uPlot.pxRatio;
    const xMin = u.scales.x?.min;
    const xMax = u.scales.x?.max;
    if (xMin === null || xMin === undefined || xMax === undefined || rebalanceCount === 0) {
      container.dataset.rebalanceMarkers = '0';
      return;
    }
    const from = lowerBound(rebalanceTimes, xMin);
    let to = lowerBound(rebalanceTimes, xMax);
    while (to < rebalanceCount && timeAt(to) <= xMax) to++;
    const size = 3.5 * ratio;
    // Just under the plot, above the time axis' labels.
    const base = box.top + box.height + 2 * ratio + size * 1.7;
    ctx.save();
    // Sparse rebalances also get a faint vertical rule across the plot.
    if (to - from <= 80) {
      ctx.lineWidth = ratio;
      for (let i = from; i < to; i++) {
        const x = Math.round(u.valToPos(timeAt(i), 'x', true)) + 0.5;
        ctx.strokeStyle = withAlpha(colorOfReason(i), 0.22);
        ctx.beginPath();
        ctx.moveTo(x, box.top);
        ctx.lineTo(x, box.top + box.height);
        ctx.stroke();
      }
    }
    // Frequency first, threshold, then breaker on top; one triangle per pixel column and reason.
    let pixels = 0;
    for (const reason of [1, 0, 2]) {
      let last = -Infinity;
      ctx.fillStyle = reasonColor[reason] ?? colors.frequency;
      ctx.beginPath();
      for (let i = from; i < to; i++) {
        if (rebalances.reason[i] !== reason) continue;
        const x = Math.round(u.valToPos(timeAt(i), 'x', true));
        if (x - last < ratio) continue;
        last = x;
        pixels++;
        ctx.moveTo(x - size, base);
        ctx.lineTo(x + size, base);
        ctx.lineTo(x, base - size * 1.6);
        ctx.closePath();
      }
      ctx.fill();
    }
    ctx.restore();
    container.dataset.rebalanceMarkers = String(to - from);
    container.dataset.markerPixels = String(pixels);
  }

  function fillTip(tip: HTMLElement, i: number): void {
    tip.textContent = '';
    const reason = data.rebalanceReasons[rebalances.reason[i] ?? -1] ?? '';
    tip.appendChild(
      element('div', 'tip-title', `Rebalance ${fmt(i + 1, 0)} of ${fmt(rebalanceCount, 0)}`),
    );
    const headline = element('div');
    const badge = element('span', 'reason', reason);
    badge.style.background = colorOfReason(i);
    headline.appendChild(document.createTextNode(`${fmtTime(timeAt(i))}  `));
    headline.appendChild(badge);
    tip.appendChild(headline);
    tip.appendChild(element('div', '', `Plan ${planId(i)}`));
    tip.appendChild(
      element(
        'div',
        '',
        `Max |drift| ${fmtPercent(rebalances.maxDrift[i], 2)}  \u00b7  capital moved ${fmt(rebalances.moved[i], 2)}`,
      ),
    );
    tip.appendChild(
      element(
        'div',
        '',
        `${fmt(rebalances.trades[i], 0)} trades, ${fmt(rebalances.skipped[i], 0)} skipped  \u00b7  cost ${fmt(rebalances.cost[i], 2)} (est. ${fmt(rebalances.estimatedCost[i], 2)})`,
      ),
    );
    const first = rowStart[i] ?? 0;
    const last = rowStart[i + 1] ?? first;
    if (last > first) {
      const list = element('div', 'tip-trades');
      const shown = Math.min(last, first + 6);
      for (let row = first; row < shown; row++)
        list.appendChild(element('div', '', tradeLine(row)));
      if (last > shown) list.appendChild(element('div', '', `+ ${fmt(last - shown, 0)} more`));
      tip.appendChild(list);
    }
  }

  // Markers sit in a strip just under the plot; hovering the strip (or the plot's bottom edge)
  // next to a marker shows that rebalance, and a click finds it in the rebalances table.
  function markerPlugin(container: HTMLElement): uPlot.Plugin {
    let current = -1;
    const tip = element('div', 'rebalance-tip');
    tip.setAttribute('role', 'tooltip');
    container.appendChild(tip);
    const hide = () => {
      current = -1;
      tip.style.display = 'none';
    };
    function locate(u: uPlot, event: MouseEvent): number {
      if (rebalanceCount === 0) return -1;
      const over = u.over.getBoundingClientRect();
      const x = event.clientX - over.left;
      const y = event.clientY - over.top;
      if (
        x < 0 ||
        x > over.width ||
        y < over.height - MARKER_ZONE_INSIDE ||
        y > over.height + MARKER_ZONE_BELOW
      )
        return -1;
      const i = nearestRebalance(index, u.posToVal(x, 'x'));
      if (i < 0 || Math.abs(u.valToPos(timeAt(i), 'x') - x) > 6) return -1;
      return i;
    }
    function place(u: uPlot, i: number): void {
      if (i !== current) {
        current = i;
        fillTip(tip, i);
      }
      tip.style.display = 'block';
      const over = u.over.getBoundingClientRect();
      const host = container.getBoundingClientRect();
      const x = over.left - host.left + u.valToPos(timeAt(i), 'x');
      const width = tip.offsetWidth;
      let left = x + 12;
      if (left + width > host.width) left = x - width - 12;
      tip.style.left = `${Math.max(0, left)}px`;
      tip.style.top = `${Math.max(0, over.top - host.top + over.height - tip.offsetHeight - 18)}px`;
    }
    return {
      hooks: {
        init: [
          (u) => {
            u.root.addEventListener('mousemove', (event) => {
              const i = locate(u, event);
              if (i < 0) hide();
              else place(u, i);
            });
            u.root.addEventListener('mouseleave', hide);
            u.root.addEventListener('click', (event) => {
              const i = locate(u, event);
              if (i >= 0) showRebalance(i);
            });
          },
        ],
        draw: [(u) => drawMarkers(u, container)],
      },
    };
  }

  function syncScalePlugin(name: string): uPlot.Plugin {
    return {
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x' || syncingScale) return;
            syncingScale = true;
            const min = u.scales.x?.min;
            const max = u.scales.x?.max;
            for (const other of Object.keys(charts)) {
              if (other === name) continue;
              const chart = charts[other];
              if (chart === undefined || min === undefined || max === undefined) continue;
              if (chart.scales.x?.min !== min || chart.scales.x.max !== max)
                chart.setScale('x', { min, max });
            }
            syncingScale = false;
          },
        ],
      },
    };
  }

  function baseOptions(
    name: string,
    container: HTMLElement,
    height: number,
  ): uPlot.Options & { scales: uPlot.Scales } {
    return {
      width: chartWidth(container),
      height,
      tzDate,
      cursor: { sync: { key: 'njord-report' }, drag: { x: true, y: false }, points: { size: 6 } },
      legend: { live: true },
      scales: { x: { time: true } },
      series: [],
      plugins: [markerPlugin(container), syncScalePlugin(name)],
    };
  }

  function mountChart(name: string, height: number, build: Build): void {
    const container = document.getElementById(`chart-${name}`);
    if (!container) return;
    const def: ChartDef = { name, container, height, build };
    chartDefs.push(def);
    if (data.bars === 0) {
      container.appendChild(element('div', 'empty-chart', 'No bars in this result.'));
      return;
    }
    createChart(def);
  }
  function createChart(def: ChartDef): void {
    charts[def.name]?.destroy();
    const built = def.build(baseOptions(def.name, def.container, def.height));
    // uPlot types `init` as a bare Function; it takes no argument.
    const attach = (u: uPlot, init: () => void) => {
      // Insert before the tooltip so it stays on top.
      def.container.insertBefore(u.root, def.container.firstChild);
      init();
    };
    charts[def.name] = new uPlot(
      built.options,
      built.data,
      attach as (u: uPlot, init: unknown) => void,
    );
  }

  const valueOf =
    (format: (value: number) => string) =>
    (_u: uPlot, value: number | null | undefined): string =>
      value === null || value === undefined ? DASH : format(value);
  const money = (value: number) => fmt(value, 2);
  const percent2 = valueOf((v) => fmtPercent(v, 2));
  const aligned = (x: number[], series: readonly SeriesValues[]): uPlot.AlignedData =>
    [x, ...series] as uPlot.AlignedData;

  let logScale = false;
  const equityData = data.equity;
  mountChart('equity', 340, (options) => {
    const x = timesOf(equityData.times);
    // Drawn in this order, so the portfolio is painted last, on top.
    const series: uPlot.Series[] = [timeSeries()];
    const values: SeriesValues[] = [];
    strategies.forEach((id, i) => {
      series.push({
        label: `${id} alone`,
        stroke: colors.strategies[i] ?? colors.frequency,
        width: 1.25,
        value: valueOf(money),
      });
      values.push(equityData.standalone[i] ?? []);
    });
    series.push({
      label: 'Benchmark',
      stroke: colors.benchmark,
      width: 1.5,
      value: valueOf(money),
    });
    values.push(equityData.benchmark);
    series.push({
      label: 'Baseline',
      stroke: colors.baseline,
      width: 1.75,
      dash: [7, 4],
      value: valueOf(money),
    });
    values.push(equityData.baseline);
    series.push({
      label: 'Portfolio',
      stroke: colors.portfolio,
      width: 2.5,
      value: valueOf(money),
    });
    values.push(equityData.portfolio);
    options.series = series;
    // Log: the data's own range (uPlot would widen it to whole powers of ten).
    options.scales.y = logScale
      ? { distr: 3, log: 10, range: (_u, min, max) => [min / 1.06, max * 1.06] }
      : { distr: 1 };
    const equityAxis = yAxis(fmtCompact);
    if (logScale) equityAxis.splits = logSplits;
    options.axes = [xAxis(), equityAxis];
    const container = document.getElementById('chart-equity');
    if (container) options.hooks = { draw: [(u) => drawBreakerMarkers(u, container)] };
    return { options, data: aligned(x, values) };
  });

  mountChart('drawdown', 190, (options) => {
    const drawdown = data.drawdown;
    options.series = [
      timeSeries(),
      { label: 'Benchmark', stroke: colors.benchmark, width: 1.25, value: percent2 },
      { label: 'Baseline', stroke: colors.baseline, width: 1.5, dash: [7, 4], value: percent2 },
      {
        label: 'Portfolio',
        stroke: colors.portfolio,
        width: 1.75,
        fill: withAlpha(colors.portfolio, 0.14),
        value: percent2,
      },
    ];
    options.scales.y = {
      range: (_u, min) => {
        const low = Math.min(min === null ? -0.01 : min, -0.01);
        return [low * 1.08, 0];
      },
    };
    options.axes = [xAxis(), yAxis('percent')];
    return {
      options,
      data: aligned(timesOf(drawdown.times), [
        drawdown.benchmark,
        drawdown.baseline,
        drawdown.portfolio,
      ]),
    };
  });

  mountChart('allocation', 320, (options) => {
    const allocation = data.allocation;
    const x = timesOf(allocation.times);
    const layers: SeriesValues[] = allocation.capital.slice();
    const labels = strategies.slice();
    const fills = colors.strategies.slice();
    if (allocation.unallocated) {
      layers.push(allocation.unallocated);
      labels.push('Unallocated');
      fills.push(colors.unallocated);
    }
    const cumulative = (series: readonly SeriesValues[]): number[][] => {
      const running = new Array<number>(x.length).fill(0);
      return series.map((layer) =>
        layer.map((value, i) => (running[i] = (running[i] ?? 0) + (value ?? 0))),
      );
    };
    const stacked = cumulative(layers);
    const targetEdges = cumulative(allocation.targets);
    options.series = [
      timeSeries(),
      ...layers.map((layer, k): uPlot.Series => ({
        label: labels[k] ?? '',
        stroke: fills[k] ?? colors.frequency,
        width: 1,
        fill: withAlpha(fills[k] ?? colors.frequency, 0.5),
        value: (_u, _value, _series, row) =>
          row === null || row === undefined ? DASH : fmt(layer[row], 2),
      })),
    ];
    options.bands = layers.slice(1).map((_, k) => ({ series: [k + 2, k + 1] as [number, number] }));
    options.scales.y = { range: (_u, _min, max) => [0, max * 1.04] };
    options.axes = [xAxis(), yAxis(fmtCompact)];
    const threshold = data.rebalanceThreshold;
    // Edges with something above them: the top edge is the equity itself unless cash is unallocated.
    const bandEdges = allocation.unallocated ? targetEdges.length : targetEdges.length - 1;
    const at = (values: readonly (number | null)[] | undefined, i: number) => values?.[i] ?? 0;
    options.hooks = {
      draw: [
        (u) => {
          const ctx = u.ctx;
          const ratio = uPlot.pxRatio;
          const [i0, i1] = shownRange(u, x.length);
          const xAt = (i: number) => u.valToPos(at(x, i), 'x', true);
          ctx.save();
          ctx.beginPath();
          ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
          ctx.clip();
          if (threshold !== null) {
            ctx.fillStyle = 'rgba(17,24,39,0.13)';
            for (let k = 0; k < bandEdges; k++) {
              const edge = targetEdges[k];
              const own = allocation.targets[k];
              ctx.beginPath();
              for (let i = i0; i <= i1; i++) {
                const py = u.valToPos(at(edge, i) + threshold * at(own, i), 'y', true);
                if (i === i0) ctx.moveTo(xAt(i), py);
                else ctx.lineTo(xAt(i), py);
              }
              for (let i = i1; i >= i0; i--)
                ctx.lineTo(xAt(i), u.valToPos(at(edge, i) - threshold * at(own, i), 'y', true));
              ctx.closePath();
              ctx.fill();
            }
          }
          ctx.strokeStyle = withAlpha(colors.target, 0.8);
          ctx.lineWidth = 1.25 * ratio;
          ctx.setLineDash([5 * ratio, 4 * ratio]);
          for (const edge of targetEdges) {
            ctx.beginPath();
            for (let i = i0; i <= i1; i++) {
              const py = u.valToPos(at(edge, i), 'y', true);
              if (i === i0) ctx.moveTo(xAt(i), py);
              else ctx.lineTo(xAt(i), py);
            }
            ctx.stroke();
          }
          ctx.restore();
          const container = document.getElementById('chart-allocation');
          if (container) drawPausedSpans(u, container, x[x.length - 1] ?? 0);
        },
      ],
    };
    return { options, data: aligned(x, stacked) };
  });

  // Only in a risk-adjusted run: one small panel per strategy, its adjusted target (solid) against
  // its base (dashed) as shares of equity, the gap shaded; one y scale for all, so panels compare.
  const targets = data.targets;
  if (targets) {
    const targetTimes = timesOf(targets.times);
    let targetMax = 0.01;
    for (const values of [...targets.adjusted, ...targets.base])
      for (const value of values) if (value !== null && value > targetMax) targetMax = value;
    const share = valueOf((v) => fmtPercent(v, 1));
    strategies.forEach((id, k) => {
      mountChart(`targets-${k}`, 160, (options) => {
        const adjusted: Values = targets.adjusted[k] ?? [];
        const base: Values = targets.base[k] ?? [];
        const color = colors.strategies[k] ?? colors.frequency;
        options.title = id;
        options.series = [
          timeSeries(),
          { label: 'base', stroke: withAlpha(color, 0.9), width: 1.25, dash: [5, 4], value: share },
          { label: 'risk-adjusted', stroke: color, width: 1.5, value: share },
        ];
        options.scales.y = { range: () => [0, targetMax * 1.08] };
        options.axes = [xAxis(), yAxis('percent')];
        options.hooks = {
          // Under the lines: drawAxes fires after the grid, before the series.
          drawAxes: [
            (u) => {
              const ctx = u.ctx;
              const x = targetTimes;
              const [i0, i1] = shownRange(u, x.length);
              const xAt = (i: number) => u.valToPos(x[i] ?? 0, 'x', true);
              ctx.save();
              ctx.beginPath();
              ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
              ctx.clip();
              ctx.fillStyle = withAlpha(color, 0.2);
              let from = -1;
              // One polygon per run of bars where both values exist.
              const close = (to: number) => {
                for (let i = to; i >= from; i--)
                  ctx.lineTo(xAt(i), u.valToPos(base[i] ?? 0, 'y', true));
                ctx.closePath();
                ctx.fill();
                from = -1;
              };
              for (let i = i0; i <= i1; i++) {
                const value = adjusted[i];
                if (value === null || value === undefined || base[i] === null) {
                  if (from >= 0) close(i - 1);
                  continue;
                }
                const py = u.valToPos(value, 'y', true);
                if (from < 0) {
                  ctx.beginPath();
                  ctx.moveTo(xAt(i), py);
                  from = i;
                } else ctx.lineTo(xAt(i), py);
              }
              if (from >= 0) close(i1);
              ctx.restore();
            },
          ],
        };
        return { options, data: aligned(targetTimes, [base, adjusted]) };
      });
    });
  }

  mountChart('drift', 240, (options) => {
    const drift = data.drift;
    const threshold = data.rebalanceThreshold;
    options.series = [
      timeSeries(),
      ...strategies.map((id, i): uPlot.Series => ({
        label: id,
        stroke: colors.strategies[i] ?? colors.frequency,
        width: 1.25,
        value: percent2,
      })),
    ];
    options.scales.y = {
      range: (_u, min, max) => {
        const reach = threshold === null ? 0.01 : threshold * 1.35;
        const low = Math.min(min === null ? 0 : min, -reach);
        const high = Math.max(max === null ? 0 : max, reach);
        const pad = (high - low) * 0.04;
        return [low - pad, high + pad];
      },
    };
    options.axes = [xAxis(), yAxis('percent')];
    options.hooks = {
      draw: [
        (u) => {
          if (threshold === null) return;
          const ctx = u.ctx;
          const ratio = uPlot.pxRatio;
          ctx.save();
          ctx.strokeStyle = colors.threshold;
          ctx.fillStyle = colors.threshold;
          ctx.lineWidth = 1.25 * ratio;
          ctx.setLineDash([6 * ratio, 4 * ratio]);
          ctx.font = `600 ${11 * ratio}px system-ui, sans-serif`;
          ctx.textAlign = 'right';
          for (const level of [threshold, -threshold]) {
            const y = Math.round(u.valToPos(level, 'y', true)) + 0.5;
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.fillText(
              (level > 0 ? '+' : MINUS) + fmtPercent(Math.abs(level), 1),
              u.bbox.left + u.bbox.width - 4 * ratio,
              level > 0 ? y - 4 * ratio : y + 13 * ratio,
            );
          }
          ctx.restore();
        },
      ],
    };
    return { options, data: aligned(timesOf(drift.times), drift.drift) };
  });

  const logToggle = document.getElementById('log-scale-toggle');
  if (logToggle instanceof HTMLInputElement && charts.equity) {
    logToggle.addEventListener('change', () => {
      logScale = logToggle.checked && data.equity.logScaleAvailable;
      const def = chartDefs.find((d) => d.name === 'equity');
      const x = charts.equity?.scales.x;
      if (!def || !x) return;
      const range = { min: x.min ?? 0, max: x.max ?? 0 };
      createChart(def);
      charts.equity?.setScale('x', range);
    });
  }

  function resizeCharts(): void {
    for (const def of chartDefs)
      charts[def.name]?.setSize({ width: chartWidth(def.container), height: def.height });
  }
  let resizePending = false;
  window.addEventListener('resize', () => {
    if (resizePending || printing) return;
    resizePending = true;
    requestAnimationFrame(() => {
      resizePending = false;
      resizeCharts();
    });
  });
  // A printed page is narrower than the screen: draw the charts at the page's width, then restore.
  window.addEventListener('beforeprint', () => {
    printing = true;
    resizeCharts();
  });
  window.addEventListener('afterprint', () => {
    printing = false;
    resizeCharts();
  });

  // -------------------------------------------------------------- tables
  const rebalanceTable = pagedTable({
    name: 'rebalances',
    tableId: 'rebalances-table',
    total: rebalanceCount,
    pageSize: 25,
    emptyText: 'No rebalance in this run.',
    renderRow: (i) => {
      const row = element('tr');
      row.dataset.rebalance = String(i);
      const number = cell(row, fmt(i + 1, 0), 'num');
      number.title = 'Show its trades';
      number.style.cursor = 'pointer';
      number.addEventListener('click', () => showTrades(i));
      cell(row, fmtTime(timeAt(i)));
      const reasonCell = cell(row, '');
      const badge = element(
        'span',
        'reason',
        data.rebalanceReasons[rebalances.reason[i] ?? -1] ?? '',
      );
      badge.style.background = colorOfReason(i);
      reasonCell.appendChild(badge);
      cell(row, planId(i), 'mono');
      cell(row, fmtPercent(rebalances.maxDrift[i], 2), 'num');
      cell(row, fmt(rebalances.trades[i], 0), 'num');
      cell(row, fmt(rebalances.skipped[i], 0), 'num');
      cell(row, fmt(rebalances.moved[i], 2), 'num');
      cell(row, fmt(rebalances.traded[i], 2), 'num');
      cell(row, fmt(rebalances.estimatedCost[i], 2), 'num');
      cell(row, fmt(rebalances.cost[i], 2), 'num');
      return row;
    },
  });

  const statusClass = (status: number) =>
    status === 0
      ? ''
      : status === 1
        ? 'status-unfilled'
        : status === 2
          ? 'status-netted'
          : 'status-skipped';
  const tradeTable = pagedTable({
    name: 'trades',
    tableId: 'trades-table',
    total: tradeRowCount,
    pageSize: 50,
    emptyText: 'No trade rows.',
    renderRow: (r) => {
      const row = element('tr');
      const i = index.rowRebalance[r] ?? 0;
      const quantity = trades.quantity[r] ?? 0;
      const fillPrice = trades.fillPrice[r] ?? null;
      const referencePrice = trades.referencePrice[r] ?? null;
      const price = fillPrice !== null ? fillPrice : referencePrice;
      const strategy = trades.strategy[r] ?? -1;
      const status = trades.status[r] ?? 0;
      cell(row, fmt(i + 1, 0), 'num');
      cell(row, fmtTime(timeAt(i)));
      const strategyCell = cell(row, '');
      const swatch = element('span', 'swatch');
      swatch.style.background = colors.strategies[strategy] ?? colors.frequency;
      strategyCell.appendChild(swatch);
      strategyCell.appendChild(element('span', 'mono', strategyName(strategy)));
      cell(row, data.symbols[trades.symbol[r] ?? -1] ?? '', 'mono');
      cell(row, sideOf(quantity), quantity < 0 ? 'negative' : 'positive');
      cell(row, fmtQuantity(Math.abs(quantity)), 'num');
      cell(row, fmtPrice(referencePrice), 'num');
      cell(row, fmtPrice(fillPrice), 'num');
      cell(row, price === null ? DASH : fmt(Math.abs(quantity * price), 2), 'num');
      cell(row, fmt(trades.commission[r], 2), 'num');
      cell(row, fmt(trades.slippage[r], 2), 'num');
      // Reason codes read as words (and can wrap): below_min_trade_value -> below min trade value.
      const label = (data.statusLabels[status] ?? '').replace(/_/g, ' ');
      cell(row, label, `status ${statusClass(status)}`);
      return row;
    },
  });

  const strategyFilter = document.getElementById('trades-strategy-filter');
  if (strategyFilter instanceof HTMLSelectElement && tradeTable) {
    strategyFilter.addEventListener('change', () => {
      if (strategyFilter.value === '') {
        tradeTable.filter(null);
        return;
      }
      const wanted = Number(strategyFilter.value);
      const rows: number[] = [];
      for (let r = 0; r < tradeRowCount; r++) if (trades.strategy[r] === wanted) rows.push(r);
      tradeTable.filter(rows);
    });
  }

  function showTrades(i: number): void {
    if (!tradeTable || rowStart[i + 1] === rowStart[i]) return;
    if (strategyFilter instanceof HTMLSelectElement) strategyFilter.value = '';
    tradeTable.filter(null);
    tradeTable.show(rowStart[i] ?? 0);
    tradeTable.table.scrollIntoView({ block: 'nearest' });
  }
  function showRebalance(i: number): void {
    if (!rebalanceTable) return;
    rebalanceTable.show(i);
    rebalanceTable.table.scrollIntoView({ block: 'center' });
  }

  // For readers who script the page, and for the report's own browser tests.
  const api: {
    data: ReportData;
    charts: Record<string, uPlot>;
    tables: { rebalances: PagedTable | null; trades: PagedTable | null };
    showRebalance: (i: number) => void;
    ready: true;
  } = {
    data,
    charts,
    tables: { rebalances: rebalanceTable, trades: tradeTable },
    showRebalance,
    ready: true,
  };
  (window as Window & { njordReport?: typeof api }).njordReport = api;
  document.documentElement.dataset.reportReady = 'true';
}

start();
