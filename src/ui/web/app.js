// pinpipe dashboard: dependency-free, hash-routed (#/page?state), every view's state in the URL.
// Data comes from /ui/api/*; one EventSource per tab (/ui/api/events) carries live metrics and,
// on the messages page, the live tail.
'use strict';

const main = document.getElementById('main');
let session = { csrf: '' };
let timers = [];
let feed = null, feedTopic = null;
const listeners = { metrics: [], records: [] };

// ---------- helpers ----------
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(Infinity)) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
// Live values (rates, times, batch counts, run ids, charts of live series) carry data-volatile:
// the pinned-screenshot test blanks and masks them, and compares everything else.
const vol = (x, tag) => el(tag || 'span', { 'data-volatile': true }, x);
const svgEl = (tag, attrs) => { const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); return e; };
const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
function fmt(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (unit === 'bytes') return fmtBytes(v);
  if (unit === 'ms') return nf.format(v < 10 ? Math.round(v * 100) / 100 : Math.round(v));
  return Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(2) + ' M' : nf.format(v);
}
function fmtBytes(n) {
  if (n === null || n === undefined) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0;
  while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}
function fmtTime(ms) { return ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–'; }
function fmtAgo(ms) {
  if (!(ms > 0)) return 'never';
  const s = Math.max(0, (Date.now() - ms) / 1000);
  return s < 60 ? Math.round(s) + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}
function fmtDur(us) { return us > 0 ? (us / 1e6 < 60 ? (us / 1e6).toFixed(1) + ' s' : (us / 6e7).toFixed(1) + ' min') : '–'; }

async function api(path, opts) {
  const r = await fetch('/ui/api/' + path, Object.assign({ credentials: 'same-origin' }, opts || {}));
  let body = {};
  try { body = await r.json(); } catch (e) { body = {}; }
  if (!r.ok) throw new Error(body.message || ('HTTP ' + r.status));
  return body;
}
// The session (its CSRF token) is fetched alongside the first page's data; a POST waits for it.
let sessionReady = Promise.resolve();
const post = async (path, body) => { await sessionReady; return api(path, { method: 'POST', body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf } }); };

function parseRoute() {
  const h = location.hash.replace(/^#\/?/, '');
  const [page, q] = h.split('?');
  return { page: page || 'overview', params: new URLSearchParams(q || '') };
}
// Replaces the view's state in the URL without re-rendering.
function setState(params) {
  const { page } = parseRoute();
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  history.replaceState(null, '', '#/' + page + (s ? '?' + s : ''));
}
const link = (page, params, text) => el('a', { href: '#/' + page + (params ? '?' + new URLSearchParams(params) : '') }, text);
function every(ms, fn) { timers.push(setInterval(fn, ms)); }
function showError(where, e) { where.replaceChildren(el('p', { class: 'error', role: 'alert' }, String(e.message || e))); }

// A sortable table: cols = [{key, label, num, fmt(row) -> node|string, sort(row) -> value}].
function table(cols, rows, opts) {
  opts = opts || {};
  let sortKey = opts.sort || null, dir = opts.dir || 1;
  const t = el('table', { class: opts.class || '' });
  const render = () => {
    const sorted = rows.slice();
    if (sortKey) {
      const c = cols.find(c => c.key === sortKey);
      const val = c.sort || (r => r[c.key]);
      sorted.sort((a, b) => { const x = val(a), y = val(b); return (x > y ? 1 : x < y ? -1 : 0) * dir; });
    }
    const head = el('tr', {}, cols.map(c => el('th', { class: (c.num ? 'num ' : '') + 'sortable', scope: 'col',
      'aria-sort': c.key === sortKey ? (dir > 0 ? 'ascending' : 'descending') : null,
      onclick: () => { if (sortKey === c.key) dir = -dir; else { sortKey = c.key; dir = c.num ? -1 : 1; } render(); } },
      c.label)));
    const body = sorted.map(r => el('tr', { class: opts.onrow ? 'clickable' : '', onclick: opts.onrow ? () => opts.onrow(r) : null },
      cols.map(c => el('td', { class: c.num ? 'num' : '' }, c.fmt ? c.fmt(r) : (r[c.key] ?? '')))));
    t.replaceChildren(el('thead', {}, head), el('tbody', {}, body.length ? body : el('tr', {}, el('td', { colspan: cols.length, class: 'muted' }, opts.empty || 'Nothing yet.'))));
  };
  render();
  return t;
}

// ---------- charts (SVG) ----------
function points(values, w, h) {
  const finite = values.filter(v => v !== null && Number.isFinite(v));
  const max = Math.max(1e-9, ...finite), min = Math.min(0, ...finite);
  const segs = []; let cur = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) { if (cur.length) segs.push(cur); cur = []; return; }
    const x = values.length > 1 ? (i / (values.length - 1)) * w : w;
    const y = h - ((v - min) / (max - min || 1)) * (h - 2) - 1;
    cur.push(x.toFixed(1) + ',' + y.toFixed(1));
  });
  if (cur.length) segs.push(cur);
  return { segs, max, min };
}
function sparkline(values) {
  const s = svgEl('svg', { class: 'spark', viewBox: '0 0 100 30', preserveAspectRatio: 'none', role: 'img', 'aria-label': 'trend', 'data-volatile': '' });
  for (const seg of points(values || [], 100, 30).segs) s.append(svgEl('polyline', { points: seg.length === 1 ? seg[0] + ' ' + seg[0] : seg.join(' ') }));
  return s;
}
function lineChart(series, unit) {
  const W = 600, H = 160;
  const s = svgEl('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': series.name, 'data-volatile': '' });
  const { segs, max } = points(series.values || [], W, H - 14);
  s.append(svgEl('line', { x1: 0, y1: H - 14, x2: W, y2: H - 14 }));
  for (const seg of segs) s.append(svgEl('polyline', { points: seg.join(' ') }));
  const t1 = svgEl('text', { x: 4, y: 12 }); t1.textContent = 'max ' + fmt(max, unit); s.append(t1);
  const n = (series.values || []).length, secs = n * (series.step || 1);
  const t2 = svgEl('text', { x: 4, y: H - 2 }); t2.textContent = n ? `last ${secs >= 3600 ? (secs / 3600).toFixed(1) + ' h' : Math.round(secs / 60) + ' min'}` : 'no data yet'; s.append(t2);
  return s;
}
// A Gantt chart of one DAG run: a row per task, a bar from its start to its end (now while
// it runs), coloured by state; times relative to the run's start. Pending tasks get no bar.
const ganttTime = us => us < 1e6 ? Math.round(us / 1000) + ' ms' : fmtDur(us);
function gantt(run) {
  const W = 1000, label = 170, row = 22, top = 18;
  const now = Date.now() * 1000;
  const t0 = run.start_us;
  const endOf = t => t.duration_us > 0 ? t.start_us + t.duration_us : (t.state === 'running' ? now : t.start_us);
  const t1 = Math.max(run.end_us || now, ...run.tasks.filter(t => t.start_us > 0).map(endOf), t0 + 1);
  const span = t1 - t0, scale = (W - label - 10) / span;
  const H = top + row * run.tasks.length + 4;
  const s = svgEl('svg', { class: 'gantt', id: 'dag-gantt', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `Task durations of ${run.dag_id} ${run.run_id}`, 'data-volatile': '' });
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const x = label + f * (W - label - 10);
    s.append(svgEl('line', { x1: x, y1: top - 4, x2: x, y2: H }));
    const tx = svgEl('text', { x, y: 11, 'text-anchor': f === 1 ? 'end' : f === 0 ? 'start' : 'middle' });
    tx.textContent = ganttTime(f * span); s.append(tx);
  }
  run.tasks.forEach((t, i) => {
    const y = top + i * row;
    const name = svgEl('text', { x: 0, y: y + 15 }); name.textContent = t.task_id; s.append(name);
    if (!(t.start_us > 0)) return;
    const x = label + (t.start_us - t0) * scale, w = Math.max(2, (endOf(t) - t.start_us) * scale);
    const bar = svgEl('rect', { class: 'bar ' + t.state, x: x.toFixed(1), y: y + 3, width: w.toFixed(1), height: row - 6, rx: 3 });
    const tip = svgEl('title'); tip.textContent = `${t.task_id}: ${t.state}, ${ganttTime(endOf(t) - t.start_us)}`;
    bar.append(tip); s.append(bar);
  });
  return s;
}

// Top-N horizontal bars (sorted), the full table beside.
function bars(rows, label, value, n) {
  const top = rows.slice().sort((a, b) => value(b) - value(a)).slice(0, n);
  const max = Math.max(1e-9, ...top.map(value));
  return el('div', { class: 'bars' }, top.map(r => [el('div', { class: 'k', title: label(r) }, label(r)),
    el('div', {}, el('div', { class: 'bar', style: `width:${(100 * value(r) / max).toFixed(1)}%` })),
    el('div', { class: 'v' }, fmt(value(r)))]));
}

// ---------- live feed (one EventSource per tab) ----------
function openFeed(topic) {
  if (feed && feedTopic === (topic || null)) return;
  if (feed) feed.close();
  feedTopic = topic || null;
  feed = new EventSource('/ui/api/events' + (topic ? '?topic=' + encodeURIComponent(topic) : ''));
  // Each answer of the feed ends and EventSource reconnects (an 'error' event every time):
  // the dot shows whether an event arrived in the last 20 s instead.
  for (const kind of ['metrics', 'records']) {
    feed.addEventListener(kind, ev => { feedSeen = Date.now(); let d; try { d = JSON.parse(ev.data); } catch (e) { return; } listeners[kind].forEach(f => f(d)); });
  }
}
let feedSeen = 0;
setInterval(() => document.getElementById('live').classList.toggle('on', Date.now() - feedSeen < 20000), 1000);

// ---------- payload rendering ----------
function payloadText(p) {
  if (p === null) return 'null';
  if (p.text === undefined) return '0x' + p.hex;
  return p.text;
}
function payloadView(p, mode) {
  if (p === null) return el('pre', {}, 'null');
  if (mode === 'hex' || p.text === undefined) return el('pre', {}, p.hex.replace(/(..)/g, '$1 ').replace(/((?:.. ){16})/g, '$1\n') + (p.size * 2 > p.hex.length ? '…' : ''));
  if (p.json) { try { return el('pre', {}, JSON.stringify(JSON.parse(p.text), null, 2)); } catch (e) { /* fall through */ } }
  return el('pre', {}, p.text);
}

// ---------- pages ----------
const pages = {};

pages.overview = async (root) => {
  const cards = el('div', { class: 'cards' }), extra = el('div');
  root.append(el('h1', {}, 'Overview'), cards, extra);
  const valueEls = {};
  const load = async () => {
    const o = await api('overview');
    cards.replaceChildren(...o.cards.map(c => {
      const v = el('span', { class: 'value', 'data-volatile': true }, fmt(c.value, c.unit));
      valueEls[c.key] = { v, unit: c.unit };
      return el('div', { class: 'card ' + c.state, 'data-key': c.key }, el('div', { class: 'label' }, c.label),
        el('div', {}, v, el('span', { class: 'unit' }, c.unit === 'bytes' ? '' : c.unit)), sparkline(c.series.values));
    }));
    extra.replaceChildren(
      el('p', { class: 'muted' }, `${o.topics} topics, ${o.partitions} partitions · up since `, vol(fmtTime(o.started_ms))),
      el('h2', {}, 'Consumer group lag'),
      table([{ key: 'group', label: 'Group', fmt: r => link('groups', { group: r.group }, r.group) },
             { key: 'lag', label: 'Lag (records)', num: true, fmt: r => fmt(r.lag) },
             { key: 'trend', label: 'Last 5 min', fmt: r => sparkline(r.series.values) }], o.groups, { empty: 'No consumer groups.' }),
      el('h2', {}, 'Last DAG run'),
      o.last_run ? el('p', {}, link('dags', { dag: o.last_run.dag_id }, o.last_run.dag_id), ' ', vol(o.last_run.run_id), ' ',
        el('span', { class: 'state ' + o.last_run.state }, o.last_run.state), ' ', vol(fmtTime(o.last_run.start_us / 1000)))
        : el('p', { class: 'muted' }, 'No run yet.'));
  };
  await load();
  every(5000, load);
  listeners.metrics.push(d => { for (const [k, x] of Object.entries(valueEls)) if (k in d.values) x.v.textContent = fmt(d.values[k], x.unit); });
};

