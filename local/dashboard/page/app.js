// The dashboard page: polls /api/state once a second and draws it with uPlot (loaded by index.html, global `uPlot`).
// Plain ES module, no build step. The state's shape: local/dashboard/state.ts (DashboardState).

const REFRESH_MS = 1000;
const COLORS = ['#1d2330', '#2f6fde', '#e07b00', '#1a9e55', '#b3261e', '#7a3fd1'];
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const clock = (ms) => new Date(ms).toISOString().slice(11, 19);
const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));

let selected = new URLSearchParams(location.search);
let throughputChart;
let minutesChart;
let minutesKey = '';

// Event times are UTC (the views' minute buckets): both charts show UTC.
const utc = (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');

function chartWidth(el) {
  return Math.max(320, el.clientWidth - 8);
}

function drawThroughput(tp) {
  const el = document.getElementById('throughput-chart');
  const data = [tp.t, tp.produced, tp.archived];
  if (!throughputChart) {
    throughputChart = new uPlot(
      {
        width: chartWidth(el),
        height: 200,
        series: [
          {},
          { label: 'produced /s', stroke: COLORS[1], width: 2 },
          { label: 'archived /s', stroke: COLORS[2], width: 2 },
        ],
        axes: [{}, { label: 'records/s' }],
        tzDate: utc,
      },
      data,
      el,
    );
  } else throughputChart.setData(data);
}

const minuteTime = (m) => Date.parse(`${m}:00Z`) / 1000;

function drawMinutes(ms) {
  const el = document.getElementById('minutes-chart');
  const series = [ms.reference, ...ms.views];
  const key = series.map((s) => s.name).join(',');
  const data = [ms.minutes.map(minuteTime), ...series.map((s) => s.counts)];
  if (!minutesChart || key !== minutesKey) {
    minutesChart?.destroy();
    minutesKey = key;
    minutesChart = new uPlot(
      {
        width: chartWidth(el),
        height: 240,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: i === 0 ? 3 : 1.5,
            dash: i === 0 ? [6, 4] : undefined,
            points: { show: true, size: 4 },
          })),
        ],
        axes: [{}, { label: 'events per minute' }],
        scales: { x: { time: true } },
        tzDate: utc,
      },
      data,
      el,
    );
  } else minutesChart.setData(data);
  const table = $('minutes-table');
  table.tHead.innerHTML = `<tr><th>minute (UTC)</th>${series.map((s) => `<th>${esc(s.name)}</th>`).join('')}</tr>`;
  table.tBodies[0].innerHTML = ms.minutes
    .map((m, i) => {
      const ref = ms.reference.counts[i];
      const cells = series.map((s, j) => {
        const v = s.counts[i];
        const off = j > 0 && v !== null && v !== ref;
        return `<td${off ? ' class="diff"' : ''}>${fmt(v)}</td>`;
      });
      return `<tr><td>${m}</td>${cells.join('')}</tr>`;
    })
    .join('');
  $('minute-totals').textContent = series.map((s) => `${s.name} ${fmt(s.total)}`).join(' · ');
}

function drawChoices(state) {
  const sel = $('content');
  const current = state.minutes ? `${state.minutes.contentId}|${state.minutes.type}` : '';
  const options = state.choices.map((c) => `${c.contentId}|${c.type}`);
  if (sel.dataset.options !== options.join(',')) {
    sel.innerHTML = state.choices
      .map(
        (c) =>
          `<option value="${esc(`${c.contentId}|${c.type}`)}">${esc(c.contentId)} (${esc(c.type)}, ${fmt(c.count)} events)</option>`,
      )
      .join('');
    sel.dataset.options = options.join(',');
  }
  sel.value = current;
}

function drawLag(lag, errors) {
  // A source that failed since its last reading: show that reading as such (the error is listed below).
  const stale = (name, atMs) =>
    errors.some((e) => e.startsWith(`${name}:`)) && atMs ? ` · last read ${clock(atMs)} UTC` : '';
  const absent = (name) =>
    errors.some((e) => e.startsWith(`${name}:`)) ? 'not read yet' : 'not in this run';
  const esm = lag.esm;
  $('esm-lag').textContent = esm ? `${fmt(esm.recordsBehind)} records` : absent('esm lag');
  $('esm-age').textContent = esm
    ? `iterator age ${fmt(Math.max(0, ...esm.shards.map((s) => s.iteratorAgeMs)))} ms over ${esm.shards.length} shard(s)${stale('esm lag', lag.esmAtMs)}`
    : '';
  const f = lag.flink;
  $('flink-lag').textContent = f
    ? f.recordsBehind === undefined
      ? 'unknown'
      : `${fmt(f.recordsBehind)} records`
    : absent('flink lag');
  $('flink-state').textContent = f
    ? `${f.state}, source read ${fmt(f.sourceRead)}${f.note ? ` · ${f.note}` : ''}${stale('flink lag', lag.flinkAtMs)}`
    : '';
}

function drawDeadLetters(dls) {
  const rows = [];
  for (const d of dls) {
    const reasons = Object.entries(d.reasons).sort((a, b) => b[1] - a[1]);
    for (const [reason, n] of reasons)
      rows.push(`<tr><td>${esc(d.destination)}</td><td>${esc(reason)}</td><td>${fmt(n)}</td></tr>`);
    const held = d.held === undefined ? '' : ` (the queue holds ${fmt(d.held)})`;
    rows.push(
      `<tr class="total"><td>${esc(d.destination)}</td><td>total${held}</td><td>${fmt(d.total)}</td></tr>`,
    );
  }
  $('dead-letters').tBodies[0].innerHTML =
    rows.join('') || '<tr><td colspan="3">no dead-letter destination in this run</td></tr>';
}

function draw(state) {
  $('architecture').textContent = `${state.architecture} architecture · speed engine: ${state.speedEngine}`;
  $('phase').textContent = state.phase;
  $('status').textContent = `live, updated ${clock(state.atMs)} UTC`;
  const tp = state.throughput;
  const last = (xs) => xs[xs.length - 1];
  $('produced-total').textContent = fmt(tp.totals.produced);
  $('produced-rate').textContent = fmt(last(tp.produced));
  $('archived-total').textContent = tp.totals.archived === null ? 'no archive' : fmt(tp.totals.archived);
  $('archived-rate').textContent = fmt(last(tp.archived));
  drawLag(state.lag, state.errors);
  drawThroughput(tp);
  drawChoices(state);
  if (state.minutes) drawMinutes(state.minutes);
  drawDeadLetters(state.deadLetters);
  $('components').innerHTML = Object.entries(state.components)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  $('sample-ms').textContent = fmt(state.sampleMs);
  $('errors').innerHTML = state.errors.map((e) => `<li>${esc(e)}</li>`).join('');
}

async function refresh(again = true) {
  try {
    const res = await fetch(`/api/state?${selected}`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    draw(await res.json());
  } catch (e) {
    // The run has ended (or the server is busy): keep the last picture, say so.
    $('status').textContent = `not connected (${e.message}); showing the last state`;
  } finally {
    if (again) setTimeout(refresh, REFRESH_MS);
  }
}

$('content').addEventListener('change', (ev) => {
  const [contentId, type] = ev.target.value.split('|');
  selected = new URLSearchParams({ contentId, type });
  history.replaceState(null, '', `?${selected}`);
  refresh(false);
});

refresh();
