// Browser script of the report: draws the uPlot charts and fills the paged tables from the inlined JSON.
// Inlined verbatim at build time (scripts/generate-assets.mjs); every value from the data is written
// with textContent, never as HTML.
/* global window, document, uPlot, requestAnimationFrame */
(function () {
  'use strict';
  const source = document.getElementById('njord-report-data');
  if (!source || typeof uPlot === 'undefined') return;
  const data = JSON.parse(source.textContent);
  const colors = data.colors;
  const strategies = data.strategies;
  const DASH = '\u2014';
  const MINUS = '\u2212';
  const CHART_AXIS_SIZE = 72;
  const MARKER_ZONE_INSIDE = 14;
  const MARKER_ZONE_BELOW = 16;

  // ---------------------------------------------------------------- formatting
  const numberFormats = new Map();
  function numberFormat(min, max) {
    const key = min + ':' + max;
    let format = numberFormats.get(key);
    if (!format) {
      format = new Intl.NumberFormat('en-US', {
        minimumFractionDigits: min,
        maximumFractionDigits: max,
      });
      numberFormats.set(key, format);
    }
    return format;
  }
  function minus(text) {
    if (/^-0(\.0*)?$/.test(text)) return text.slice(1);
    return text.charAt(0) === '-' ? MINUS + text.slice(1) : text;
  }
  function fmt(value, digits) {
    if (value === null || value === undefined || !isFinite(value)) return DASH;
    return minus(numberFormat(digits, digits).format(value));
  }
  function fmtUpTo(value, digits) {
    if (value === null || value === undefined || !isFinite(value)) return DASH;
    return minus(numberFormat(0, digits).format(value));
  }
  function fmtPercent(value, digits) {
    if (value === null || value === undefined || !isFinite(value)) return DASH;
    return fmt(value * 100, digits) + '%';
  }
  // Fixed decimals so a column of quantities lines up; more only for tiny ones.
  function fmtQuantity(value) {
    if (value !== 0 && Math.abs(value) < 0.001) return fmtUpTo(value, 8);
    return fmt(value, 4);
  }
  function fmtPrice(value) {
    if (value === null || value === undefined) return DASH;
    return Math.abs(value) >= 1 ? fmt(value, 2) : fmtUpTo(value, 6);
  }
  function fmtCompact(value) {
    if (value === null || value === undefined || !isFinite(value)) return DASH;
    const abs = Math.abs(value);
    if (abs >= 1e9) return minus(numberFormat(0, 2).format(value / 1e9)) + 'B';
    if (abs >= 1e6) return minus(numberFormat(0, 2).format(value / 1e6)) + 'M';
    if (abs >= 1e4) return minus(numberFormat(0, 1).format(value / 1e3)) + 'k';
    return minus(numberFormat(0, 2).format(value));
  }
  function fmtTime(seconds) {
    if (seconds === null || seconds === undefined) return DASH;
    const iso = new Date(Math.round(seconds * 1000)).toISOString();
    if (!data.intraday) return iso.slice(0, 10);
    return iso.slice(0, 10) + ' ' + iso.slice(11, iso.slice(17, 19) === '00' ? 16 : 19);
  }
  function withAlpha(hex, alpha) {
    const value = parseInt(hex.slice(1), 16);
    return (
      'rgba(' +
      ((value >> 16) & 255) +
      ',' +
      ((value >> 8) & 255) +
      ',' +
      (value & 255) +
      ',' +
      alpha +
      ')'
    );
  }
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---------------------------------------------------------------- rebalances
  const rebalances = data.rebalances;
  const trades = data.trades;
  const rebalanceTimes = rebalances.time;
  const rebalanceCount = rebalanceTimes.length;
  const rowStart = new Array(rebalanceCount + 1);
  rowStart[0] = 0;
  for (let i = 0; i < rebalanceCount; i++) rowStart[i + 1] = rowStart[i] + rebalances.rows[i];
  const tradeRowCount = trades.status.length;
  const rowRebalance = new Int32Array(tradeRowCount);
  for (let i = 0; i < rebalanceCount; i++) rowRebalance.fill(i, rowStart[i], rowStart[i + 1]);
  const reasonColor = [colors.threshold, colors.frequency];

  function planId(i) {
    return rebalances.planIdPrefix + rebalances.planIdSuffix[i];
  }
  function lowerBound(values, target) {
    let low = 0;
    let high = values.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (values[middle] < target) low = middle + 1;
      else high = middle;
    }
    return low;
  }
  function nearestRebalance(time) {
    if (rebalanceCount === 0) return -1;
    const index = lowerBound(rebalanceTimes, time);
    if (index === 0) return 0;
    if (index >= rebalanceCount) return rebalanceCount - 1;
    return time - rebalanceTimes[index - 1] <= rebalanceTimes[index] - time ? index - 1 : index;
  }
  function sideOf(quantity) {
    return quantity < 0 ? 'sell' : 'buy';
  }
  function tradeLine(row) {
    const quantity = trades.quantity[row];
    const price =
      trades.fillPrice[row] !== null ? trades.fillPrice[row] : trades.referencePrice[row];
    const status = trades.status[row];
    return (
      strategies[trades.strategy[row]] +
      ' ' +
      data.symbols[trades.symbol[row]] +
      ' ' +
      sideOf(quantity) +
      ' ' +
      fmtQuantity(Math.abs(quantity)) +
      (price !== null ? ' @ ' + fmtPrice(price) : '') +
      (status === 0 ? '' : ' (' + data.statusLabels[status] + ')')
    );
  }

  // ---------------------------------------------------------------- charts
  const charts = {};
  const chartDefs = [];
  let syncingScale = false;
  let printing = false;

  function tzDate(seconds) {
    return uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');
  }
  function xAxis() {
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
  function percentTicks(u, splits) {
    const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 1;
    const digits =
      step > 0 ? Math.min(4, Math.max(0, Math.ceil(-Math.log10(step * 100) - 1e-9))) : 0;
    return splits.map(function (value) {
      return value === null ? null : fmtPercent(value, digits);
    });
  }
  function yAxis(format) {
    return {
      stroke: '#5b6675',
      size: CHART_AXIS_SIZE,
      grid: { stroke: '#eef1f5', width: 1 },
      ticks: { stroke: '#cbd2dc', width: 1, size: 5 },
      font: '11px system-ui, sans-serif',
      // uPlot passes null for the ticks it wants unlabeled (log scales).
      values:
        format === percentTicks
          ? percentTicks
          : function (u, splits) {
              return splits.map(function (value) {
                return value === null ? null : format(value);
              });
            },
    };
  }
  // Round ticks on a log axis: every 1-9 x 10^k on a short range, 1-2-5 on a long one.
  function logSplits(u, axisIndex, min, max) {
    if (!(min > 0) || !(max > min)) return [min, max];
    const decades = Math.log10(max / min);
    const steps = decades > 4 ? [1] : decades > 1.2 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const out = [];
    for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) {
      for (const step of steps) {
        const value = step * Math.pow(10, k);
        if (value >= min && value <= max) out.push(value);
      }
    }
    if (out.length >= 3) return out;
    // A narrow range: five evenly spaced ticks, rounded to two significant digits.
    const even = [];
    for (let i = 0; i < 5; i++) {
      const value = min + ((max - min) * (i + 0.5)) / 5;
      even.push(Number(value.toPrecision(2)));
    }
    return even.filter(function (value, i) {
      return i === 0 || value !== even[i - 1];
    });
  }
  function timeSeries() {
    return {
      label: 'Time',
      value: function (u, value) {
        return fmtTime(value);
      },
    };
  }
  function chartWidth(container) {
    return Math.max(320, Math.floor(printing ? 700 : container.clientWidth));
  }

  function drawMarkers(u, container) {
    const ctx = u.ctx;
    const box = u.bbox;
    const ratio = uPlot.pxRatio;
    const xMin = u.scales.x.min;
    const xMax = u.scales.x.max;
    if (xMin === null || xMin === undefined || rebalanceCount === 0) {
      container.dataset.rebalanceMarkers = '0';
      return;
    }
    const from = lowerBound(rebalanceTimes, xMin);
    let to = lowerBound(rebalanceTimes, xMax);
    while (to < rebalanceCount && rebalanceTimes[to] <= xMax) to++;
    const size = 3.5 * ratio;
    // Just under the plot, above the time axis' labels.
    const base = box.top + box.height + 2 * ratio + size * 1.7;
    ctx.save();
    // Sparse rebalances also get a faint vertical rule across the plot.
    if (to - from <= 80) {
      ctx.lineWidth = ratio;
      for (let i = from; i < to; i++) {
        const x = Math.round(u.valToPos(rebalanceTimes[i], 'x', true)) + 0.5;
        ctx.strokeStyle = withAlpha(reasonColor[rebalances.reason[i]] || colors.frequency, 0.22);
        ctx.beginPath();
        ctx.moveTo(x, box.top);
        ctx.lineTo(x, box.top + box.height);
        ctx.stroke();
      }
    }
    // Frequency first, threshold on top; one triangle per pixel column and reason.
    let pixels = 0;
    for (const reason of [1, 0]) {
      let last = -Infinity;
      ctx.fillStyle = reasonColor[reason];
      ctx.beginPath();
      for (let i = from; i < to; i++) {
        if (rebalances.reason[i] !== reason) continue;
        const x = Math.round(u.valToPos(rebalanceTimes[i], 'x', true));
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

  function fillTip(tip, i) {
    tip.textContent = '';
    const reason = data.rebalanceReasons[rebalances.reason[i]] || '';
    tip.appendChild(
      element('div', 'tip-title', 'Rebalance ' + fmt(i + 1, 0) + ' of ' + fmt(rebalanceCount, 0)),
    );
    const headline = element('div');
    const badge = element('span', 'reason', reason);
    badge.style.background = reasonColor[rebalances.reason[i]] || colors.frequency;
    headline.appendChild(document.createTextNode(fmtTime(rebalanceTimes[i]) + '  '));
    headline.appendChild(badge);
    tip.appendChild(headline);
    tip.appendChild(element('div', '', 'Plan ' + planId(i)));
    tip.appendChild(
      element(
        'div',
        '',
        'Max |drift| ' +
          fmtPercent(rebalances.maxDrift[i], 2) +
          '  \u00b7  capital moved ' +
          fmt(rebalances.moved[i], 2),
      ),
    );
    tip.appendChild(
      element(
        'div',
        '',
        fmt(rebalances.trades[i], 0) +
          ' trades, ' +
          fmt(rebalances.skipped[i], 0) +
          ' skipped  \u00b7  cost ' +
          fmt(rebalances.cost[i], 2) +
          ' (est. ' +
          fmt(rebalances.estimatedCost[i], 2) +
          ')',
      ),
    );
    const first = rowStart[i];
    const last = rowStart[i + 1];
    if (last > first) {
      const list = element('div', 'tip-trades');
      const shown = Math.min(last, first + 6);
      for (let row = first; row < shown; row++)
        list.appendChild(element('div', '', tradeLine(row)));
      if (last > shown) list.appendChild(element('div', '', '+ ' + fmt(last - shown, 0) + ' more'));
      tip.appendChild(list);
    }
  }

  // Markers sit in a strip just under the plot; hovering the strip (or the plot's bottom edge)
  // next to a marker shows that rebalance, and a click finds it in the rebalances table.
  function markerPlugin(container) {
    let current = -1;
    const tip = element('div', 'rebalance-tip');
    tip.setAttribute('role', 'tooltip');
    container.appendChild(tip);
    function hide() {
      current = -1;
      tip.style.display = 'none';
    }
    function locate(u, event) {
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
      const i = nearestRebalance(u.posToVal(x, 'x'));
      if (i < 0 || Math.abs(u.valToPos(rebalanceTimes[i], 'x') - x) > 6) return -1;
      return i;
    }
    function place(u, i) {
      if (i !== current) {
        current = i;
        fillTip(tip, i);
      }
      tip.style.display = 'block';
      const over = u.over.getBoundingClientRect();
      const host = container.getBoundingClientRect();
      const x = over.left - host.left + u.valToPos(rebalanceTimes[i], 'x');
      const width = tip.offsetWidth;
      let left = x + 12;
      if (left + width > host.width) left = x - width - 12;
      tip.style.left = Math.max(0, left) + 'px';
      tip.style.top = Math.max(0, over.top - host.top + over.height - tip.offsetHeight - 18) + 'px';
    }
    return {
      hooks: {
        init: [
          function (u) {
            u.root.addEventListener('mousemove', function (event) {
              const i = locate(u, event);
              if (i < 0) hide();
              else place(u, i);
            });
            u.root.addEventListener('mouseleave', hide);
            u.root.addEventListener('click', function (event) {
              const i = locate(u, event);
              if (i >= 0) showRebalance(i);
            });
          },
        ],
        draw: [
          function (u) {
            drawMarkers(u, container);
          },
        ],
      },
    };
  }

  function syncScalePlugin(name) {
    return {
      hooks: {
        setScale: [
          function (u, key) {
            if (key !== 'x' || syncingScale) return;
            syncingScale = true;
            for (const other of Object.keys(charts)) {
              if (other === name) continue;
              const chart = charts[other];
              if (chart.scales.x.min !== u.scales.x.min || chart.scales.x.max !== u.scales.x.max) {
                chart.setScale('x', { min: u.scales.x.min, max: u.scales.x.max });
              }
            }
            syncingScale = false;
          },
        ],
      },
    };
  }

  function baseOptions(name, container, height) {
    return {
      width: chartWidth(container),
      height: height,
      tzDate: tzDate,
      cursor: { sync: { key: 'njord-report' }, drag: { x: true, y: false }, points: { size: 6 } },
      legend: { live: true },
      scales: { x: { time: true } },
      plugins: [markerPlugin(container), syncScalePlugin(name)],
    };
  }

  function mountChart(name, height, build) {
    const container = document.getElementById('chart-' + name);
    if (!container) return;
    const def = { name: name, container: container, height: height, build: build };
    chartDefs.push(def);
    if (data.bars === 0) {
      container.appendChild(element('div', 'empty-chart', 'No bars in this result.'));
      return;
    }
    createChart(def);
  }
  function createChart(def) {
    if (charts[def.name]) charts[def.name].destroy();
    const built = def.build(baseOptions(def.name, def.container, def.height));
    charts[def.name] = new uPlot(built.options, built.data, function (u, init) {
      // Insert before the tooltip so it stays on top.
      def.container.insertBefore(u.root, def.container.firstChild);
      init();
    });
  }

  function valueOf(format) {
    return function (u, value) {
      return value === null || value === undefined ? DASH : format(value);
    };
  }
  const money = function (value) {
    return fmt(value, 2);
  };

  let logScale = false;
  const equityData = data.equity;
  mountChart('equity', 340, function (options) {
    const x = data.times[equityData.times];
    // Drawn in this order, so the portfolio is painted last, on top.
    const series = [timeSeries()];
    const values = [x];
    strategies.forEach(function (id, i) {
      series.push({
        label: id + ' alone',
        stroke: colors.strategies[i],
        width: 1.25,
        value: valueOf(money),
      });
      values.push(equityData.standalone[i]);
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
      ? {
          distr: 3,
          log: 10,
          range: function (u, min, max) {
            return [min / 1.06, max * 1.06];
          },
        }
      : { distr: 1 };
    const equityAxis = yAxis(fmtCompact);
    if (logScale) equityAxis.splits = logSplits;
    options.axes = [xAxis(), equityAxis];
    return { options: options, data: values };
  });

  mountChart('drawdown', 190, function (options) {
    const drawdown = data.drawdown;
    options.series = [
      timeSeries(),
      {
        label: 'Benchmark',
        stroke: colors.benchmark,
        width: 1.25,
        value: valueOf(function (v) {
          return fmtPercent(v, 2);
        }),
      },
      {
        label: 'Baseline',
        stroke: colors.baseline,
        width: 1.5,
        dash: [7, 4],
        value: valueOf(function (v) {
          return fmtPercent(v, 2);
        }),
      },
      {
        label: 'Portfolio',
        stroke: colors.portfolio,
        width: 1.75,
        fill: withAlpha(colors.portfolio, 0.14),
        value: valueOf(function (v) {
          return fmtPercent(v, 2);
        }),
      },
    ];
    options.scales.y = {
      range: function (u, min) {
        const low = Math.min(min === null ? -0.01 : min, -0.01);
        return [low * 1.08, 0];
      },
    };
    options.axes = [xAxis(), yAxis(percentTicks)];
    return {
      options: options,
      data: [data.times[drawdown.times], drawdown.benchmark, drawdown.baseline, drawdown.portfolio],
    };
  });

  mountChart('allocation', 320, function (options) {
    const allocation = data.allocation;
    const x = data.times[allocation.times];
    const layers = allocation.capital.slice();
    const labels = strategies.slice();
    const fills = colors.strategies.slice();
    if (allocation.unallocated) {
      layers.push(allocation.unallocated);
      labels.push('Unallocated');
      fills.push(colors.unallocated);
    }
    const stacked = [];
    const running = new Array(x.length).fill(0);
    layers.forEach(function (layer) {
      stacked.push(
        layer.map(function (value, i) {
          running[i] += value === null ? 0 : value;
          return running[i];
        }),
      );
    });
    const targetEdges = [];
    const runningTarget = new Array(x.length).fill(0);
    allocation.targets.forEach(function (layer) {
      targetEdges.push(
        layer.map(function (value, i) {
          runningTarget[i] += value === null ? 0 : value;
          return runningTarget[i];
        }),
      );
    });
    options.series = [timeSeries()].concat(
      layers.map(function (layer, k) {
        return {
          label: labels[k],
          stroke: fills[k],
          width: 1,
          fill: withAlpha(fills[k], 0.5),
          value: function (u, value, seriesIndex, index) {
            return index === null || index === undefined ? DASH : fmt(layer[index], 2);
          },
        };
      }),
    );
    options.bands = layers.slice(1).map(function (_, k) {
      return { series: [k + 2, k + 1] };
    });
    options.scales.y = {
      range: function (u, min, max) {
        return [0, max * 1.04];
      },
    };
    options.axes = [xAxis(), yAxis(fmtCompact)];
    const threshold = data.rebalanceThreshold;
    // Edges with something above them: the top edge is the equity itself unless cash is unallocated.
    const bandEdges = allocation.unallocated ? targetEdges.length : targetEdges.length - 1;
    options.hooks = {
      draw: [
        function (u) {
          const ctx = u.ctx;
          const ratio = uPlot.pxRatio;
          const i0 = u.series[0].idxs ? u.series[0].idxs[0] : 0;
          const i1 = u.series[0].idxs ? u.series[0].idxs[1] : x.length - 1;
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
                const px = u.valToPos(x[i], 'x', true);
                const py = u.valToPos(edge[i] + threshold * (own[i] || 0), 'y', true);
                if (i === i0) ctx.moveTo(px, py);
                else ctx.lineTo(px, py);
              }
              for (let i = i1; i >= i0; i--) {
                ctx.lineTo(
                  u.valToPos(x[i], 'x', true),
                  u.valToPos(edge[i] - threshold * (own[i] || 0), 'y', true),
                );
              }
              ctx.closePath();
              ctx.fill();
            }
          }
          ctx.strokeStyle = withAlpha(colors.target, 0.8);
          ctx.lineWidth = 1.25 * ratio;
          ctx.setLineDash([5 * ratio, 4 * ratio]);
          for (let k = 0; k < targetEdges.length; k++) {
            const edge = targetEdges[k];
            ctx.beginPath();
            for (let i = i0; i <= i1; i++) {
              const px = u.valToPos(x[i], 'x', true);
              const py = u.valToPos(edge[i], 'y', true);
              if (i === i0) ctx.moveTo(px, py);
              else ctx.lineTo(px, py);
            }
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    };
    return { options: options, data: [x].concat(stacked) };
  });

  // Only in a risk-adjusted run: one small panel per strategy, its adjusted target (solid) against
  // its base (dashed) as shares of equity, the gap shaded; one y scale for all, so panels compare.
  if (data.targets) {
    const targets = data.targets;
    const targetTimes = data.times[targets.times];
    let targetMax = 0.01;
    targets.adjusted.concat(targets.base).forEach(function (values) {
      values.forEach(function (value) {
        if (value !== null && value > targetMax) targetMax = value;
      });
    });
    const share = valueOf(function (v) {
      return fmtPercent(v, 1);
    });
    strategies.forEach(function (id, k) {
      mountChart('targets-' + k, 160, function (options) {
        const adjusted = targets.adjusted[k];
        const base = targets.base[k];
        const color = colors.strategies[k];
        options.title = id;
        options.series = [
          timeSeries(),
          { label: 'base', stroke: withAlpha(color, 0.9), width: 1.25, dash: [5, 4], value: share },
          { label: 'risk-adjusted', stroke: color, width: 1.5, value: share },
        ];
        options.scales.y = {
          range: function () {
            return [0, targetMax * 1.08];
          },
        };
        options.axes = [xAxis(), yAxis(percentTicks)];
        options.hooks = {
          // Under the lines: drawAxes fires after the grid, before the series.
          drawAxes: [
            function (u) {
              const ctx = u.ctx;
              const x = targetTimes;
              const i0 = u.series[0].idxs ? u.series[0].idxs[0] : 0;
              const i1 = u.series[0].idxs ? u.series[0].idxs[1] : x.length - 1;
              ctx.save();
              ctx.beginPath();
              ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
              ctx.clip();
              ctx.fillStyle = withAlpha(color, 0.2);
              let from = -1;
              // One polygon per run of bars where both values exist.
              function close(to) {
                for (let i = to; i >= from; i--)
                  ctx.lineTo(u.valToPos(x[i], 'x', true), u.valToPos(base[i], 'y', true));
                ctx.closePath();
                ctx.fill();
                from = -1;
              }
              for (let i = i0; i <= i1; i++) {
                if (adjusted[i] === null || base[i] === null) {
                  if (from >= 0) close(i - 1);
                  continue;
                }
                const px = u.valToPos(x[i], 'x', true);
                const py = u.valToPos(adjusted[i], 'y', true);
                if (from < 0) {
                  ctx.beginPath();
                  ctx.moveTo(px, py);
                  from = i;
                } else ctx.lineTo(px, py);
              }
              if (from >= 0) close(i1);
              ctx.restore();
            },
          ],
        };
        return { options: options, data: [targetTimes, base, adjusted] };
      });
    });
  }

  mountChart('drift', 240, function (options) {
    const drift = data.drift;
    const threshold = data.rebalanceThreshold;
    options.series = [timeSeries()].concat(
      strategies.map(function (id, i) {
        return {
          label: id,
          stroke: colors.strategies[i],
          width: 1.25,
          value: valueOf(function (v) {
            return fmtPercent(v, 2);
          }),
        };
      }),
    );
    options.scales.y = {
      range: function (u, min, max) {
        const reach = threshold === null ? 0.01 : threshold * 1.35;
        const low = Math.min(min === null ? 0 : min, -reach);
        const high = Math.max(max === null ? 0 : max, reach);
        const pad = (high - low) * 0.04;
        return [low - pad, high + pad];
      },
    };
    options.axes = [xAxis(), yAxis(percentTicks)];
    options.hooks = {
      draw: [
        function (u) {
          if (threshold === null) return;
          const ctx = u.ctx;
          const ratio = uPlot.pxRatio;
          ctx.save();
          ctx.strokeStyle = colors.threshold;
          ctx.fillStyle = colors.threshold;
          ctx.lineWidth = 1.25 * ratio;
          ctx.setLineDash([6 * ratio, 4 * ratio]);
          ctx.font = '600 ' + 11 * ratio + 'px system-ui, sans-serif';
          ctx.textAlign = 'right';
          [threshold, -threshold].forEach(function (level) {
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
          });
          ctx.restore();
        },
      ],
    };
    return { options: options, data: [data.times[drift.times]].concat(drift.drift) };
  });

  const logToggle = document.getElementById('log-scale-toggle');
  if (logToggle && charts.equity) {
    logToggle.addEventListener('change', function () {
      logScale = logToggle.checked && data.equity.logScaleAvailable;
      const def = chartDefs.find(function (d) {
        return d.name === 'equity';
      });
      const x = charts.equity.scales.x;
      const range = { min: x.min, max: x.max };
      createChart(def);
      charts.equity.setScale('x', range);
    });
  }

  function resizeCharts() {
    chartDefs.forEach(function (def) {
      const chart = charts[def.name];
      if (chart) chart.setSize({ width: chartWidth(def.container), height: def.height });
    });
  }
  let resizePending = false;
  window.addEventListener('resize', function () {
    if (resizePending || printing) return;
    resizePending = true;
    requestAnimationFrame(function () {
      resizePending = false;
      resizeCharts();
    });
  });
  // A printed page is narrower than the screen: draw the charts at the page's width, then restore.
  window.addEventListener('beforeprint', function () {
    printing = true;
    resizeCharts();
  });
  window.addEventListener('afterprint', function () {
    printing = false;
    resizeCharts();
  });

  // ---------------------------------------------------------------- tables
  function cell(row, text, className) {
    const td = element('td', className || '', text);
    row.appendChild(td);
    return td;
  }

  function pagedTable(options) {
    const table = document.getElementById(options.tableId);
    const controls = document.querySelector('.table-controls[data-table="' + options.name + '"]');
    const printNote = document.querySelector('[data-print-note="' + options.name + '"]');
    if (!table || !controls) return null;
    const tbody = table.tBodies[0];
    const info = controls.querySelector('.pager-info');
    const pager = controls.querySelector('.pager');
    const state = { page: 0, rows: null, highlight: -1 };
    function count() {
      return state.rows ? state.rows.length : options.total;
    }
    function rowAt(position) {
      return state.rows ? state.rows[position] : position;
    }
    function pages() {
      return Math.max(1, Math.ceil(count() / options.pageSize));
    }
    const buttons = {};
    [
      ['first', '\u00ab', 'First page'],
      ['previous', '\u2039', 'Previous page'],
      ['next', '\u203a', 'Next page'],
      ['last', '\u00bb', 'Last page'],
    ].forEach(function (spec) {
      const button = element('button', '', spec[1]);
      button.type = 'button';
      button.title = spec[2];
      button.setAttribute('aria-label', spec[2]);
      button.dataset.action = spec[0];
      button.addEventListener('click', function () {
        const last = pages() - 1;
        const target = { first: 0, previous: state.page - 1, next: state.page + 1, last: last }[
          spec[0]
        ];
        state.page = Math.max(0, Math.min(last, target));
        state.highlight = -1;
        render();
      });
      buttons[spec[0]] = button;
      pager.appendChild(button);
    });
    function render() {
      const total = count();
      const from = state.page * options.pageSize;
      const to = Math.min(total, from + options.pageSize);
      const fragment = document.createDocumentFragment();
      for (let position = from; position < to; position++) {
        const index = rowAt(position);
        const row = options.renderRow(index);
        if (index === state.highlight) row.classList.add('flash');
        fragment.appendChild(row);
      }
      tbody.textContent = '';
      if (total === 0) {
        const empty = element('tr');
        const td = cell(empty, options.emptyText, 'muted');
        td.colSpan = table.tHead.rows[0].cells.length;
        fragment.appendChild(empty);
      }
      tbody.appendChild(fragment);
      info.textContent =
        total === 0
          ? 'No rows'
          : 'Rows ' + fmt(from + 1, 0) + '\u2013' + fmt(to, 0) + ' of ' + fmt(total, 0);
      buttons.first.disabled = buttons.previous.disabled = state.page === 0;
      buttons.next.disabled = buttons.last.disabled = state.page >= pages() - 1;
      if (printNote) {
        printNote.textContent =
          total > to - from
            ? 'Printed: rows ' +
              fmt(from + 1, 0) +
              '\u2013' +
              fmt(to, 0) +
              ' of ' +
              fmt(total, 0) +
              '; the report file holds every row.'
            : '';
      }
    }
    function show(index) {
      let position = index;
      if (state.rows) {
        position = state.rows.indexOf(index);
        if (position < 0) {
          state.rows = null;
          position = index;
        }
      }
      state.page = Math.floor(position / options.pageSize);
      state.highlight = index;
      render();
    }
    function filter(rows) {
      state.rows = rows;
      state.page = 0;
      state.highlight = -1;
      render();
    }
    render();
    return { render: render, show: show, filter: filter, state: state, table: table };
  }

  const rebalanceTable = pagedTable({
    name: 'rebalances',
    tableId: 'rebalances-table',
    total: rebalanceCount,
    pageSize: 25,
    emptyText: 'No rebalance in this run.',
    renderRow: function (i) {
      const row = element('tr');
      row.dataset.rebalance = String(i);
      const number = cell(row, fmt(i + 1, 0), 'num');
      number.title = 'Show its trades';
      number.style.cursor = 'pointer';
      number.addEventListener('click', function () {
        showTrades(i);
      });
      cell(row, fmtTime(rebalanceTimes[i]));
      const reasonCell = cell(row, '');
      const badge = element('span', 'reason', data.rebalanceReasons[rebalances.reason[i]] || '');
      badge.style.background = reasonColor[rebalances.reason[i]] || colors.frequency;
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

  const statusClass = function (status) {
    if (status === 0) return '';
    if (status === 1) return 'status-unfilled';
    if (status === 2) return 'status-netted';
    return 'status-skipped';
  };
  const tradeTable = pagedTable({
    name: 'trades',
    tableId: 'trades-table',
    total: tradeRowCount,
    pageSize: 50,
    emptyText: 'No trade rows.',
    renderRow: function (r) {
      const row = element('tr');
      const i = rowRebalance[r];
      const quantity = trades.quantity[r];
      const fillPrice = trades.fillPrice[r];
      const price = fillPrice !== null ? fillPrice : trades.referencePrice[r];
      cell(row, fmt(i + 1, 0), 'num');
      cell(row, fmtTime(rebalanceTimes[i]));
      const strategyCell = cell(row, '');
      const swatch = element('span', 'swatch');
      swatch.style.background = colors.strategies[trades.strategy[r]] || colors.frequency;
      strategyCell.appendChild(swatch);
      strategyCell.appendChild(element('span', 'mono', strategies[trades.strategy[r]]));
      cell(row, data.symbols[trades.symbol[r]], 'mono');
      cell(row, sideOf(quantity), quantity < 0 ? 'negative' : 'positive');
      cell(row, fmtQuantity(Math.abs(quantity)), 'num');
      cell(row, fmtPrice(trades.referencePrice[r]), 'num');
      cell(row, fmtPrice(fillPrice), 'num');
      cell(row, price === null ? DASH : fmt(Math.abs(quantity * price), 2), 'num');
      cell(row, fmt(trades.commission[r], 2), 'num');
      cell(row, fmt(trades.slippage[r], 2), 'num');
      // Reason codes read as words (and can wrap): below_min_trade_value -> below min trade value.
      const status = (data.statusLabels[trades.status[r]] || '').replace(/_/g, ' ');
      cell(row, status, 'status ' + statusClass(trades.status[r]));
      return row;
    },
  });

  const strategyFilter = document.getElementById('trades-strategy-filter');
  if (strategyFilter && tradeTable) {
    strategyFilter.addEventListener('change', function () {
      if (strategyFilter.value === '') return tradeTable.filter(null);
      const wanted = Number(strategyFilter.value);
      const rows = [];
      for (let r = 0; r < tradeRowCount; r++) if (trades.strategy[r] === wanted) rows.push(r);
      tradeTable.filter(rows);
    });
  }

  function showTrades(i) {
    if (!tradeTable || rowStart[i + 1] === rowStart[i]) return;
    if (strategyFilter) strategyFilter.value = '';
    tradeTable.filter(null);
    tradeTable.show(rowStart[i]);
    tradeTable.table.scrollIntoView({ block: 'nearest' });
  }
  function showRebalance(i) {
    if (!rebalanceTable) return;
    rebalanceTable.show(i);
    rebalanceTable.table.scrollIntoView({ block: 'center' });
  }

  // For readers who script the page, and for the report's own browser tests.
  window.njordReport = {
    data: data,
    charts: charts,
    tables: { rebalances: rebalanceTable, trades: tradeTable },
    showRebalance: showRebalance,
    ready: true,
  };
  document.documentElement.dataset.reportReady = 'true';
})();