pages.topics = async (root, params) => {
  const sel = params.get('topic') || '';
  const d = await api('topics');
  root.append(el('h1', {}, 'Topics'));
  root.append(table([
    { key: 'name', label: 'Topic', fmt: r => link('topics', { topic: r.name }, r.name) },
    { key: 'partition_count', label: 'Partitions', num: true },
    { key: 'records', label: 'Records', num: true, fmt: r => fmt(r.records) },
    { key: 'size_bytes', label: 'Size', num: true, fmt: r => fmtBytes(r.size_bytes) },
    { key: 'records_per_s', label: 'Records/s', num: true, fmt: r => vol(fmt(r.records_per_s)) },
    { key: 'last_produced_ms', label: 'Last produced', fmt: r => vol(fmtAgo(r.last_produced_ms)) },
    { key: 'groups', label: 'Groups (lag)', sort: r => r.groups.length, fmt: r => r.groups.length ? r.groups.map(g => el('span', { class: 'pill' }, `${g.group}: ${fmt(g.lag)}`)) : '–' },
    { key: 'browse', label: '', fmt: r => link('messages', { topic: r.name }, 'messages') },
  ], d.topics, { sort: 'name', empty: 'No topics yet: produce to one.' }));
  const t = d.topics.find(t => t.name === sel);
  if (t) {
    root.append(el('h2', {}, `Partitions of ${t.name}`), table([
      { key: 'partition', label: 'Partition', num: true },
      { key: 'log_start_offset', label: 'Low watermark', num: true },
      { key: 'high_watermark', label: 'High watermark', num: true },
      { key: 'size_bytes', label: 'Size', num: true, fmt: r => fmtBytes(r.size_bytes) },
      { key: 'segments', label: 'Segments', num: true },
      { key: 'last_produced_ms', label: 'Last produced', fmt: r => vol(fmtAgo(r.last_produced_ms)) },
      { key: 'go', label: '', fmt: r => link('messages', { topic: t.name, partition: r.partition }, 'browse') },
    ], t.partitions));
    const h = await api('history?window=3600&names=' + encodeURIComponent('topic.' + t.name + '.records'));
    root.append(el('h2', {}, 'Records/s, last hour'), lineChart(h.series[0], ''));
  }
};

pages.messages = async (root, params) => {
  const topics = (await api('topics')).topics.map(t => t.name);
  const st = { topic: params.get('topic') || topics[0] || '', partition: params.get('partition') || 'all',
    from: params.get('from') || 'newest', arg: params.get('arg') || '', limit: params.get('limit') || '50',
    tail: params.get('tail') === '1', mode: params.get('mode') || 'text' };
  const f = el('form', { class: 'controls', 'aria-label': 'Message query' });
  const topicSel = el('select', { name: 'topic' }, topics.map(t => el('option', { value: t, selected: t === st.topic }, t)));
  const partIn = el('input', { name: 'partition', value: st.partition, size: 4 });
  const fromSel = el('select', { name: 'from' }, ['newest', 'beginning', 'offset', 'timestamp'].map(x => el('option', { value: x, selected: x === st.from }, x)));
  const argIn = el('input', { name: 'arg', value: st.arg, placeholder: 'offset or epoch ms', size: 14 });
  const limitIn = el('input', { name: 'limit', value: st.limit, size: 4 });
  const modeSel = el('select', { name: 'mode' }, ['text', 'hex'].map(x => el('option', { value: x, selected: x === st.mode }, x)));
  const tailBtn = el('button', { type: 'button', class: 'secondary', id: 'tail-toggle' }, st.tail ? 'Stop live tail' : 'Live tail');
  f.append(el('label', {}, 'Topic', topicSel), el('label', {}, 'Partition', partIn), el('label', {}, 'From', fromSel),
    el('label', {}, 'Offset / time', argIn), el('label', {}, 'Limit', limitIn), el('label', {}, 'View', modeSel),
    el('button', { type: 'submit' }, 'Load'), tailBtn);
  // Search by key and time range, answered from the server's sparse index (only the blocks
  // whose key filter and time span may match are read: "scanned N of M").
  const keyIn = el('input', { name: 'key', value: params.get('key') || '', placeholder: 'exact key', size: 16 });
  const fromTimeIn = el('input', { name: 'from_time', type: 'datetime-local', step: 1, value: params.get('from_time') || '' });
  const toTimeIn = el('input', { name: 'to_time', type: 'datetime-local', step: 1, value: params.get('to_time') || '' });
  // The value filter runs on the server, in bounded scans: "Continue" resumes where one stopped.
  const filterIn = el('input', { name: 'filter', value: params.get('filter') || '', placeholder: 'text, or field=value', size: 20 });
  const filterModeSel = el('select', { name: 'filter_mode' }, [['contains', 'contains'], ['field', 'JSON field=value']].map(([v, t]) =>
    el('option', { value: v, selected: v === (params.get('filter_mode') || 'contains') }, t)));
  const caseIn = el('input', { type: 'checkbox', name: 'case_sensitive', checked: params.get('case_sensitive') === '1' });
  const maxScanIn = el('input', { name: 'max_scan', value: params.get('max_scan') || '', placeholder: '100000', size: 8 });
  const moreBtn = el('button', { type: 'button', class: 'secondary', id: 'search-more', hidden: true }, 'Continue');
  const sf = el('form', { class: 'controls', id: 'search-form', 'aria-label': 'Search messages' },
    el('label', {}, 'Key', keyIn), el('label', {}, 'From (UTC)', fromTimeIn), el('label', {}, 'To (UTC)', toTimeIn),
    el('label', {}, 'Value', filterModeSel), el('label', {}, 'Filter', filterIn), el('label', {}, caseIn, 'Case-sensitive'), el('label', {}, 'Scan at most', maxScanIn),
    el('button', { type: 'submit' }, 'Search'), moreBtn);
  const out = el('div'), status = el('p', { class: 'muted', id: 'messages-status', 'aria-live': 'polite' });
  root.append(el('h1', {}, 'Messages'), f, sf, status, out);
  if (!topics.length) { out.append(el('p', { class: 'muted' }, 'No topics yet.')); return; }

  const rowsOf = (recs) => recs.map(r => {
    const detail = el('tr', { hidden: true }, el('td', { colspan: 6 },
      el('div', {}, link('messages', { topic: st.topic, partition: r.partition, from: 'offset', arg: r.offset, limit: 1 }, 'permalink'),
        ' · ', link('trace', { topic: st.topic, partition: r.partition, offset: r.offset }, 'trace this record')),
      el('h2', {}, 'Value'), payloadView(r.value, st.mode), el('h2', {}, 'Key'), payloadView(r.key, st.mode),
      r.headers.length ? [el('h2', {}, 'Headers'), el('pre', {}, r.headers.map(h => h.key + ': ' + (h.value ? payloadText(h.value) : 'null')).join('\n'))] : null));
    const row = el('tr', { class: 'clickable record', onclick: () => { detail.hidden = !detail.hidden; } },
      el('td', { class: 'num' }, r.partition), el('td', { class: 'num' }, r.offset), el('td', {}, vol(fmtTime(r.timestamp))),
      el('td', {}, el('div', { class: 'trunc' }, payloadText(r.key))), el('td', {}, el('div', { class: 'trunc' }, payloadText(r.value))),
      el('td', { class: 'num' }, r.value ? fmtBytes(r.value.size) : '–'));
    return [row, detail];
  });
  const head = () => el('thead', {}, el('tr', {}, ['Partition', 'Offset', 'Timestamp', 'Key', 'Value', 'Size'].map(h => el('th', { scope: 'col' }, h))));

  const load = async () => {
    Object.assign(st, { topic: topicSel.value, partition: partIn.value || 'all', from: fromSel.value, arg: argIn.value, limit: limitIn.value, mode: modeSel.value });
    setState(Object.assign({}, st, { tail: st.tail ? '1' : '' }));
    if (st.tail) return startTail();
    const q = new URLSearchParams({ partition: st.partition, from: st.from, arg: st.arg, limit: st.limit });
    try {
      const d = await api(`topics/${encodeURIComponent(st.topic)}/messages?${q}`);
      status.textContent = `${d.records.length} records (scanned ${d.scanned})`;
      out.replaceChildren(el('table', { id: 'messages' }, head(), el('tbody', {}, rowsOf(d.records))));
    } catch (e) { showError(out, e); }
  };
  // Live tail: bounded buffer, pause/resume, sticks to the bottom only when already there.
  const startTail = () => {
    const MAX = 500;
    // pending: batches of records not drawn yet (while paused), at most the MAX newest.
    let paused = false, pending = [], pendingCount = 0, count = 0;
    const body = el('tbody');
    const box = el('div', { id: 'tail' }, el('table', {}, head(), body));
    const pauseBtn = el('button', { type: 'button', class: 'secondary', id: 'tail-pause' }, 'Pause');
    const info = el('span', { class: 'muted', id: 'tail-info' }, 'waiting for records…');
    pauseBtn.onclick = () => { paused = !paused; pauseBtn.textContent = paused ? 'Resume' : 'Pause'; if (!paused) flush(); };
    out.replaceChildren(el('div', { class: 'controls' }, pauseBtn, info), box);
    const flush = () => {
      const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
      body.append(...rowsOf(pending.flat().slice(-MAX)).flat());
      pending = []; pendingCount = 0;
      while (body.children.length > MAX * 2) { body.firstChild.remove(); body.firstChild.remove(); }
      if (atBottom) box.scrollTop = box.scrollHeight;
      info.textContent = `${count} records received${paused ? ' (paused)' : ''}`;
    };
    listeners.records = [d => {
      if (d.topic !== st.topic) return;
      count += d.records.length;
      pending.push(d.records);
      pendingCount += d.records.length;
      // Only the MAX newest can be shown: older batches are dropped before any row is built.
      while (pendingCount - pending[0].length >= MAX) pendingCount -= pending.shift().length;
      if (!paused) flush(); else info.textContent = `${count} records received (paused)`;
    }];
    status.textContent = `Live tail of ${st.topic} (all partitions, from now)`;
    openFeed(st.topic);
  };
  let scannedSoFar = 0, foundSoFar = 0;
  const search = async (cursor) => {
    Object.assign(st, { topic: topicSel.value, partition: partIn.value || 'all', limit: limitIn.value, mode: modeSel.value, tail: false });
    setState({ topic: st.topic, partition: st.partition, limit: st.limit, mode: st.mode, key: keyIn.value, from_time: fromTimeIn.value,
      to_time: toTimeIn.value, filter: filterIn.value, filter_mode: filterIn.value ? filterModeSel.value : '', case_sensitive: caseIn.checked && filterIn.value ? '1' : '', max_scan: maxScanIn.value });
    const q = new URLSearchParams({ partition: st.partition, limit: st.limit });
    if (keyIn.value) q.set('key', keyIn.value);
    if (fromTimeIn.value) q.set('from_ts', Date.parse(fromTimeIn.value + 'Z'));
    if (toTimeIn.value) q.set('to_ts', Date.parse(toTimeIn.value + 'Z') + 999);
    if (filterIn.value) q.set(filterModeSel.value === 'field' ? 'field' : 'contains', filterIn.value);
    if (filterIn.value && caseIn.checked) q.set('case_sensitive', '1');
    if (maxScanIn.value) q.set('max_scan', maxScanIn.value);
    if (cursor) q.set('cursor', cursor); else scannedSoFar = foundSoFar = 0;
    try {
      const d = await api(`topics/${encodeURIComponent(st.topic)}/search?${q}`);
      scannedSoFar += d.scanned;
      foundSoFar += d.records.length;
      status.textContent = `${fmt(foundSoFar)} records · scanned ${fmt(scannedSoFar)} of ${fmt(d.total)} records (${d.blocks_read} of ${d.blocks_total} index blocks)` +
        (d.next ? ' · stopped after ' + fmt(d.max_scan) + ' records: continue for more' : '');
      moreBtn.hidden = !d.next;
      moreBtn.onclick = () => search(d.next);
      const rows = rowsOf(d.records);
      if (cursor && out.querySelector('#messages tbody')) out.querySelector('#messages tbody').append(...rows.flat());
      else out.replaceChildren(el('table', { id: 'messages' }, head(), el('tbody', {}, rows)));
    } catch (e) { moreBtn.hidden = true; showError(out, e); }
  };
  sf.onsubmit = (e) => { e.preventDefault(); search(); };
  f.onsubmit = (e) => { e.preventDefault(); keyIn.value = fromTimeIn.value = toTimeIn.value = filterIn.value = ''; moreBtn.hidden = true; load(); };
  tailBtn.onclick = () => { st.tail = !st.tail; tailBtn.textContent = st.tail ? 'Stop live tail' : 'Live tail'; if (!st.tail) { openFeed(null); listeners.records = []; } load(); };
  if (!st.tail && (keyIn.value || fromTimeIn.value || toTimeIn.value || filterIn.value)) await search(); else await load();
};

