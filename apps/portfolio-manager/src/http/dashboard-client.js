// Browser script of the live dashboard: listens to /events and redraws the page on each event.
// Inlined verbatim at build time (scripts/generate-assets.mjs); values are written with
// textContent, never as HTML.
/* global window, document, uPlot, EventSource, HTMLButtonElement */
(function () {
  'use strict';
  const DASH = '\u2014';
  const money = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  const pct = (x) => (x === null || x === undefined ? DASH : (x * 100).toFixed(2) + '%');
  const fmt = (x) => (typeof x === 'number' && isFinite(x) ? money.format(x) : DASH);
  const time = (ms) =>
    typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : DASH;
  const $ = (id) => document.getElementById(id);

  const state = { history: [], plans: [], deadRecent: [], breakers: [], chart: null, fills: 0 };
  window.njordDashboard = state;

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }
  function clear(tbody) {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
  }
  function pill(el, text, kind) {
    el.textContent = text;
    el.className = 'pill ' + (kind || '');
  }

  function bandBar(capital, target, threshold, scale) {
    const bar = document.createElement('div');
    bar.className = 'bar';
    const pos = (x) => Math.max(0, Math.min(100, (x / scale) * 100)) + '%';
    const band = document.createElement('div');
    band.className = 'band';
    band.style.left = pos(target * (1 - threshold));
    band.style.width =
      'calc(' + pos(target * (1 + threshold)) + ' - ' + pos(target * (1 - threshold)) + ')';
    const mark = document.createElement('div');
    mark.className = 'target';
    mark.style.left = pos(target);
    const cap = document.createElement('div');
    cap.className = 'cap';
    cap.style.left = pos(capital);
    bar.appendChild(band);
    bar.appendChild(mark);
    bar.appendChild(cap);
    return bar;
  }

  // Rows are kept per strategy and updated in place, so a click never lands on a replaced row.
  const sleeveRows = new Map();

  function sleeveRow(tbody, id) {
    let entry = sleeveRows.get(id);
    if (entry) return entry;
    const row = document.createElement('tr');
    row.dataset.strategy = id;
    cell(row, id);
    entry = {
      row: row,
      capital: cell(row, ''),
      target: cell(row, ''),
      drift: cell(row, ''),
      threshold: cell(row, ''),
      band: cell(row, ''),
      state: cell(row, ''),
      button: document.createElement('button'),
    };
    entry.capital.dataset.field = 'capital';
    entry.state.dataset.field = 'state';
    entry.button.type = 'button';
    entry.button.dataset.strategy = id;
    entry.button.dataset.field = 'toggle';
    cell(row, '').appendChild(entry.button);
    sleeveRows.set(id, entry);
    tbody.appendChild(row);
    return entry;
  }

  function renderSleeves(status) {
    const tbody = $('sleeves').tBodies[0];
    const snap = status.snapshot;
    if (!snap) return;
    const threshold = status.rebalance_threshold;
    const paused = new Set(status.paused || []);
    const ids = Object.keys(snap.target_allocations);
    for (const id of Object.keys(snap.strategy_allocations)) if (ids.indexOf(id) < 0) ids.push(id);
    let scale = 0;
    for (const id of ids) {
      const c = snap.strategy_allocations[id] || 0;
      const t = snap.target_allocations[id] || 0;
      scale = Math.max(scale, c, t * (1 + threshold));
    }
    scale = scale > 0 ? scale * 1.05 : 1;
    for (const [id, entry] of sleeveRows) {
      if (ids.indexOf(id) < 0) {
        entry.row.remove();
        sleeveRows.delete(id);
      }
    }
    for (const id of ids) {
      const c = snap.strategy_allocations[id] || 0;
      const t = snap.target_allocations[id] || 0;
      const d = snap.drift_from_target[id];
      const entry = sleeveRow(tbody, id);
      entry.capital.textContent = fmt(c);
      entry.target.textContent = fmt(t);
      entry.drift.textContent = pct(d);
      entry.drift.className = typeof d === 'number' && Math.abs(d) > threshold ? 'over' : '';
      entry.threshold.textContent = '\u00b1' + pct(threshold);
      entry.band.replaceChildren(bandBar(c, t, threshold, scale));
      const isPaused = paused.has(id);
      entry.state.textContent = isPaused ? 'paused' : 'active';
      entry.state.className = isPaused ? 'over' : '';
      entry.row.classList.toggle('paused', isPaused);
      setButton(entry.button, isPaused ? 'resume' : 'halt', id, isPaused ? 'Resume' : 'Pause');
    }
  }

  // --- halt, resume, pause: a first click arms the button, a second within a few seconds sends.
  const ARM_MS = 4000;
  let armed = null;

  function setButton(button, command, strategy, label) {
    const key = command + ' ' + (strategy || '');
    button.dataset.command = command;
    const isArmed = armed !== null && armed.key === key && Date.now() < armed.until;
    button.textContent = isArmed ? 'Confirm ' + label.toLowerCase() : label;
    button.className = isArmed ? 'armed' : command === 'halt' ? 'stop' : 'go';
    button.disabled = state.sending === key;
  }

  function redrawButtons() {
    if (state.status) {
      renderHeader(state.status);
      renderSleeves(state.status);
    }
  }

  function commandStatus(text, kind) {
    const el = $('command-status');
    el.textContent = text;
    el.className = kind || 'muted';
  }

  function sendCommand(command, strategy) {
    const key = command + ' ' + (strategy || '');
    const what = command + (strategy ? ' ' + strategy : '');
    state.sending = key;
    redrawButtons();
    commandStatus('sending ' + what + '\u2026');
    fetch('api/' + command, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-njord-command': command },
      body: JSON.stringify(strategy ? { strategy_id: strategy } : {}),
    })
      .then((response) =>
        response
          .json()
          .catch(() => ({ error: 'HTTP ' + response.status }))
          .then((body) => ({ ok: response.ok, status: response.status, body: body })),
      )
      .then((result) => {
        if (result.ok) {
          state.commands = (state.commands || 0) + 1;
          commandStatus(what + ' sent (' + result.body.entry_id + '); the manager applies it next');
        } else {
          const reason = result.status === 401 ? 'the token is required' : result.body.error;
          commandStatus(what + ' refused: ' + reason, 'bad');
        }
      })
      .catch((error) => commandStatus(what + ' failed: ' + error.message, 'bad'))
      .then(() => {
        state.sending = null;
        redrawButtons();
      });
  }

  document.addEventListener('click', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLButtonElement) || !target.dataset.command) return;
    const command = target.dataset.command;
    const strategy = target.dataset.strategy || null;
    const key = command + ' ' + (strategy || '');
    if (armed !== null && armed.key === key && Date.now() < armed.until) {
      armed = null;
      sendCommand(command, strategy);
      return;
    }
    armed = { key: key, until: Date.now() + ARM_MS };
    redrawButtons();
    setTimeout(redrawButtons, ARM_MS + 50);
  });

  function renderHeader(status) {
    const snap = status.snapshot;
    $('equity').textContent = snap ? fmt(snap.total_equity) : DASH;
    pill($('ready'), status.ready ? 'ready' : 'not ready', status.ready ? 'ok' : 'bad');
    pill($('halted'), status.halted ? 'HALTED' : 'trading', status.halted ? 'bad' : 'ok');
    setButton(
      $('halt-toggle'),
      status.halted ? 'resume' : 'halt',
      null,
      status.halted ? 'Resume portfolio' : 'Halt portfolio',
    );
    const holder = status.lock.holder;
    pill(
      $('lock'),
      (status.lock.held ? 'held here' : 'not held') + (holder ? ' (' + holder + ')' : ''),
      status.lock.held ? 'ok' : 'warn',
    );
    const p = status.pending || {};
    $('pending').textContent =
      'fills ' +
      (p.fills === null || p.fills === undefined ? DASH : p.fills) +
      ', prices ' +
      (p.prices === null || p.prices === undefined ? DASH : p.prices);
  }

  function renderCounters(status) {
    const tbody = $('counters').tBodies[0];
    clear(tbody);
    for (const [name, value] of Object.entries(status.counters)) {
      const row = document.createElement('tr');
      row.dataset.counter = name;
      cell(row, name.replace(/_/g, ' '));
      cell(row, String(value));
      tbody.appendChild(row);
    }
    state.fills = status.counters.fills_applied;
  }

  function renderDead(status) {
    const tbody = $('dead').tBodies[0];
    clear(tbody);
    for (const d of status.dead_letters) {
      const row = document.createElement('tr');
      cell(row, d.source);
      cell(row, d.reason);
      cell(row, String(d.count));
      tbody.appendChild(row);
    }
    const recent = $('dead-recent').tBodies[0];
    clear(recent);
    for (const d of state.deadRecent.slice(-10).reverse()) {
      const row = document.createElement('tr');
      cell(row, d.source + ' ' + d.entry_id);
      cell(row, d.reason);
      cell(row, d.error);
      recent.appendChild(row);
    }
  }

  function renderPlans() {
    const tbody = $('plans').tBodies[0];
    clear(tbody);
    for (const plan of state.plans.slice(-15).reverse()) {
      const row = document.createElement('tr');
      cell(row, time(plan.timestamp_ms));
      cell(row, plan.reason);
      cell(row, String(plan.trades));
      cell(row, String(plan.skipped));
      cell(row, fmt(plan.traded_notional));
      cell(row, fmt(plan.estimated_costs));
      tbody.appendChild(row);
    }
  }

  function renderBreakers() {
    const tbody = $('breakers').tBodies[0];
    clear(tbody);
    for (const b of state.breakers.slice(-10).reverse()) {
      const row = document.createElement('tr');
      cell(row, time(b.at_ms));
      cell(row, b.kind);
      cell(row, b.strategy_id || DASH);
      cell(row, b.detail);
      tbody.appendChild(row);
    }
  }

  function renderChart() {
    const el = $('equity-chart');
    const xs = state.history.map((p) => p[0] / 1000);
    const ys = state.history.map((p) => p[1]);
    if (typeof uPlot === 'undefined') return;
    const width = Math.max(300, el.clientWidth || 400);
    if (!state.chart) {
      state.chart = new uPlot(
        {
          width: width,
          height: 220,
          scales: { x: { time: true } },
          series: [{}, { label: 'equity', stroke: '#5a82c8', width: 2 }],
          axes: [{}, { size: 80 }],
          legend: { show: true },
        },
        [xs, ys],
        el,
      );
    } else {
      state.chart.setData([xs, ys]);
    }
  }

  function onStatus(status) {
    state.status = status;
    renderHeader(status);
    renderSleeves(status);
    renderCounters(status);
    renderDead(status);
  }

  const source = new EventSource('events');
  source.addEventListener('open', () => {
    $('conn').textContent = 'live';
  });
  source.addEventListener('error', () => {
    $('conn').textContent = 'reconnecting';
  });
  source.addEventListener('snapshot', (event) => {
    const data = JSON.parse(event.data);
    if (data.history) {
      // A (re)connection: the server sends everything the page needs.
      state.history = data.history.slice();
      state.plans = data.plans.slice();
      state.deadRecent = data.dead_recent.slice();
      renderPlans();
    } else if (data.point) {
      const last = state.history[state.history.length - 1];
      if (!last || last[0] !== data.point[0] || last[1] !== data.point[1])
        state.history.push(data.point);
    }
    onStatus(data);
    renderChart();
    state.updates = (state.updates || 0) + 1;
  });
  source.addEventListener('plan', (event) => {
    state.plans.push(JSON.parse(event.data));
    if (state.plans.length > 50) state.plans.shift();
    renderPlans();
  });
  source.addEventListener('dead_letter', (event) => {
    state.deadRecent.push(JSON.parse(event.data));
    if (state.deadRecent.length > 50) state.deadRecent.shift();
    if (state.status) renderDead(state.status);
  });
  source.addEventListener('breaker', (event) => {
    state.breakers.push(JSON.parse(event.data));
    renderBreakers();
  });
})();
