// The live dashboard: one self-contained page (uPlot, styles and script inlined; a CSP that
// refuses every other source) fed by /events.
import {
  CLIENT_JS,
  SCRIPT_HASHES,
  UPLOT_CSS,
  UPLOT_JS,
  UPLOT_VERSION,
} from './generated/assets.js';

const META_CSP = [
  "default-src 'none'",
  `script-src ${SCRIPT_HASHES.map((hash) => `'${hash}'`).join(' ')}`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The response header's policy: the page's own, plus no framing (a header-only directive). */
export const DASHBOARD_CSP = `${META_CSP}; frame-ancestors 'none'`;

const STYLES = `
:root { color-scheme: light dark; --fg:#1d2330; --muted:#667085; --bg:#f7f8fa; --card:#fff; --line:#e3e6eb; --bad:#c0392b; --ok:#1e8449; --warn:#b9770e; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e8eb; --muted:#9aa3af; --bg:#14171c; --card:#1c2027; --line:#2c313a; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:12px 24px; align-items:baseline; padding:12px 20px; border-bottom:1px solid var(--line); background:var(--card); }
header h1 { font-size:18px; margin:0; }
.pill { padding:2px 8px; border-radius:10px; border:1px solid var(--line); font-size:12px; }
.pill.ok { color:var(--ok); border-color:var(--ok); } .pill.bad { color:var(--bad); border-color:var(--bad); } .pill.warn { color:var(--warn); border-color:var(--warn); }
main { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:16px; padding:16px 20px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; overflow-x:auto; }
#sleeves-card { grid-column:1 / -1; }
section h2 { font-size:14px; margin:0 0 8px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.04em; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { text-align:right; padding:3px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
th:first-child, td:first-child { text-align:left; }
td.over { color:var(--bad); font-weight:600; }
.bar { position:relative; height:18px; background:transparent; min-width:160px; }
.bar .band { position:absolute; top:3px; height:12px; background:rgba(90,130,200,.18); border-left:1px solid rgba(90,130,200,.6); border-right:1px solid rgba(90,130,200,.6); }
.bar .target { position:absolute; top:0; height:18px; width:2px; background:#5a82c8; }
.bar .cap { position:absolute; top:6px; height:6px; width:10px; margin-left:-5px; border-radius:3px; background:var(--fg); }
.muted { color:var(--muted); }
#conn { font-size:12px; }
button { font:inherit; font-size:12px; padding:2px 10px; border-radius:6px; border:1px solid var(--line); background:var(--card); color:var(--fg); cursor:pointer; }
button.stop { color:var(--bad); border-color:var(--bad); } button.go { color:var(--ok); border-color:var(--ok); }
button.armed { color:#fff; background:var(--bad); border-color:var(--bad); }
button:disabled { opacity:.5; cursor:default; }
#command-status.bad { color:var(--bad); }
tr.paused td { opacity:.7; }
footer { padding:8px 20px 16px; color:var(--muted); font-size:12px; }
`;

export interface DashboardOptions {
  readonly portfolioId: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderDashboard(options: DashboardOptions): string {
  const id = escapeHtml(options.portfolioId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${META_CSP}">
<title>njord: ${id}</title>
<style>${UPLOT_CSS}</style>
<style>${STYLES}</style>
</head>
<body>
<header>
  <h1>Portfolio <span id="portfolio">${id}</span></h1>
  <span>equity <strong id="equity">&#8212;</strong></span>
  <span id="ready" class="pill">starting</span>
  <span id="halted" class="pill">&#8212;</span>
  <button type="button" id="halt-toggle" disabled>Halt portfolio</button>
  <span id="command-status" class="muted" role="status"></span>
  <span>lock <span id="lock" class="pill">&#8212;</span></span>
  <span>pending <span id="pending">&#8212;</span></span>
  <span id="conn" class="muted">connecting</span>
</header>
<main>
  <section id="sleeves-card"><h2>Sleeves: capital against target and band</h2>
    <table id="sleeves"><thead><tr><th>strategy</th><th>capital</th><th>target</th><th>drift</th><th>threshold</th><th>band</th><th>state</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Equity since start</h2><div id="equity-chart"></div></section>
  <section><h2>Last plans</h2>
    <table id="plans"><thead><tr><th>time</th><th>reason</th><th>trades</th><th>skipped</th><th>notional</th><th>est. costs</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Counters</h2>
    <table id="counters"><thead><tr><th>counter</th><th>value</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Dead letters by reason</h2>
    <table id="dead"><thead><tr><th>stream</th><th>reason</th><th>count</th></tr></thead><tbody></tbody></table>
    <table id="dead-recent"><thead><tr><th>entry</th><th>reason</th><th>message</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Breakers</h2><table id="breakers"><thead><tr><th>time</th><th>kind</th><th>strategy</th><th>detail</th></tr></thead><tbody></tbody></table></section>
</main>
<footer>Live from /events; no request leaves this server. Charts by uPlot ${escapeHtml(UPLOT_VERSION)}.</footer>
<script>${UPLOT_JS}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