pages.produce = async (root, params) => {
  const topics = (await api('topics')).topics.map(t => t.name);
  const topicIn = el('input', { name: 'topic', list: 'topic-list', value: params.get('topic') || topics[0] || '', required: true });
  const partIn = el('input', { name: 'partition', placeholder: 'auto', size: 6 });
  const fmtSel = el('select', { name: 'format' }, el('option', { value: 'json' }, 'json'), el('option', { value: 'string' }, 'string'));
  const keyIn = el('input', { name: 'key', placeholder: 'optional', size: 30 });
  const valueIn = el('textarea', { name: 'value', 'aria-label': 'Value' }, '{"hello": "pinpipe"}');
  const hdrIn = el('input', { name: 'headers', placeholder: 'k=v, k2=v2', size: 30 });
  const result = el('div', { id: 'produce-result', 'aria-live': 'polite' });
  const form = el('form', { 'aria-label': 'Produce a record' },
    el('datalist', { id: 'topic-list' }, topics.map(t => el('option', { value: t }))),
    el('div', { class: 'controls' }, el('label', {}, 'Topic', topicIn), el('label', {}, 'Partition', partIn), el('label', {}, 'Format', fmtSel),
      el('label', {}, 'Key', keyIn), el('label', {}, 'Headers', hdrIn)),
    el('label', {}, 'Value', valueIn), el('p', {}, el('button', { type: 'submit' }, 'Produce')), result);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const body = { value: valueIn.value, format: fmtSel.value };
    if (keyIn.value) body.key = fmtSel.value === 'json' ? JSON.stringify(keyIn.value) : keyIn.value;
    if (partIn.value !== '') body.partition = Number(partIn.value);
    if (hdrIn.value.trim()) body.headers = hdrIn.value.split(',').map(s => s.trim()).filter(Boolean).map(s => { const i = s.indexOf('='); return { key: i < 0 ? s : s.slice(0, i), value: i < 0 ? '' : s.slice(i + 1) }; });
    try {
      const r = await post(`topics/${encodeURIComponent(topicIn.value)}/produce`, body);
      result.replaceChildren(el('p', {}, `Written to partition ${r.partition} at offset `, el('strong', { id: 'produced-offset' }, r.offset), ' · ',
        link('messages', { topic: r.topic, partition: r.partition, from: 'offset', arg: r.offset, limit: 1 }, 'view record')));
    } catch (err) { showError(result, err); }
  };
  root.append(el('h1', {}, 'Produce'), form);
};

pages.groups = async (root, params) => {
  const d = await api('groups');
  const sel = params.get('group') || '';
  root.append(el('h1', {}, 'Consumer groups'), table([
    { key: 'group', label: 'Group', fmt: r => link('groups', { group: r.group }, r.group) },
    { key: 'members', label: 'Members', num: true, sort: r => r.members.length, fmt: r => r.members.length },
    { key: 'partitions', label: 'Partitions', num: true, sort: r => r.partitions.length, fmt: r => r.partitions.length },
    { key: 'lag', label: 'Lag (records)', num: true, fmt: r => fmt(r.lag) },
  ], d.groups, { sort: 'lag', dir: -1, empty: 'No consumer group has committed offsets.' }));
  const g = d.groups.find(g => g.group === sel);
  if (g) {
    const h = await api('history?window=3600&names=' + encodeURIComponent('group.' + g.group + '.lag'));
    root.append(el('h2', {}, 'Members'), g.members.length ? el('ul', { id: 'group-members' }, g.members.map(m => el('li', {}, m)))
      : el('p', { class: 'muted' }, 'No active member (no REST consumer instance, no Kafka client in the group).'));
    root.append(el('h2', {}, `Lag of ${g.group}, last hour`), lineChart(h.series[0], ''));
    await groupDetail(root, g);
    root.append(resetForm(g));
  }
};

// Offset reset: a dry run shows the plan; only that plan's inputs can then be executed.
function resetForm(g) {
  const topics = [...new Set(g.partitions.map(p => p.topic))];
  const topicSel = el('select', { name: 'reset-topic' }, topics.map(t => el('option', { value: t }, t)));
  const stratSel = el('select', { name: 'reset-strategy' }, ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by']
    .map(s => el('option', { value: s }, s)));
  const valueIn = el('input', { name: 'reset-value', size: 24, placeholder: '–', disabled: true });
  const partsIn = el('input', { name: 'reset-partitions', size: 10, placeholder: 'all' });
  const execBtn = el('button', { type: 'button', id: 'reset-execute', disabled: true }, 'Execute reset');
  const out = el('div', { id: 'reset-plan', 'aria-live': 'polite' });
  let planned = null;  // the body of the last dry run; executing sends exactly it
  const hints = { 'to-offset': 'offset', 'to-datetime': '2024-01-15T13:45:00Z', 'shift-by': '-10' };
  const invalidate = () => { planned = null; execBtn.disabled = true; };
  stratSel.onchange = () => { valueIn.disabled = !hints[stratSel.value]; valueIn.placeholder = hints[stratSel.value] || '–'; invalidate(); };
  for (const i of [topicSel, valueIn, partsIn]) i.oninput = invalidate;
  const body = () => {
    const b = { topics: [topicSel.value], strategy: stratSel.value };
    if (hints[stratSel.value]) b.value = stratSel.value === 'to-datetime' ? valueIn.value : Number(valueIn.value);
    if (partsIn.value.trim()) b.partitions = partsIn.value.split(',').map(s => Number(s.trim()));
    return b;
  };
  const show = (r, executed) => out.replaceChildren(
    el('p', {}, executed ? el('strong', {}, 'Offsets reset.') : 'Dry run — nothing changed yet. Check the plan, then execute it.'),
    table([{ key: 'topic', label: 'Topic' }, { key: 'partition', label: 'Partition', num: true },
      { key: 'current_offset', label: 'Current', num: true, fmt: r => r.current_offset ?? '–' },
      { key: 'new_offset', label: 'New', num: true }, { key: 'log_end_offset', label: 'Log end', num: true },
      { key: 'lag_after', label: 'Lag after', num: true }], r.partitions, { class: 'reset-plan' }));
  const form = el('form', { class: 'controls', 'aria-label': 'Reset offsets' },
    el('label', {}, 'Topic', topicSel), el('label', {}, 'Partitions', partsIn), el('label', {}, 'Strategy', stratSel),
    el('label', {}, 'Value', valueIn), el('button', { type: 'submit', class: 'secondary' }, 'Preview (dry run)'), execBtn);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const b = body();
    try { show(await post(`groups/${encodeURIComponent(g.group)}/reset-offsets`, Object.assign({ dry_run: true }, b)), false);
      planned = b; execBtn.disabled = false; }
    catch (err) { invalidate(); showError(out, err); }
  };
  execBtn.onclick = async () => {
    if (!planned) return;
    try { show(await post(`groups/${encodeURIComponent(g.group)}/reset-offsets`, Object.assign({}, planned, { dry_run: false })), true); }
    catch (err) { showError(out, err); }
    invalidate();
  };
  return el('section', {}, el('h2', {}, 'Reset offsets'),
    el('p', { class: 'muted' }, 'Refused while the group has active members (REST consumer instances or Kafka clients).'), form, out);
}

pages.sink = async (root) => {
  const d = await api('sink');
  root.append(el('h1', {}, 'S3 sink'));
  if (!d.enabled) { root.append(el('p', { class: 'muted' }, 'The sink is not enabled in this process (sink.enabled).')); return; }
  if (d.error) root.append(el('p', { class: 'error' }, d.error));
  if (d.connector) root.append(sinkControls(d.connector));
  const paused = d.connector && d.connector.connector.state === 'PAUSED';
  if (d.rotation) root.append(sinkRotation(d.rotation));
  const h = await api('history?window=3600&names=sink.lag,sink.objects');
  root.append(el('div', { class: 'split' }, el('div', {}, el('h2', {}, 'Lag (records)'), lineChart(h.series[0], '')),
    el('div', {}, el('h2', {}, 'Objects/s'), lineChart(h.series[1], ''))));
  root.append(el('h2', {}, 'Partitions'), table([
    { key: 'topic', label: 'Topic' }, { key: 'partition', label: 'Partition', num: true },
    { key: 'committed', label: 'Committed', num: true }, { key: 'log_end', label: 'Log end', num: true },
    { key: 'lag', label: 'Lag', num: true, sort: r => r.log_end - r.committed, fmt: r => fmt(Math.max(0, r.log_end - r.committed)) },
    { key: 'objects', label: 'Objects', num: true }, { key: 'bytes', label: 'Bytes', num: true, fmt: r => fmtBytes(r.bytes) },
    { key: 'dlq', label: 'DLQ', num: true },
    // Upload and read errors are retried: nothing lands meanwhile, so the row is not "running".
    { key: 'failed', label: 'State', fmt: r => { const retrying = /^(upload failed|read failed)/.test(r.last_error || '');
      return el('span', { class: 'state ' + (r.failed ? 'failed' : paused || retrying ? 'warn' : 'success') },
        r.failed ? 'failed' : paused ? 'paused' : retrying ? 'retrying' : 'running'); } },
    { key: 'last_error', label: 'Last error', fmt: r => el('div', { class: 'trunc', title: r.last_error }, r.last_error || '') },
  ], d.partitions, { empty: 'The sink has no partitions yet.' }));
  if (d.rotation) root.append(...sinkObjects(d));
};

// Kafka Connect's pause / resume / restart for the connector in this process.
function sinkControls(c) {
  const msg = el('p', { 'aria-live': 'polite', id: 'sink-msg' });
  const stateOf = c => c.connector.state;
  const badge = el('span', { id: 'sink-state', class: 'state ' + (stateOf(c) === 'RUNNING' ? 'success' : 'warn') }, stateOf(c));
  const act = (action, body, done) => async () => {
    try {
      const r = await post('sink/' + action, body || {});
      badge.textContent = stateOf(r); badge.className = 'state ' + (stateOf(r) === 'RUNNING' ? 'success' : 'warn');
      msg.className = ''; msg.textContent = done(r);
    } catch (err) { msg.className = 'error'; msg.textContent = err.message; }
  };
  const restarting = r => r.tasks.filter(t => t.state === 'RESTARTING').map(t => `${t.topic}-${t.partition}`);
  const failed = c.tasks.filter(t => t.state === 'FAILED');
  return el('section', {},
    el('p', {}, `Connector ${c.name} `, badge),
    el('div', { class: 'controls' },
      el('button', { type: 'button', id: 'sink-pause', class: 'secondary', onclick: act('pause', null, () => 'Paused: nothing lands until resumed; the lag grows.') }, 'Pause'),
      el('button', { type: 'button', id: 'sink-resume', class: 'secondary', onclick: act('resume', null, () => 'Resumed where it stopped.') }, 'Resume'),
      el('button', { type: 'button', id: 'sink-restart-failed', class: 'secondary', disabled: !failed.length,
        onclick: act('restart', { include_tasks: true, only_failed: true }, r => 'Restarting: ' + (restarting(r).join(', ') || 'no failed task')) },
      `Restart failed tasks (${failed.length})`),
      el('button', { type: 'button', id: 'sink-restart-all', class: 'secondary',
        onclick: act('restart', { include_tasks: true }, r => 'Restarting every task from its committed offset: ' + restarting(r).length + ' task(s)') },
      'Restart all tasks')),
    msg);
}

// A Kinesis hash key (decimal string, 0 .. 2^128-1) as a share of the key space.
function hashShare(k) {
  try { return (Number(BigInt(k) * 100000n / (1n << 128n)) / 1000).toFixed(1) + ' %'; } catch (e) { return k; }
}

pages.streams = async (root, params) => {
  const body = el('div');
  root.append(el('h1', {}, 'Kinesis streams'), body);
  const load = async () => {
    const d = await api('streams');
    const sel = params.get('stream') || '';
    const streams = d.streams.filter(s => !sel || s.name === sel);
    if (!streams.length) { body.replaceChildren(el('p', { class: 'muted' }, sel ? `No stream ${sel}.` : 'No Kinesis streams yet (CreateStream, or the API-Gateway facade on its first PUT).')); return; }
    body.replaceChildren(...streams.map(s => el('section', { class: 'stream', 'data-stream': s.name },
      el('h2', {}, link('streams', { stream: s.name }, s.name), ' ', el('span', { class: 'state ' + (s.status === 'ACTIVE' ? 'ok' : 'warn') }, s.status)),
      el('p', { class: 'muted' }, `${s.mode} · ${s.open_shards} open of ${s.shards.length} shards · retention ${s.retention_hours} h · ` +
        `${s.consumers} consumers · encryption ${s.encryption} · created `, vol(fmtTime(s.created_ms)), ' · ', el('span', { class: 'rate', 'data-volatile': true }, fmt(s.records_per_s)), ' records/s'),
      el('div', { class: 'trend' }, sparkline(s.series.values)),
      table([
        { key: 'shard_id', label: 'Shard' },
        { key: 'open', label: 'State', fmt: r => el('span', { class: 'state ' + (r.open ? 'ok' : 'idle') }, r.open ? 'open' : 'closed') },
        { key: 'hash', label: 'Hash key range', sort: r => r.index,
          fmt: r => el('span', { title: `${r.starting_hash_key} – ${r.ending_hash_key}` }, `${hashShare(r.starting_hash_key)} – ${hashShare(r.ending_hash_key)}`) },
        { key: 'parent', label: 'Parent', fmt: r => r.parent || '–' },
        { key: 'start_offset', label: 'Start', num: true },
        { key: 'position', label: 'Position (log end)', num: true },
        { key: 'records', label: 'Records', num: true, fmt: r => fmt(r.records) },
        { key: 'records_per_s', label: 'Records/s', num: true, fmt: r => vol(fmt(r.records_per_s)) },
        { key: 'closed_ms', label: 'Closed', fmt: r => r.open ? '–' : vol(fmtTime(r.closed_ms)) },
        ...iteratorAgeColumns(),
      ], s.shards, { class: 'shards' }))));
  };
  await load();
  every(5000, load);
};

pages.stream = async (root) => {
  const d = await api('stream');
  root.append(el('h1', {}, 'Streaming job'));
  if (!d.enabled) { root.append(el('p', { class: 'muted' }, 'The streaming job does not run in this process (stream.enabled).')); return; }
  if (d.error) { root.append(el('p', { class: 'error' }, d.error)); return; }
  const summary = el('div', { class: 'cards' }), charts = el('div'), hists = el('div'), parts = el('div');
  root.append(summary, charts, hists, parts);
  const card = (key, label, value, unit, state) => el('div', { class: 'card ' + (state || 'ok'), 'data-key': key },
    el('div', { class: 'label' }, label), el('div', {}, el('span', { class: 'value' }, value), el('span', { class: 'unit' }, unit || '')));
  const load = async (doc) => {
    const s = doc || await api('stream');
    const j = s.job, lag = s.partitions.reduce((n, p) => n + p.lag_records, 0);
    summary.replaceChildren(
      card('input', 'Input rate', vol(fmt(s.rates.input)), '/s'),
      card('processed', 'Processing rate', vol(fmt(s.rates.processed)), '/s'),
      card('lag', 'Lag', fmt(lag), 'records', lag > 100000 ? 'bad' : lag > 10000 ? 'warn' : 'ok'),
      // How the records fell into batches depends on timing.
      card('last-batch', ['Last batch #', vol(j.last_batch.id)], vol(fmt(j.last_batch.records)), ['rows in ', vol(fmt(j.last_batch.duration_ms, 'ms')), ' ms']),
      card('batches', 'Batches', vol(fmt(j.batches)), j.replayed_batches ? `(${j.replayed_batches} replayed)` : ''),
      card('records', 'Records read', fmt(j.records), ''),
      card('quarantined', 'Quarantined', fmt(j.quarantined), '', j.quarantined ? 'warn' : 'ok'),
      card('duplicates', 'Duplicates dropped', fmt(j.duplicates), ''),
      card('errors', 'Failed attempts', fmt(j.errors), '', j.last_error ? 'bad' : j.errors ? 'warn' : 'ok'));
    hists.replaceChildren(streamHistograms(j));
    parts.replaceChildren(
      j.last_error ? el('p', { class: 'error', role: 'alert', id: 'stream-error' }, 'Last error: ' + j.last_error) : el('p', { class: 'muted' },
        `${j.name} · app `, vol(j.app_id), ' · committed batch ', vol(j.committed_batch), ' · last batch ', vol(fmtAgo(j.last_batch.at_ms)), ` · tables ${j.tables.join(', ')}`),
      el('h2', {}, 'Partitions'),
      table([
        { key: 'topic', label: 'Topic / stream' },
        { key: 'partition', label: 'Partition', num: true },
        { key: 'shard', label: 'Shard', fmt: r => r.shard ? link('streams', { stream: r.topic }, r.shard) : '–' },
        { key: 'committed', label: 'Committed', num: true },
        { key: 'end', label: 'Log end', num: true },
        { key: 'lag_records', label: 'Lag (records)', num: true, fmt: r => fmt(r.lag_records) },
        { key: 'lag_ms', label: 'Lag (ms)', num: true, fmt: r => vol(fmt(r.lag_ms, 'ms')) },
        { key: 'last_record_ms', label: 'Last record', fmt: r => vol(fmtTime(r.last_record_ms)) },
      ], s.partitions, { class: 'stream-partitions', empty: 'No source partition yet: the job waits for its topics or streams.' }));
  };
  const loadCharts = async () => {
    const h = await api('history?window=3600&names=stream.input,stream.processed,stream.lag,stream.batch_ms');
    charts.replaceChildren(
      el('div', { class: 'split' }, el('div', {}, el('h2', {}, 'Input rate (records/s)'), lineChart(h.series[0], '')),
        el('div', {}, el('h2', {}, 'Processing rate (records/s)'), lineChart(h.series[1], ''))),
      el('div', { class: 'split' }, el('div', {}, el('h2', {}, 'Lag (records)'), lineChart(h.series[2], '')),
        el('div', {}, el('h2', {}, 'Batch duration (ms)'), lineChart(h.series[3], 'ms'))));
  };
  await Promise.all([load(d), loadCharts()]);
  every(2000, () => load().catch(() => {}));
  every(10000, () => loadCharts().catch(() => {}));
};

// ---------- DAG page extras (dash22b): graph, task log tail, backfill form ----------
// The DAG's tasks as layers (longest path from a root), edges upstream → downstream, each node
// coloured by its state in `run`; a click on a node shows that task's log.
function dagGraph(nodes, run, onpick, picked) {
  const layer = new Map();
  for (const n of nodes) layer.set(n.task_id, Math.max(0, ...n.upstream.map(u => (layer.get(u) ?? 0) + 1)));
  const cols = [];
  for (const n of nodes) (cols[layer.get(n.task_id)] ||= []).push(n.task_id);
  const W = 150, H = 34, GX = 70, GY = 18, rows = Math.max(...cols.map(c => c.length));
  const width = cols.length * (W + GX) - GX + 20, height = rows * (H + GY) - GY + 20;
  const pos = new Map();
  cols.forEach((c, x) => c.forEach((id, y) => pos.set(id, { x: 10 + x * (W + GX), y: 10 + y * (H + GY) + (rows - c.length) * (H + GY) / 2 })));
  const state = id => { const t = run && run.tasks.find(t => t.task_id === id); return t ? t.state : 'none'; };
  const s = svgEl('svg', { class: 'dag-graph', id: 'dag-graph', viewBox: `0 0 ${width} ${height}`, width, role: 'group',
    'aria-label': `Tasks and dependencies of ${run ? run.dag_id : 'the DAG'}` });
  const defs = svgEl('defs'); const m = svgEl('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  m.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' })); defs.append(m); s.append(defs);
  for (const n of nodes) for (const u of n.upstream) {
    const a = pos.get(u), b = pos.get(n.task_id), x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    s.append(svgEl('path', { class: 'edge', 'data-from': u, 'data-to': n.task_id, 'marker-end': 'url(#arrow)',
      d: `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}` }));
  }
  for (const n of nodes) {
    const p = pos.get(n.task_id), st = state(n.task_id);
    const g = svgEl('g', { class: 'node ' + st + (n.task_id === picked ? ' picked' : ''), 'data-task': n.task_id, 'data-state': st,
      tabindex: 0, role: 'button', 'aria-label': `${n.task_id}: ${st}; show its log` });
    g.addEventListener('click', () => onpick(n.task_id));
    g.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onpick(n.task_id); } });
    g.append(svgEl('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6 }));
    const t = svgEl('text', { x: p.x + W / 2, y: p.y + H / 2 + 4, 'text-anchor': 'middle' }); t.textContent = n.task_id; g.append(t);
    const tip = svgEl('title'); tip.textContent = `${n.task_id}: ${st}`; g.append(tip);
    s.append(g);
  }
  return s;
}

// A task run's log: the lines so far, then every second the lines after the last one while the
// task can still write (a tail that keeps the scroll position unless the reader is at the end).
function taskLogPanel() {
  const taskSel = el('select', { name: 'log-task', id: 'log-task' });
  const status = el('span', { class: 'muted', id: 'task-log-status', 'aria-live': 'polite' });
  // (Lines name run ids and durations: volatile for the pinned screenshots.)
  const pre = el('pre', { id: 'task-log', class: 'task-log', tabindex: 0, 'aria-label': 'Task log', 'data-volatile': true });
  const box = el('div', { id: 'task-log-panel' }, el('div', { class: 'controls' }, el('label', {}, 'Task', taskSel), status), pre);
  let key = '', last = 0, timer = null, onpick = null;
  const stop = () => { if (timer) clearTimeout(timer); timer = null; };
  const poll = async (runId, task, k) => {
    let d;
    try { d = await api(`dags/runs/${runId}/log?` + new URLSearchParams({ task, after: String(last) })); }
    catch (e) { if (k === key) status.textContent = e.message; return; }
    if (k !== key || !box.isConnected) return;  // another task picked, or the page left
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    for (const l of d.lines) pre.append(el('span', { class: 'log-line', 'data-seq': l.seq },
      fmtTime(l.ts_us / 1000), ` [${l.attempt || '–'}] ${l.line}\n`));
    last = d.last_seq;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
    status.replaceChildren(d.done ? `${task}: ${d.state}, ${pre.childElementCount} lines` : `${task}: ${d.state}, following…`);
    status.dataset.done = d.done ? '1' : '0';
    if (!d.done || d.more) timer = setTimeout(() => poll(runId, task, k), d.more ? 0 : 1000);
  };
  box.show = (run, task, pick) => {
    onpick = pick;
    const ids = run.tasks.map(t => t.task_id);
    if (!ids.includes(task)) task = ids[0];
    if ([...taskSel.options].map(o => o.value).join() !== ids.join()) taskSel.replaceChildren(...ids.map(id => el('option', { value: id }, id)));
    taskSel.value = task;
    taskSel.onchange = () => onpick(taskSel.value);
    const k = run.id + '/' + task;
    if (k === key) return;
    stop(); key = k; last = 0; pre.replaceChildren(); status.textContent = 'loading…';
    poll(run.id, task, k);
  };
  box.stop = stop;
  return box;
}

// The backfill form: a date range checked by the server (order, at most 100 runs, known DAG);
// "Plan" is a dry run listing the runs it would create, "Create" starts them.
function backfillForm(dagSel, onstart) {
  const from = el('input', { name: 'backfill-from', id: 'backfill-from', type: 'date', required: true });
  const to = el('input', { name: 'backfill-to', id: 'backfill-to', type: 'date', required: true });
  const rerun = el('input', { name: 'backfill-rerun', id: 'backfill-rerun', type: 'checkbox' });
  const out = el('div', { id: 'backfill-plan', 'aria-live': 'polite' });
  const create = el('button', { type: 'button', id: 'backfill-create', disabled: true }, 'Create runs');
  const body = dry => ({ from: from.value, to: to.value, rerun: rerun.checked, dry_run: dry });
  const f = el('form', { class: 'controls', 'aria-label': 'Backfill a date range', id: 'backfill-form' },
    el('label', {}, 'From', from), el('label', {}, 'To', to),
    el('label', { class: 'inline-check' }, el('span', {}, 'Re-run dates that succeeded'), rerun),
    el('button', { type: 'submit', class: 'secondary', id: 'backfill-plan-button' }, 'Plan (dry run)'), create);
  const fail = e => { create.disabled = true; out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)); };
  f.onsubmit = async (e) => {
    e.preventDefault();
    if (to.value && from.value && to.value < from.value) return fail(new Error(`The end date ${to.value} is before the start date ${from.value}.`));
    try {
      const p = await post(`dags/${encodeURIComponent(dagSel.value)}/backfill`, body(true));
      out.replaceChildren(el('p', {}, `${p.dag_id} ${p.from} → ${p.to}: `, el('strong', { id: 'backfill-count' }, String(p.runs)), ` run(s) would be created` +
        (p.dates.length > p.runs ? `, ${p.dates.length - p.runs} date(s) skipped (already succeeded)` : '') + '.'),
        el('ul', { class: 'inline', id: 'backfill-dates' }, p.dates.map(d => el('li', { class: d.skip ? 'muted' : '', 'data-skip': d.skip ? '1' : '0' },
          d.date + (d.skip ? ' (skip)' : '')))));
      create.disabled = p.runs === 0;
      create.textContent = `Create ${p.runs} run(s)`;
    } catch (err) { fail(err); }
  };
  create.onclick = async () => {
    try {
      const p = await post(`dags/${encodeURIComponent(dagSel.value)}/backfill`, body(false));
      create.disabled = true;
      out.append(el('p', { id: 'backfill-started' }, `Backfill started: ${p.runs} run(s).`));
      onstart(p.runs);
    } catch (err) { fail(err); }
  };
  return el('div', {}, f, out);
}
// ---------- end of the DAG page extras ----------

pages.dags = async (root, params) => {
  const grid = el('div'), msg = el('p', { 'aria-live': 'polite' });
  const dagSel = el('select', { name: 'dag' }), dateIn = el('input', { name: 'date', type: 'date' });
  const form = el('form', { class: 'controls', 'aria-label': 'Trigger a DAG run' }, el('label', {}, 'DAG', dagSel),
    el('label', {}, 'Logical date', dateIn), el('button', { type: 'submit' }, 'Trigger run'));
  // dash22b: the task log (kept across the page's polls) and the backfill form.
  const logPanel = taskLogPanel(), graphs = {};
  const pickTask = (task) => { params.set('task', task); setState(Object.fromEntries(params)); load(); };
  root.append(el('h1', {}, 'DAG runs'), form, msg, grid, el('h2', {}, 'Task log'), logPanel,
    // A backfill's runs follow one another (briefly none running in between): poll fast for a
    // while per run it creates.
    el('h2', {}, 'Backfill'), backfillForm(dagSel, (runs) => { fastUntil = Date.now() + Math.min(600000, Math.max(15000, runs * 60000)); load(); }));
  let active = false, fastUntil = 0;  // poll fast while a run is active or was just triggered
  const load = async () => {
    const d = await api('dags?limit=' + (params.get('limit') || 25));
    if (!dagSel.options.length) for (const id of d.dags) dagSel.append(el('option', { value: id, selected: id === params.get('dag') }, id));
    for (const id of new Set(d.runs.map(r => r.dag_id))) if (!(id in graphs)) graphs[id] = await api(`dags/${encodeURIComponent(id)}/graph`).then(g => g.tasks, () => null);
    const runs = d.runs.slice().reverse();  // oldest left
    active = runs.some(r => r.state === 'running');
    const tasks = [];
    for (const r of runs) for (const t of r.tasks) if (!tasks.includes(t.task_id)) tasks.push(t.task_id);
    if (!runs.length) { grid.replaceChildren(el('p', { class: 'muted' }, 'No runs yet.')); return; }
    const last = d.runs[0];
    const shown = d.runs.find(r => String(r.id) === params.get('run')) || last;
    const runSel = el('select', { name: 'gantt-run', onchange: () => { params.set('run', runSel.value); setState(Object.fromEntries(params)); load(); } },
      d.runs.map(r => el('option', { value: r.id, selected: r === shown, 'data-volatile': true }, `${r.dag_id} ${r.run_id} (${r.state})`)));
    grid.replaceChildren(
      el('table', { class: 'grid', id: 'dag-grid' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Task'), runs.map(r => el('th', { scope: 'col', title: r.run_id }, ''))),
        el('tr', {}, el('th', { scope: 'row' }, 'run'), runs.map(r => el('td', { class: 'cell ' + r.state, title: `${r.dag_id} ${r.run_id}: ${r.state}` })))),
        el('tbody', {}, tasks.map(t => el('tr', {}, el('th', { scope: 'row' }, t), runs.map(r => { const ti = r.tasks.find(x => x.task_id === t);
          return el('td', { class: 'cell ' + (ti ? ti.state : ''), title: ti ? `${t}: ${ti.state}, ${ti.attempts} attempt(s), ${fmtDur(ti.duration_us)}, in ${ti.records_in} out ${ti.records_out} quarantined ${ti.records_quarantined}${ti.error ? '\n' + ti.error : ''}` : '' }); }))))),
      el('h2', {}, `Latest run: ${last.dag_id} `, vol(last.run_id), ' ', el('span', { class: 'state ' + last.state, id: 'last-run-state' }, last.state)),
      table([{ key: 'task_id', label: 'Task' }, { key: 'state', label: 'State', fmt: r => el('span', { class: 'state ' + r.state }, r.state) },
        { key: 'attempts', label: 'Attempts', num: true }, { key: 'duration_us', label: 'Duration', num: true, fmt: r => vol(fmtDur(r.duration_us)) },
        { key: 'records_in', label: 'Rows in', num: true, fmt: r => fmt(r.records_in) }, { key: 'records_out', label: 'Rows out', num: true, fmt: r => fmt(r.records_out) },
        { key: 'records_quarantined', label: 'Quarantined', num: true, fmt: r => fmt(r.records_quarantined) },
        // (Summaries name the data directory's paths.)
        { key: 'summary', label: 'Summary / error', fmt: r => el('div', { class: 'trunc', title: r.error || r.summary, 'data-volatile': true }, r.error || r.summary) }], last.tasks),
      el('h2', {}, 'Gantt'), el('div', { class: 'controls' }, el('label', {}, 'Run', runSel)), gantt(shown),
      // dash22b: the graph of the shown run's DAG, coloured by its task states.
      el('h2', {}, 'Graph'), graphs[shown.dag_id] ? dagGraph(graphs[shown.dag_id], shown, pickTask, params.get('task')) : el('p', { class: 'muted' }, 'No graph for this DAG.'));
    logPanel.show(shown, params.get('task'), pickTask);
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    setState({ dag: dagSel.value });
    try { const r = await post(`dags/${encodeURIComponent(dagSel.value)}/trigger`, dateIn.value ? { date: dateIn.value } : {});
      msg.className = ''; msg.textContent = 'Started ' + r.started; fastUntil = Date.now() + 15000; await load(); }
    catch (err) { msg.className = 'error'; msg.textContent = err.message; }
  };
  await load();
  // Poll while a run is active (cheap otherwise).
  every(1000, () => { if (active || Date.now() < fastUntil) load(); });
  every(15000, () => { if (!active) load(); });
};

// ---------- Delta tables (dash22b): detail, schema and history, a page of rows, time travel ----------
// State in the URL: table, version | ts (ms, "timestamp as of"), offset.
const deltaCell = v => v === null ? el('span', { class: 'muted' }, 'null') : typeof v === 'object' ? JSON.stringify(v) : String(v);
const deltaType = t => typeof t === 'string' ? t : (t && t.type) || JSON.stringify(t);
const deltaNumeric = t => typeof t === 'string' && /^(byte|short|integer|long|float|double|decimal)/.test(t);
function deltaDetail(d) {
  const x = d.detail;
  const rows = [['format', x.format], ['location', vol(x.location)], ['id', vol(x.id)], ['name', x.name ?? '–'],
    ['numFiles', fmt(x.numFiles)], ['sizeInBytes', `${fmtBytes(x.sizeInBytes)} (${fmt(x.sizeInBytes)} B)`],
    ['partitionColumns', x.partitionColumns.length ? x.partitionColumns.join(', ') : '(none)'],
    ['properties', Object.keys(x.properties).length ? Object.entries(x.properties).map(([k, v]) => `${k}=${v}`).join(', ') : '(none)'],
    ['minReaderVersion', String(x.minReaderVersion)], ['minWriterVersion', String(x.minWriterVersion)],
    ['tableFeatures', [...x.readerFeatures, ...x.writerFeatures.filter(f => !x.readerFeatures.includes(f))].join(', ') || '(none)'],
    ['createdAt', vol(fmtTime(x.createdAt))], ['lastModified', vol(fmtTime(x.lastModified))]];
  return el('table', { class: 'kv', id: 'delta-detail' }, el('tbody', {}, rows.map(([k, v]) =>
    el('tr', { 'data-key': k }, el('th', { scope: 'row' }, k), el('td', {}, v)))));
}
function deltaPreview(d, go) {
  const fields = (d.schema && d.schema.fields) || [];
  const num = fields.map(f => deltaNumeric(f.type));
  const first = d.offset + 1, last = d.offset + d.rows.length;
  const pager = el('div', { class: 'controls', id: 'delta-pager' },
    el('button', { type: 'button', class: 'secondary', id: 'delta-prev', disabled: d.offset === 0 ? true : null,
      onclick: () => go({ offset: Math.max(0, d.offset - d.limit) }) }, '← Previous'),
    el('span', { class: 'muted', id: 'delta-range' }, d.rows.length ? `rows ${fmt(first)}–${fmt(last)}` : 'no rows'),
    el('button', { type: 'button', class: 'secondary', id: 'delta-next', disabled: d.more ? null : true,
      onclick: () => go({ offset: d.offset + d.limit }) }, 'Next →'));
  const t = el('table', { id: 'delta-preview', class: 'preview' },
    el('thead', {}, el('tr', {}, fields.map((f, i) => el('th', { scope: 'col', class: num[i] ? 'num' : '' },
      f.name, el('br'), el('span', { class: 'type' }, deltaType(f.type)))))),
    el('tbody', {}, d.rows.length ? d.rows.map(r => el('tr', {}, r.map((v, i) => el('td', { class: num[i] ? 'num' : '' }, deltaCell(v)))))
      : el('tr', {}, el('td', { colspan: Math.max(1, fields.length), class: 'muted' }, 'This version has no rows.'))));
  return [pager, el('div', { class: 'scroll-x' }, t)];
}

pages.delta = async (root, params) => {
  const d = await api('delta');
  const sel = params.get('table') || '';
  root.append(el('h1', {}, 'Delta tables'), table([{ key: 'path', label: 'Table', fmt: r => link('delta', { table: r.path }, r.path) }],
    d.tables.map(p => ({ path: p })), { empty: 'No Delta table in the lake yet (run the daily DAG).' }));
  if (!sel) return;
  const st = { table: sel, version: params.get('version') || '', ts: params.get('ts') || '', offset: params.get('offset') || '' };
  const go = (change) => { const n = Object.assign({}, st, change); location.hash = '#/delta?' + new URLSearchParams(Object.entries(n).filter(([, v]) => v !== '' && v !== null && v !== undefined)); };
  const q = new URLSearchParams({ path: sel, limit: '50', offset: st.offset || '0' });
  if (st.version !== '') q.set('version', st.version); else if (st.ts !== '') q.set('timestamp', st.ts);
  const [t, snap] = await Promise.all([api('delta/table?path=' + encodeURIComponent(sel)), api('delta/snapshot?' + q)]);
  const travel = snap.version !== snap.current_version;
  // Time travel: a version from the history, or a time (UTC) resolved to the newest commit at or before it.
  const verSel = el('select', { name: 'version', id: 'delta-version' }, el('option', { value: '' }, `current (${snap.current_version})`),
    t.history.map(h => el('option', { value: h.version, selected: st.version !== '' && Number(st.version) === h.version },
      `${h.version} · ${fmtTime(h.timestamp)} · ${h.operation}`)));
  const tsIn = el('input', { name: 'ts', id: 'delta-ts', type: 'datetime-local', step: 1,
    value: st.ts ? new Date(Number(st.ts)).toISOString().slice(0, 19) : '' });
  const f = el('form', { class: 'controls', 'aria-label': 'Time travel' }, el('label', {}, 'Version', verSel),
    el('label', {}, 'or as of (UTC)', tsIn), el('button', { type: 'submit' }, 'Show'),
    travel ? link('delta', { table: sel }, 'back to the current version') : null);
  f.onsubmit = (e) => { e.preventDefault();
    if (verSel.value !== '') go({ version: verSel.value, ts: '', offset: '' });
    else if (tsIn.value) go({ version: '', ts: String(Date.parse(tsIn.value + 'Z')), offset: '' });
    else go({ version: '', ts: '', offset: '' }); };
  const fields = (snap.schema && snap.schema.fields) || [];
  root.append(
    el('h2', { id: 'delta-heading' }, `${t.path}: version `, el('span', { id: 'delta-shown-version' }, String(snap.version)),
      ` (current ${snap.current_version})`, travel ? el('span', { class: 'pill', id: 'delta-travel' }, ' time travel ') : null),
    f,
    el('div', { class: 'split' },
      el('div', {}, el('h2', {}, 'Detail'), deltaDetail(snap)),
      el('div', {}, el('h2', {}, `Schema of version ${snap.version}`), table([{ key: 'name', label: 'Column' },
        { key: 'type', label: 'Type', fmt: r => deltaType(r.type) }, { key: 'nullable', label: 'Nullable', fmt: r => String(r.nullable) }],
        fields, { class: 'delta-schema' }))),
    el('h2', {}, `Data preview of version ${snap.version}`), ...deltaPreview(snap, go),
    el('h2', {}, 'History'), table([{ key: 'version', label: 'Version', num: true, fmt: r => link('delta', { table: sel, version: r.version }, String(r.version)) },
      { key: 'timestamp', label: 'Time', fmt: r => vol(fmtTime(r.timestamp)) },
      { key: 'operation', label: 'Operation' }, { key: 'adds', label: 'Files added', num: true }, { key: 'removes', label: 'Removed', num: true },
      { key: 'metrics', label: 'Metrics', fmt: r => el('div', { class: 'trunc', title: JSON.stringify(r.metrics) }, JSON.stringify(r.metrics)) }],
      t.history, { sort: 'version', dir: -1, class: 'delta-history' }));
};
// ---------- end of the Delta page ----------

// Q1 on a world map: /ui/api/worldmap gives the projected shapes, the dataset's country names →
// ISO code and the report's palette (categories in sorted order take its colours in turn).
let worldMap = null;
async function q1Map(rows) {
  const w = worldMap || (worldMap = await api('worldmap'));
  const byName = new Map(w.countries.map(c => [c.name, c]));
  const regions = new Map();
  for (const r of rows) {
    const g = regions.get(r.country);
    if (g) g.ties.push(r.category);
    else regions.set(r.country, { country: r.country, category: r.category, count: Number(r.category_count), ties: [] });
  }
  const perCat = new Map();
  for (const r of regions.values()) perCat.set(r.category, (perCat.get(r.category) || 0) + 1);
  const cats = [...perCat.keys()].sort();
  const color = new Map(cats.map((c, i) => [c, w.palette[i % w.palette.length]]));
  const byIso = new Map(), shapeless = [];
  for (const r of regions.values()) {
    const c = byName.get(r.country);
    if (c && c.shaped && !byIso.has(c.iso)) byIso.set(c.iso, r); else shapeless.push(r);
  }
  const label = r => `${r.country}: ${[r.category, ...r.ties].join(', ')} (${fmt(r.count)} pins)`;
  const fig = el('figure', { class: 'worldmap', id: 'worldmap' });
  if (w.shapes.length) {
    const svg = svgEl('svg', { class: 'worldmap', viewBox: `0 0 ${w.width} ${w.height}`, role: 'img',
      'aria-label': `Most popular category per country: ${byIso.size} countries coloured by category; the table below lists every row` });
    for (const s of w.shapes) {
      const r = byIso.get(s.iso);
      const p = svgEl('path', { d: s.d, class: r ? 'country' : 'country nodata', 'data-iso': s.iso });
      if (r) { p.setAttribute('fill', color.get(r.category)); p.setAttribute('data-category', r.category); p.setAttribute('data-country', r.country); }
      const t = svgEl('title'); t.textContent = r ? label(r) : `${s.name}: no data`;
      p.append(t); svg.append(p);
    }
    fig.append(svg);
  } else fig.append(el('p', { class: 'muted' }, 'No country geometry in this build; the table lists every row.'));
  fig.append(el('figcaption', {}, el('ul', { class: 'legend', 'aria-label': 'Categories' }, cats.map(c =>
    el('li', {}, el('span', { class: 'swatch', style: 'background:' + color.get(c) }), c, ' ',
      el('span', { class: 'muted' }, `(${perCat.get(c)} ${perCat.get(c) === 1 ? 'country' : 'countries'})`))))));
  if (shapeless.length) {
    fig.append(el('div', { class: 'shapeless' }, el('h3', {}, `Not on the map (${shapeless.length}: no shape at this scale)`),
      table([{ key: 'country', label: 'Country' }, { key: 'category', label: 'Category', fmt: r => [el('span', { class: 'swatch', style: 'background:' + color.get(r.category) }), [r.category, ...r.ties].join(', ')] },
        { key: 'count', label: 'Pins', num: true, fmt: r => fmt(r.count) }], shapeless, { class: 'shapeless' })));
  }
  return fig;
}

// One result: the batch run's CSV (/ui/api/analytics/result) or the live view's table
// (GET /analytics/<name>, served by the live view on the same port).
function drawResult(root, name, columns, rowArrays, total) {
  // The measure is the last numeric column (a count or a median): a year or an age before it
  // is a label.
  const numeric = columns.map((c, i) => rowArrays.length > 0 && rowArrays.every(row => row[i] !== '' && row[i] !== null && !Number.isNaN(Number(row[i]))));
  const numCol = numeric.lastIndexOf(true);
  const labelCol = columns.findIndex((c, i) => i !== numCol);
  const rows = rowArrays.map(row => Object.fromEntries(columns.map((c, i) => [c, row[i] === null ? '' : String(row[i])])));
  root.append(el('h2', {}, `${name} (${fmt(total)} rows)`));
  const parts = [];
  if (columns.includes('country') && columns.includes('category') && columns.includes('category_count')) parts.push(q1Map(rows));
  else if (numCol >= 0 && labelCol >= 0) {
    root.append(el('p', { class: 'muted' }, `Top 15 by ${columns[numCol]}`),
      bars(rows, x => columns.filter((c, i) => i !== numCol).map(c => x[c]).join(' · '), x => Number(x[columns[numCol]]), 15));
  }
  const tbl = table(columns.map((c, i) => ({ key: c, label: c, num: i === numCol, sort: i === numCol ? (x => Number(x[c])) : undefined })), rows);
  return Promise.all(parts).then(nodes => root.append(...nodes, tbl));
}

pages.analytics = async (root, params) => {
  const d = await api('analytics' + (params.get('date') ? '?date=' + encodeURIComponent(params.get('date')) : ''));
  const live = params.get('view') === 'live';
  root.append(el('h1', {}, 'Analytics'));
  const views = el('p', { class: 'controls' }, 'View: ', live ? link('analytics', { name: params.get('name') || 'category_by_country' }, 'batch runs') : el('strong', {}, 'batch runs'), ' · ',
    live ? el('strong', {}, 'live') : link('analytics', { view: 'live', name: params.get('name') || 'category_by_country' }, 'live'));
  root.append(views);
  if (live) {
    const list = await fetch('/analytics', { credentials: 'same-origin' });
    if (!list.ok) { root.append(el('p', { class: 'muted' }, `The live view is not available (HTTP ${list.status}).`)); return; }
    const names = (await list.json()).tables;
    const name = params.get('name') || 'category_by_country';
    const r = await fetch('/analytics/' + encodeURIComponent(name), { credentials: 'same-origin' });
    if (!r.ok) { root.append(el('p', { class: 'muted' }, `The live view is not available (HTTP ${r.status}).`)); return; }
    const t = await r.json();
    const cols = t.columns.map(c => c.name);
    root.append(el('p', { class: 'muted' }, 'The last batch run plus every row the streaming job has committed since.'),
      el('ul', { class: 'inline' }, names.map(n => el('li', {}, n === name ? el('strong', {}, n) : link('analytics', { view: 'live', name: n }, n)))));
    await drawResult(root, name + ' (live)', cols, t.rows.map(row => cols.map(c => row[c])), t.rows.length);
    return;
  }
  if (!d.dates.length) { root.append(el('p', { class: 'muted' }, 'No analytics results yet (run the daily DAG).')); return; }
  const dateSel = el('select', { name: 'date', onchange: () => { location.hash = '#/analytics?date=' + dateSel.value; } }, d.dates.map(x => el('option', { value: x, selected: x === d.date }, x)));
  root.append(el('div', { class: 'controls' }, el('label', {}, 'Run date', dateSel)),
    table([{ key: 'name', label: 'Result', fmt: r => link('analytics', { date: d.date, name: r.name }, r.name) }, { key: 'rows', label: 'Rows', num: true, fmt: r => fmt(r.rows) }], d.results));
  const name = params.get('name');
  if (!name) return;
  const r = await api(`analytics/result?date=${encodeURIComponent(d.date)}&name=${encodeURIComponent(name)}`);
  await drawResult(root, name, r.columns, r.rows, r.total_rows);
};

pages.lake = async (root, params) => {
  const prefix = params.get('prefix') || '';
  root.append(el('h1', {}, 'Lake'));
  const crumbs = el('p', {}, link('lake', null, 'lake'));
  let acc = '';
  for (const part of prefix.split('/').filter(Boolean)) { acc += (acc ? '/' : '') + part; crumbs.append(' / ', link('lake', { prefix: acc }, part)); }
  root.append(crumbs);
  const obj = params.get('key');
  if (obj) {
    const o = await api('lake/object?key=' + encodeURIComponent(obj));
    root.append(el('h2', {}, `${o.key} (${fmtBytes(o.size)}${o.truncated ? ', first 64 KiB' : ''})`), payloadView(o.preview, params.get('mode') || 'text'));
    return;
  }
  const d = await api('lake?prefix=' + encodeURIComponent(prefix));
  root.append(el('p', { class: 'muted' }, vol(d.root)), table([
    { key: 'name', label: 'Name', fmt: r => r.dir ? link('lake', { prefix: (prefix ? prefix + '/' : '') + r.name }, r.name + '/') : link('lake', { prefix, key: (prefix ? prefix + '/' : '') + r.name }, r.name) },
    { key: 'size', label: 'Size', num: true, fmt: r => r.dir ? '' : fmtBytes(r.size) }], d.entries, { empty: 'Empty.' }));
};

// Record trace: log → sink object → clean Delta commit and file → the DAG run that read it.
pages.trace = async (root, params) => {
  const topics = (await api('topics')).topics.map(t => t.name);
  const st = { topic: params.get('topic') || topics[0] || '', partition: params.get('partition') || '0', offset: params.get('offset') || '',
    stream: params.get('stream') || '', seq: params.get('seq') || '' };
  const topicSel = el('select', { name: 'topic' }, topics.map(t => el('option', { value: t, selected: t === st.topic }, t)));
  const partIn = el('input', { name: 'partition', value: st.partition, size: 4 });
  const offIn = el('input', { name: 'offset', value: st.offset, size: 12 });
  const streamIn = el('input', { name: 'stream', value: st.stream, size: 20, placeholder: 'Kinesis stream' });
  const seqIn = el('input', { name: 'seq', value: st.seq, size: 30, placeholder: 'sequence number' });
  const f = el('form', { class: 'controls', 'aria-label': 'Record to trace' },
    el('label', {}, 'Topic', topicSel), el('label', {}, 'Partition', partIn), el('label', {}, 'Offset', offIn),
    el('label', {}, 'or Kinesis stream', streamIn), el('label', {}, 'Sequence number', seqIn),
    el('button', { type: 'submit' }, 'Trace'));
  // A new hash renders the trace of the record it names (replacing the state alone traced nothing).
  f.onsubmit = (e) => { e.preventDefault(); location.hash = '#/trace?' + new URLSearchParams(streamIn.value && seqIn.value
    ? { stream: streamIn.value, seq: seqIn.value } : { topic: topicSel.value, partition: partIn.value, offset: offIn.value }); };
  const out = el('ol', { id: 'trace', class: 'trace' });
  root.append(el('h1', {}, 'Record trace'), f, out);
  const byStream = st.stream && st.seq;
  if (!byStream && (!st.topic || st.offset === '')) { out.append(el('li', { class: 'muted' }, 'Pick a record (or use "trace this record" in Messages).')); return; }
  const d = await api('trace?' + new URLSearchParams(byStream ? { stream: st.stream, seq: st.seq } : { topic: st.topic, partition: st.partition, offset: st.offset }));
  const hop = (id, title, h, body) => el('li', { id: 'hop-' + id, class: 'hop ' + (h.state === 'done' ? 'ok' : 'idle'), 'data-state': h.state },
    el('h2', {}, title, ' ', el('span', { class: 'muted' }, h.state === 'done' ? '✓' : '— ' + h.state)),
    h.state === 'done' ? body() : el('p', { class: 'muted' }, h.note || ''));
  out.append(
    hop('record', `Record ${d.topic}-${d.partition}@${d.offset}`, d.record, () => [
      el('p', {}, 'Timestamp ', vol(fmtTime(d.record.timestamp_ms)), ' · key ', payloadText(d.record.key)),
      payloadView(d.record.value, 'text')]),
    hop('object', 'Lake object (S3 sink)', d.object, () => el('p', {},
      link('lake', { key: d.object.key }, d.object.key), ` · offsets ${d.object.start_offset}–${d.object.end_offset ?? '…'} · ${fmtBytes(d.object.size)}`)),
    hop('delta', 'Delta table', d.delta, () => [
      el('p', {}, link('delta', { table: d.delta.table }, d.delta.table), ` version ${d.delta.version} (current ${d.delta.current_version}) · ${d.delta.operation} · ${d.delta.logical_date}`),
      // The part file holding the record when the server found it (by the row's ind); else every part of the commit.
      el('ul', {}, (d.delta.file ? d.delta.files.filter(x => x.path === d.delta.file) : d.delta.files).map(x =>
        el('li', { class: 'delta-file' }, vol(x.path), x.in_snapshot ? '' : ' (no longer in the current snapshot)'))),
      d.delta.row !== undefined ? el('p', { id: 'delta-row' }, `row ${d.delta.row} (ind ${d.delta.ind}) · 1 of the commit's ${d.delta.files.length} part files, ${d.delta.files_read} read`) : null,
      d.delta.note ? el('p', { class: 'muted' }, d.delta.note) : null]),
    // The commit whose part file holds the record (holds_record), else every covering commit's files.
    hop('stream', 'Streaming job commit', d.stream, () => el('ul', {}, d.stream.commits.map(c => el('li', { class: c.holds_record ? 'stream-hit' : null },
      link('delta', { table: c.table }, c.table), ' version ', vol(c.version), ' · batch ', vol(c.batch), ' · ',
      c.holds_record ? [vol(c.file), `, row ${c.row} (holds the record)`] : c.holds_record === false ? 'does not hold the record' :
        vol(c.files.map(x => x.path + (x.in_snapshot ? '' : ' (no longer in the current snapshot)')).join(', ')))))),
    hop('run', 'DAG run', d.run, () => el('p', {},
      link('dags', { dag: d.run.dag_id }, vol(d.run.run_id)), ` · ${d.run.dag_id} ${d.run.logical_date}`, d.run.run_state ? ' · ' + d.run.run_state : '')));
};

// ---------- router ----------
// ---------- consumer group detail: member assignments, lag in time ----------
async function groupDetail(root, g) {
  const d = await api('groups/' + encodeURIComponent(g.group));
  const memberOf = id => d.members.find(m => m.member_id === id);
  root.append(el('h2', {}, 'Assignments'), table([
    { key: 'kind', label: 'Kind' },
    { key: 'member_id', label: 'Member id', fmt: r => vol(r.member_id, 'code') },
    { key: 'client_id', label: 'Client id' },
    { key: 'host', label: 'Host' },
    { key: 'partitions', label: 'Partitions', sort: r => r.partitions.length,
      fmt: r => r.partitions.map(p => `${p.topic}-${p.partition}`).join(', ') || 'none' },
  ], d.members, { class: 'group-assignments', sort: 'client_id', empty: 'No member holds an assignment from the group coordinator.' }),
  el('h2', {}, 'Partitions'), table([
    { key: 'topic', label: 'Topic' }, { key: 'partition', label: 'Partition', num: true },
    { key: 'committed', label: 'Committed', num: true }, { key: 'high_watermark', label: 'High watermark', num: true },
    { key: 'lag', label: 'Lag', num: true },
    { key: 'lag_ms', label: 'Lag (time)', num: true, fmt: r => r.lag_ms === null ? '–' : r.lag_ms === 0 ? '0' : vol(fmt(r.lag_ms, 'ms') + ' ms') },
    { key: 'assigned_to', label: 'Member', fmt: r => { const m = memberOf(r.assigned_to); return m ? m.client_id : '–'; } },
  ], d.partitions, { class: 'group-partitions' }));
}
// ---------- end of the consumer group detail ----------

// ---------- streaming job: latency histograms ----------
// A histogram {le: [bounds s], counts: [per bucket, +Inf last]} as bars, one per bucket.
function histogramChart(h, label) {
  const W = 600, H = 170, base = H - 30, n = h.counts.length, bw = W / n;
  const s = svgEl('svg', { class: 'histogram', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, 'data-volatile': '' });
  const max = Math.max(1, ...h.counts);
  const name = i => i < h.le.length ? '≤' + (h.le[i] < 1 ? Math.round(h.le[i] * 1000) + 'ms' : h.le[i] + 's') : '>' + h.le[h.le.length - 1] + 's';
  s.append(svgEl('line', { x1: 0, y1: base, x2: W, y2: base }));
  h.counts.forEach((c, i) => {
    const bh = (c / max) * (base - 16);
    s.append(svgEl('rect', { x: (i * bw + 2).toFixed(1), y: (base - bh).toFixed(1), width: (bw - 4).toFixed(1), height: bh.toFixed(1), 'data-count': c }));
    const t = svgEl('text', { x: (i * bw + bw / 2).toFixed(1), y: base + 12, 'text-anchor': 'middle' }); t.textContent = name(i); s.append(t);
    if (c) { const v = svgEl('text', { x: (i * bw + bw / 2).toFixed(1), y: (base - bh - 3).toFixed(1), 'text-anchor': 'middle' }); v.textContent = c; s.append(v); }
  });
  const total = h.counts.reduce((a, b) => a + b, 0);
  const t = svgEl('text', { x: 4, y: H - 2 }); t.textContent = total ? `${total} batch${total === 1 ? '' : 'es'} · mean ${fmt(h.sum_s / total * 1000, 'ms')} ms` : 'no batch yet'; s.append(t);
  return s;
}
function streamHistograms(j) {
  const hs = j.histograms;
  if (!hs) return el('div');
  return el('div', { class: 'split', id: 'stream-histograms' },
    el('div', {}, el('h2', {}, 'Ack → Delta commit latency (per batch, oldest record)'), histogramChart(hs.commit_latency, 'ack to commit latency histogram')),
    el('div', {}, el('h2', {}, 'Batch duration'), histogramChart(hs.batch_duration, 'batch duration histogram')));
}
// ---------- end of the streaming job histograms ----------

// ---------- Kinesis iterator age (per shard and reader) ----------
function iteratorAgeColumns() {
  // One column: the shard's age (the largest), then each reader's MillisBehindLatest.
  return [{ key: 'iterator_age_ms', label: 'Iterator age', sort: r => r.iterator_age_ms ?? -1,
    fmt: r => r.readers.length ? el('ul', { class: 'readers' }, r.readers.map(x => el('li', { 'data-reader': x.reader },
      `${x.reader}${x.kind === 'consumer' ? ' (consumer)' : ''}: `, vol(fmt(x.millis_behind, 'ms') + ' ms'),
      x.kind === 'stream job' ? '' : [' · ', vol(fmtAgo(x.at_ms))]))) : el('span', { class: 'muted' }, 'no reader') }];
}
// ---------- end of the Kinesis iterator age ----------

// ---------- S3 sink: open objects, next rotation, last objects ----------
function sinkRotation(r) {
  const rules = [`flush.size ${fmt(r.flush_size)} records`];
  if (r.rotate_interval_ms !== null) rules.push(`rotate.interval.ms ${fmt(r.rotate_interval_ms)} (record time)`);
  if (r.rotate_schedule_interval_ms !== null) rules.push(`rotate.schedule.interval.ms ${fmt(r.rotate_schedule_interval_ms)} (wall clock)`);
  return el('p', { class: 'muted', id: 'sink-rotation' }, 'An object is cut at whichever comes first: ' + rules.join(', ') + '.');
}
function sinkObjects(d) {
  const parts = d.partitions.filter(p => p.open);
  const next = p => {
    const o = p.open, n = o.next_rotation, out = [];
    if (!o.records) return 'nothing buffered';
    out.push(`${fmt(n.records_left)} more records`);
    if (n.rotate_at_ms !== null) out.push(['at ', vol(fmtTime(n.rotate_at_ms))]);
    if (n.rotate_at_record_ms !== null) out.push(['a record at ', vol(fmtTime(n.rotate_at_record_ms))]);
    return out.flatMap((x, i) => i ? [' or ', x] : [x]);
  };
  const recent = parts.flatMap(p => p.recent.map(o => Object.assign({ topic: p.topic, partition: p.partition }, o)))
    .sort((a, b) => b.committed_ms - a.committed_ms || b.start_offset - a.start_offset);
  return [
    el('h2', {}, 'Open objects'),
    table([
      { key: 'topic', label: 'Topic' }, { key: 'partition', label: 'Partition', num: true },
      { key: 'start', label: 'From offset', num: true, sort: r => r.open.start_offset, fmt: r => vol(r.open.start_offset) },
      { key: 'records', label: 'Records buffered', num: true, sort: r => r.open.records, fmt: r => vol(fmt(r.open.records)) },
      { key: 'bytes', label: 'Bytes buffered', num: true, sort: r => r.open.bytes, fmt: r => vol(fmtBytes(r.open.bytes)) },
      { key: 'since', label: 'Open since', sort: r => r.open.since_ms ?? 0, fmt: r => r.open.since_ms === null ? '–' : vol(fmtAgo(r.open.since_ms)) },
      { key: 'next', label: 'Next rotation', sort: r => r.open.next_rotation.records_left, fmt: r => el('span', {}, next(r)) },
    ], parts, { class: 'sink-open', empty: 'No partition task yet.' }),
    el('h2', {}, 'Last objects'),
    table([
      // Where the cuts fall depends on timing (rotation): the keys are live values.
      { key: 'key', label: 'Key', fmt: r => el('a', { href: '#/lake?' + new URLSearchParams({ prefix: r.key.replace(/[^/]*$/, '') }), 'data-volatile': true }, r.key) },
      { key: 'records', label: 'Records', num: true, fmt: r => vol(fmt(r.records)) },
      { key: 'bytes', label: 'Size', num: true, fmt: r => vol(fmtBytes(r.bytes)) },
      { key: 'range', label: 'Offsets', sort: r => r.start_offset, fmt: r => vol(`${r.start_offset} – ${r.end_offset - 1}`) },
      { key: 'committed_ms', label: 'Committed', fmt: r => vol(fmtTime(r.committed_ms)) },
    ], recent.slice(0, 20), { class: 'sink-recent', empty: 'No object committed since the server started.' }),
  ];
}
// ---------- end of the S3 sink objects ----------

// ---------- REST Proxy page (requests by route and status, latencies, rejections) ----------
const httpReasons = { 400: 'bad request', 401: 'unauthorized', 403: 'forbidden', 404: 'not found', 405: 'method not allowed',
  408: 'request timeout', 409: 'conflict', 411: 'length required', 413: 'payload too large', 415: 'unsupported media type',
  422: 'unprocessable', 429: 'too many requests (back-pressure)', 431: 'headers too large', 500: 'server error',
  503: 'unavailable', 504: 'gateway timeout' };
pages.rest = async (root, params) => {
  root.append(el('h1', {}, 'REST Proxy'));
  const showUi = params.get('ui') === '1';
  const toggle = el('input', { type: 'checkbox', id: 'rest-show-ui', checked: showUi,
    onchange: () => { setState({ ui: toggle.checked ? '1' : '' }); load().catch(e => showError(body, e)); } });
  const summary = el('div', { class: 'cards' }), body = el('div');
  root.append(summary, el('p', {}, el('label', { for: 'rest-show-ui', class: 'inline-check' }, toggle, ' Include the dashboard\'s own routes (/ui)')), body);
  const card = (key, label, value, unit, state) => el('div', { class: 'card ' + (state || 'ok'), 'data-key': key },
    el('div', { class: 'label' }, label), el('div', {}, el('span', { class: 'value' }, value), el('span', { class: 'unit' }, unit || '')));
  const load = async () => {
    const d = await api('rest');
    const routes = d.routes.filter(r => toggle.checked || !r.ui);
    const rate = routes.reduce((n, r) => n + (r.rate || 0), 0);
    const r429 = (d.rejections.find(x => x.code === 429) || { count: 0 }).count;
    summary.replaceChildren(
      card('requests', 'Requests', vol(fmt(d.totals.requests)), ''),
      card('rate', 'Request rate', vol(fmt(rate)), '/s'),
      card('4xx', 'Rejected (4xx)', vol(fmt(d.totals['4xx'])), '', d.totals['4xx'] ? 'warn' : 'ok'),
      card('5xx', 'Errors (5xx)', vol(fmt(d.totals['5xx'])), '', d.totals['5xx'] ? 'bad' : 'ok'),
      card('429', 'Back-pressure (429)', vol(fmt(r429)), '', r429 ? 'warn' : 'ok'));
    const codes = r => Object.entries(r.errors).map(([c, n]) => `${c}×${n}`).join(' ');
    body.replaceChildren(
      el('h2', {}, 'Requests by route'),
      table([
        { key: 'method', label: 'Method' },
        { key: 'route', label: 'Route', fmt: r => el('code', {}, r.route) },
        { key: 'requests', label: 'Requests', num: true, fmt: r => vol(fmt(r.requests)) },
        { key: 'trend', label: 'Per s', sort: r => r.rate ?? -1, fmt: r => sparkline(r.series.requests.values) },
        { key: '2xx', label: '2xx', num: true, sort: r => r.by_class['2xx'] || 0, fmt: r => vol(fmt(r.by_class['2xx'] || 0)) },
        { key: '4xx', label: '4xx', num: true, sort: r => r.by_class['4xx'] || 0, fmt: r => vol(fmt(r.by_class['4xx'] || 0)) },
        { key: '5xx', label: '5xx', num: true, sort: r => r.by_class['5xx'] || 0, fmt: r => vol(fmt(r.by_class['5xx'] || 0)) },
        { key: 'errors', label: 'By code', sort: codes, fmt: r => vol(codes(r)) },
        { key: 'p50_ms', label: 'p50 ms', num: true, fmt: r => vol(fmt(r.p50_ms, 'ms')) },
        { key: 'p99_ms', label: 'p99 ms', num: true, fmt: r => vol(fmt(r.p99_ms, 'ms')) },
        { key: 'p99', label: 'p99 trend', sort: r => r.p99_ms_now ?? -1, fmt: r => sparkline(r.series.p99_ms.values) },
      ], routes, { class: 'rest-routes', sort: 'route', empty: 'No request answered yet.' }),
      el('p', { class: 'muted' }, 'p50/p99 since the server started, from the per-route histograms (pinpipe_http_request_duration_seconds); the trends are the last 5 minutes, per second.'),
      el('h2', {}, 'Rejections by status'),
      table([
        { key: 'code', label: 'Status', num: true },
        { key: 'reason', label: 'Meaning', sort: r => httpReasons[r.code] || '', fmt: r => httpReasons[r.code] || '' },
        { key: 'count', label: 'Responses', num: true, fmt: r => vol(fmt(r.count)) },
      ], d.rejections, { class: 'rest-rejections', sort: 'code', dir: 1, empty: 'No request was rejected.' }));
  };
  await load();
  every(5000, () => load().catch(() => {}));
};
// ---------- end of the REST Proxy page ----------

async function render() {
  timers.forEach(clearInterval); timers = [];
  listeners.metrics = []; listeners.records = [];
  const { page, params } = parseRoute();
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === '#/' + page);
  if (!(page === 'messages' && params.get('tail') === '1')) openFeed(null);
  const root = el('div', { id: 'page-' + page });
  main.replaceChildren(root);
  const fn = pages[page];
  if (!fn) { root.append(el('h1', {}, 'Not found'), el('p', {}, link('overview', null, 'Overview'))); return; }
  document.title = 'pinpipe · ' + page;
  try { await fn(root, params); } catch (e) { root.append(el('p', { class: 'error', role: 'alert' }, String(e.message || e))); }
  root.setAttribute('data-loaded', '1');
}

window.addEventListener('hashchange', render);
sessionReady = api('session').then(s => { session = s; }, () => { /* rendered pages show the error */ });
if (!location.hash) history.replaceState(null, '', '#/overview');
render();
