/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The console's page: hash routes, DOM built with createElement and text nodes only (never
// innerHTML), charts by uPlot. What came from events is always text.
import uPlot from 'uplot';

// biome-ignore lint/suspicious/noExplicitAny: the server's JSON, read field by field
type Json = any;

type Child = Node | string | number | null | undefined | false;

function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const view = document.getElementById('view') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;
let charts: uPlot[] = [];

async function api(path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  return { status: res.status, body: await res.json() };
}

// Each route change starts a new render; an older one still waiting for its answer must not
// paint over it (a slow alerts fetch landing on top of the timeline asked for since).
let generation = 0;

/** Replaces the page; renderers check `generation` after each await before they call it. */
function show(...children: Child[]) {
  for (const c of charts) c.destroy();
  charts = [];
  view.replaceChildren(
    ...children
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
}

const ms = (n: number) =>
  n >= 60_000
    ? `${(n / 60_000).toFixed(1)} min`
    : n >= 1000
      ? `${(n / 1000).toFixed(1)} s`
      : `${Math.round(n)} ms`;
const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleTimeString() : '—');
const instanceHref = (id: string, workflow?: string) =>
  `#/instance/${encodeURIComponent(id)}${workflow ? `?workflow=${encodeURIComponent(workflow)}` : ''}`;
const stepHref = (workflow: string, step: string) =>
  `#/step/${encodeURIComponent(workflow)}/${encodeURIComponent(step)}`;

// ---------- theme ----------
const themeButton = document.getElementById('theme') as HTMLButtonElement;
function applyTheme(theme: string) {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem('overdue-theme', theme);
}
applyTheme(
  localStorage.getItem('overdue-theme') ??
    (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'),
);
themeButton.addEventListener('click', () => {
  applyTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark');
  route();
});
const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// ---------- board (live) ----------
let lastBoard: Json | undefined;
let source: EventSource | undefined;
function connectLive() {
  source = new EventSource('/api/live');
  source.addEventListener('board', (e) => {
    lastBoard = JSON.parse((e as MessageEvent).data);
    live.className = 'live on';
    live.textContent = `live · ${when(lastBoard.generatedAt)}`;
    if (currentRoute().page === 'board') renderBoard(lastBoard);
  });
  source.addEventListener('problem', (e) => {
    live.className = 'live';
    live.textContent = `table unreachable: ${JSON.parse((e as MessageEvent).data).error}`;
  });
  source.onerror = () => {
    live.className = 'live';
    live.textContent = 'reconnecting…';
  };
}

/** Instances ended per minute over the last hour, as bars: the shape of the traffic at a glance. */
function endedBars(perMinute: number[]) {
  const el = h('div', {
    class: 'spark',
    role: 'img',
    'aria-label': `instances ended per minute over the last hour, ${perMinute.reduce((a, b) => a + b, 0)} in all`,
  });
  const xs = perMinute.map((_, i) => i - perMinute.length + 1);
  queueMicrotask(() => {
    charts.push(
      new uPlot(
        {
          width: 300,
          height: 40,
          legend: { show: false },
          cursor: { show: false },
          axes: [{ show: false }, { show: false }],
          scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          series: [
            {},
            {
              fill: css('--ok'),
              stroke: css('--ok'),
              paths: uPlot.paths.bars?.({ size: [0.7, 6] }) as uPlot.Series.PathBuilder,
              points: { show: false },
            },
          ],
        },
        [xs, perMinute] as uPlot.AlignedData,
        el,
      ),
    );
  });
  return h('div', {}, h('div', { class: 'muted' }, 'ended per minute, last hour'), el);
}

function sparkline(title: string, p50: (number | null)[], p99: (number | null)[], windowMs: number) {
  const el = h('div', {
    class: 'spark',
    role: 'img',
    'aria-label': `${title}: latency p50 and p99 over the last ${p50.length} windows`,
  });
  const xs = p50.map((_, i) => i - p50.length + 1);
  queueMicrotask(() => {
    charts.push(
      new uPlot(
        {
          width: 300,
          height: 70,
          legend: { show: false },
          cursor: { show: false },
          axes: [{ show: false }, { show: false }],
          // Half a window of room each side, so that a lone point (a new series) is whole.
          scales: { x: { time: false, range: [-(xs.length - 1) - 0.5, 0.5] } },
          series: [
            {},
            { stroke: css('--accent'), width: 2, spanGaps: true, points: { show: true, size: 6 } },
            {
              stroke: css('--late'),
              width: 1,
              dash: [4, 3],
              spanGaps: true,
              points: { show: true, size: 4 },
            },
          ],
        },
        [xs, p50, p99] as uPlot.AlignedData,
        el,
      ),
    );
  });
  const latest = [...p50].reverse().find((v) => v !== null);
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'muted' },
      h('a', { href: '' }, title),
      ` · p50 ${latest == null ? '—' : ms(latest)} (line; p99 dashed) · windows of ${ms(windowMs)}`,
    ),
    el,
  );
}

function renderBoard(board: Json) {
  const cards = board.workflows.map((w: Json) => {
    const sparks = w.latency.map((l: Json) => {
      const el = sparkline(l.step, l.p50, l.p99, l.windowMs);
      const link = el.querySelector('a') as HTMLAnchorElement;
      link.href = stepHref(w.name, l.step);
      return el;
    });
    return h(
      'section',
      { class: 'card', 'data-workflow': w.name, 'aria-label': `workflow ${w.name}` },
      h('h2', {}, w.name),
      h(
        'div',
        {},
        h('span', { class: 'big', 'data-field': 'inFlight' }, w.inFlight),
        h('span', { class: 'muted' }, ' in flight'),
      ),
      h('div', { class: 'muted' }, 'outcomes, last hour'),
      h(
        'ul',
        { class: 'chips' },
        ...(['completed', 'late', 'failed', 'timed_out', 'incomplete'] as const).map((k) =>
          h(
            'li',
            { class: `chip s-${k}`, 'data-outcome': k },
            h('b', {}, w.outcomes[k]),
            ` ${k.replace('_', ' ')}`,
          ),
        ),
      ),
      h(
        'div',
        {},
        h(
          'a',
          { href: `#/alerts?workflow=${encodeURIComponent(w.name)}`, 'data-field': 'alerts' },
          `${w.alertsLastHour} alerts`,
        ),
        ' in the last hour, ',
        h('b', { 'data-field': 'openAlerts' }, w.openAlerts),
        ' still open',
        Object.keys(w.alertsByKind).length > 0
          ? h(
              'span',
              { class: 'muted' },
              `: ${Object.entries(w.alertsByKind)
                .map(([k, n]) => `${n} ${k}`)
                .join(', ')}`,
            )
          : null,
      ),
      ...w.openIncidents.map((i: Json) =>
        h(
          'div',
          { class: 'incident', 'data-incident': i.id },
          h('b', {}, 'open incident '),
          `${i.count}× ${i.of}${i.step ? ` on ${i.step}` : ''} (${i.severity})`,
        ),
      ),
      endedBars(w.perMinute),
      ...sparks,
    );
  });
  show(
    h('h1', {}, 'Board'),
    h(
      'p',
      { class: 'muted' },
      `${board.workflows.length} workflows · read ${board.readUnits.toFixed(1)} read units in ${board.loadMs} ms · ${when(board.generatedAt)}`,
    ),
    h('div', { class: 'grid' }, ...cards),
  );
}

// ---------- instance timeline ----------
async function renderInstance(id: string, workflow: string | undefined) {
  const mine = generation;
  show(h('h1', {}, 'Instance ', h('code', {}, id)), h('p', { class: 'muted' }, 'loading…'));
  const { status, body } = await api(
    `/api/instance/${encodeURIComponent(id)}${workflow ? `?workflow=${encodeURIComponent(workflow)}` : ''}`,
  );
  if (mine !== generation) return;
  if (status === 404) {
    show(
      h('h1', {}, 'Instance ', h('code', {}, id)),
      h('p', { class: 'problem', role: 'alert' }, `No instance ${id} in the table.`),
    );
    return;
  }
  show(h('h1', {}, 'Instance ', h('code', {}, id)), ...body.instances.map((i: Json) => instanceCard(i)));
}

function statusBadge(i: Json) {
  const cls =
    i.status === 'completed' && !i.late
      ? 'ok'
      : i.status === 'running'
        ? ''
        : i.status === 'completed'
          ? 'late'
          : 'bad';
  return h(
    'span',
    { class: `badge ${cls}`, 'data-field': 'status' },
    i.late ? `${i.status}, late` : i.status,
  );
}

function instanceCard(i: Json) {
  const now = Date.now();
  const times: number[] = [];
  const t = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
  for (const r of i.timeline) times.push(t(r.time));
  for (const st of i.steps) {
    if (st.deadline) times.push(t(st.deadline));
    if (st.done) times.push(t(st.done));
  }
  if (i.origin) times.push(t(i.origin));
  if (i.workflowDeadline) times.push(t(i.workflowDeadline));
  const finite = times.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite, lo + 1000);
  const lanes: string[] = i.steps.map((st: Json) => st.step);
  const unknown = i.timeline.filter((r: Json) => r.unknown);
  const rows = lanes.length + (unknown.length > 0 ? 1 : 0) + 1;
  const W = 900;
  const left = 190;
  const laneH = 30;
  const H = rows * laneH + 44;
  const perMs = (W - left - 20) / (hi - lo);
  const x = (ms: number) => left + (ms - lo) * perMs;
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `timeline of ${i.correlationId}`,
  });
  const laneY = (k: number) => 20 + k * laneH;
  // start lane: origin
  const all = [{ step: i.start ?? '(start)', deadline: null, done: i.origin, required: true }, ...i.steps];
  all.forEach((st: Json, k: number) => {
    const y = laneY(k);
    svg.append(s('line', { x1: left, x2: W - 10, y1: y + 12, y2: y + 12, class: 'axis' }));
    svg.append(s('text', { x: 4, y: y + 16 }, st.step));
    if (k > 0 && st.deadline) {
      const from = st.opens ? x(t(st.opens)) : i.origin ? x(t(i.origin)) : left;
      svg.append(
        s('rect', {
          x: from,
          y: y + 2,
          width: Math.max(1, x(t(st.deadline)) - from),
          height: 20,
          class: 'window',
        }),
      );
      svg.append(
        s('line', { x1: x(t(st.deadline)), x2: x(t(st.deadline)), y1: y, y2: y + 24, class: 'deadline' }),
      );
      const missing = !st.done && t(st.deadline) < now && st.required;
      if (missing) {
        svg.append(s('rect', { x: x(t(st.deadline)) - 6, y: y, width: 12, height: 24, class: 'missing' }));
        svg.append(
          s(
            'text',
            { x: Math.min(x(t(st.deadline)) + 8, W - 70), y: y + 16, class: 'missing-label' },
            'missing',
          ),
        );
      } else if (st.done && t(st.done) > t(st.deadline)) {
        svg.append(
          s('text', { x: Math.min(x(t(st.done)) + 8, W - 50), y: y + 16, class: 'late-label' }, 'late'),
        );
      }
    }
    for (const r of i.timeline.filter((r: Json) => r.step === st.step && !r.unknown))
      mark(svg, r, x(t(r.time)), y, perMs);
  });
  if (unknown.length > 0) {
    const y = laneY(all.length);
    svg.append(s('text', { x: 4, y: y + 16 }, '(unknown steps)'));
    for (const r of unknown) mark(svg, r, x(t(r.time)), y, perMs);
  }
  const bottom = laneY(rows);
  if (i.workflowDeadline) {
    const wx = x(t(i.workflowDeadline));
    svg.append(
      s('line', { x1: wx, x2: wx, y1: 14, y2: bottom, class: 'deadline', 'stroke-dasharray': '6 3' }),
    );
    svg.append(s('text', { x: Math.min(wx + 4, W - 110), y: 12 }, 'workflow deadline'));
  }
  svg.append(s('text', { x: left, y: bottom + 16 }, `${new Date(lo).toISOString().slice(11, 23)} UTC`));
  svg.append(s('text', { x: W - 150, y: bottom + 16 }, `${new Date(hi).toISOString().slice(11, 23)} UTC`));

  const traces = [
    ...new Map(i.timeline.filter((r: Json) => r.traceId).map((r: Json) => [r.traceId, r.traceUrl])).entries(),
  ];
  return h(
    'section',
    { class: 'card timeline', 'data-instance': i.correlationId, 'data-workflow': i.workflow },
    h('h2', {}, `${i.workflow} `, statusBadge(i)),
    h(
      'div',
      { class: 'legend' },
      h('span', {}, '● succeeded'),
      h('span', {}, '■ failed attempt'),
      h('span', {}, '○ started'),
      h('span', {}, '◆ unknown step'),
      h('span', {}, '◯ ring: cold start'),
      h('span', {}, '▬ duration'),
      h('span', {}, '| deadline, shaded: its window'),
    ),
    svg,
    h('h2', {}, 'Alerts raised'),
    i.alertsRaised.length === 0 && i.pending.length === 0
      ? h('p', { class: 'muted' }, 'none')
      : h(
          'ul',
          { 'data-field': 'alerts' },
          ...i.alertsRaised.map((a: string) => h('li', {}, a)),
          ...i.pending.map((a: Json) =>
            h('li', {}, `${a.kind}${a.step ? ` ${a.step}` : ''} (not yet published)`),
          ),
        ),
    h('h2', {}, 'Steps'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'step'),
          h('th', {}, 'done'),
          h('th', {}, 'deadline'),
          h('th', {}, 'latency vs baseline'),
        ),
      ),
      h(
        'tbody',
        {},
        ...i.steps.map((st: Json) =>
          h(
            'tr',
            { 'data-step': st.step },
            h(
              'td',
              {},
              h('a', { href: stepHref(i.workflow, st.step) }, st.step),
              st.required ? '' : ' (optional)',
            ),
            h('td', {}, st.done ? when(st.done) : pendingText(i, st, now)),
            h('td', {}, when(st.deadline)),
            h(
              'td',
              {},
              st.baseline
                ? `${ms(st.baseline.ms)} ${st.baseline.start}${st.baseline.p99 === null ? '' : `, p99 ${ms(st.baseline.p99)}${st.baseline.within ? '' : ' (beyond)'}`}`
                : '—',
            ),
          ),
        ),
      ),
    ),
    h('h2', {}, 'Events'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'time'),
          h('th', {}, 'step'),
          h('th', {}, 'status'),
          h('th', {}, 'source'),
          h('th', {}, 'run'),
          h('th', {}, 'error'),
        ),
      ),
      h(
        'tbody',
        {},
        ...i.timeline.map((r: Json) =>
          h(
            'tr',
            {},
            h('td', {}, when(r.time)),
            h('td', {}, r.step, r.unknown ? ' (unknown)' : ''),
            h('td', {}, r.status),
            h('td', {}, r.source ?? ''),
            h('td', {}, r.durationMs === undefined ? '' : ms(r.durationMs), r.coldStart ? ' cold' : ''),
            h('td', { 'data-field': 'error' }, r.error ?? ''),
          ),
        ),
      ),
    ),
    traces.length > 0
      ? h(
          'p',
          {},
          'Traces: ',
          ...traces.flatMap(([id, url]) => [
            url
              ? h('a', { href: String(url), rel: 'noreferrer', target: '_blank' }, String(id))
              : h('code', {}, String(id)),
            ' ',
          ]),
        )
      : null,
    i.timelineTrimmed > 0
      ? h('p', { class: 'muted' }, `${i.timelineTrimmed} timeline rows were dropped to keep the item small.`)
      : null,
  );
}

/** A step not done: missing once it can no longer count (its deadline passed, or the instance ended). */
function pendingText(i: Json, st: Json, now: number) {
  const over = i.status !== 'running' || (st.deadline !== null && Date.parse(st.deadline) < now);
  if (!over) return h('span', { class: 'muted' }, 'not yet');
  return st.required ? h('span', { class: 'problem' }, 'missing') : h('span', { class: 'muted' }, 'not done');
}

/** One event on its lane; `perMs` is the time axis' scale, so that a duration bar is to scale. */
function mark(svg: SVGElement, r: Json, cx: number, y: number, perMs: number) {
  const cy = y + 12;
  const title = s('title', {}, `${r.step} ${r.status} at ${r.time}${r.error ? `: ${r.error}` : ''}`);
  if (r.durationMs)
    svg.append(
      s('line', {
        x1: Math.max(0, cx - Math.max(2, r.durationMs * perMs)),
        x2: cx,
        y1: cy,
        y2: cy,
        class: 'duration',
      }),
    );
  let el: SVGElement;
  if (r.unknown)
    el = s('polygon', {
      points: `${cx},${cy - 6} ${cx + 6},${cy} ${cx},${cy + 6} ${cx - 6},${cy}`,
      class: 'm-unknown',
    });
  else if (r.status === 'failed')
    el = s('rect', { x: cx - 5, y: cy - 5, width: 10, height: 10, class: 'm-failed' });
  else el = s('circle', { cx, cy, r: 5, class: r.status === 'started' ? 'm-started' : 'm-succeeded' });
  el.append(title);
  svg.append(el);
  if (r.coldStart) svg.append(s('circle', { cx, cy, r: 9, class: 'cold' }));
}

// ---------- step view ----------
async function renderStep(workflow: string, step: string) {
  const mine = generation;
  show(h('h1', {}, `${workflow} · ${step}`), h('p', { class: 'muted' }, 'loading…'));
  const { status, body } = await api(`/api/step/${encodeURIComponent(workflow)}/${encodeURIComponent(step)}`);
  if (mine !== generation) return;
  if (status !== 200) {
    show(h('h1', {}, `${workflow} · ${step}`), h('p', { class: 'problem', role: 'alert' }, body.error));
    return;
  }
  const hist = body.histogram;
  const chart = h('div', { role: 'img', 'aria-label': 'latency histogram, warm and cold runs' });
  const quant = (label: string, q: Json) =>
    h(
      'tr',
      {},
      h('th', {}, label),
      ...(q
        ? [h('td', {}, q.count), h('td', {}, ms(q.p50)), h('td', {}, ms(q.p90)), h('td', {}, ms(q.p99))]
        : [h('td', { colspan: '4' }, 'no runs')]),
    );
  const list = (alerts: Json[]) =>
    alerts.length === 0
      ? h('p', { class: 'muted' }, 'none in the last 24 hours')
      : h(
          'ul',
          {},
          ...alerts.map((a) =>
            h(
              'li',
              {},
              h('a', { href: instanceHref(a.correlationId, a.workflow) }, a.correlationId),
              ` ${a.kind}${a.lateByMs ? `, ${ms(a.lateByMs)} late` : ''} · ${when(a.sentAt)}`,
            ),
          ),
        );
  show(
    h('h1', {}, `${workflow} · ${step}`),
    hist
      ? h(
          'section',
          { class: 'card' },
          h('h2', {}, `Latency since ${when(hist.since)} (learned baseline windows and the current one)`),
          chart,
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, ''),
                h('th', {}, 'runs'),
                h('th', {}, 'p50'),
                h('th', {}, 'p90'),
                h('th', {}, 'p99'),
              ),
            ),
            h('tbody', {}, quant('warm', hist.warmQuantiles), quant('cold', hist.coldQuantiles)),
          ),
        )
      : h(
          'p',
          { class: 'muted' },
          'This step has no latency baseline: add latency: to it in the workflow file to learn one.',
        ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Recent failures (failed, missing or assertion alerts on this step)'),
      list(body.failures),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Slowest instances (by how late they were)'),
      list(body.slowest),
    ),
  );
  if (hist && hist.edges.length > 1) {
    const xs = hist.edges.slice(0, -1).map((_: number, k: number) => k);
    const bars = uPlot.paths.bars?.({ size: [0.8, 40] }) as uPlot.Series.PathBuilder;
    charts.push(
      new uPlot(
        {
          width: Math.min(900, view.clientWidth - 40),
          height: 240,
          scales: { x: { time: false } },
          axes: [
            {
              stroke: css('--text'),
              values: (_u, ticks) => ticks.map((k) => (hist.edges[k] === undefined ? '' : ms(hist.edges[k]))),
            },
            { stroke: css('--text') },
          ],
          series: [
            { label: 'latency' },
            {
              label: 'warm',
              fill: css('--accent'),
              stroke: css('--accent'),
              paths: bars,
              points: { show: false },
            },
            {
              label: 'cold',
              fill: css('--late'),
              stroke: css('--late'),
              paths: bars,
              points: { show: false },
            },
          ],
        },
        [xs, hist.warm, hist.cold] as uPlot.AlignedData,
        chart,
      ),
    );
  }
}

// ---------- alerts ----------
async function renderAlerts(params: URLSearchParams) {
  const mine = generation;
  const { body } = await api(`/api/alerts?${params}`);
  if (mine !== generation) return;
  const select = (name: string, options: string[], label: string) =>
    h(
      'label',
      {},
      label,
      h(
        'select',
        { name },
        h('option', { value: '' }, 'all'),
        ...options.map((o) => {
          const el = h('option', { value: o }, o) as HTMLOptionElement;
          el.selected = params.get(name) === o;
          return el;
        }),
      ),
    );
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'filter alerts' },
    select('workflow', body.workflows, 'workflow'),
    select('kind', body.kinds, 'kind'),
    select('severity', body.severities, 'severity'),
  );
  form.addEventListener('change', () => {
    const next = new URLSearchParams();
    for (const el of form.querySelectorAll('select')) if (el.value) next.set(el.name, el.value);
    location.hash = `#/alerts?${next}`;
  });
  show(
    h('h1', {}, 'Alerts'),
    form,
    h('p', { class: 'muted' }, `${body.total} messages sent in the last ${body.hours} hours`),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'sent'),
          h('th', {}, 'workflow'),
          h('th', {}, 'kind'),
          h('th', {}, 'step'),
          h('th', {}, 'severity'),
          h('th', {}, 'instance'),
        ),
      ),
      h(
        'tbody',
        {},
        ...body.alerts.map((a: Json) =>
          h(
            'tr',
            { 'data-alert': a.alertId },
            h('td', {}, when(a.sentAt)),
            h('td', {}, a.workflow),
            h(
              'td',
              {},
              a.incident ? `incident: ${a.incident.count}× ${a.incident.of}` : a.kind,
              a.state === 'resolved' ? ' (resolved)' : '',
            ),
            h('td', {}, a.step ?? ''),
            h('td', {}, a.severity),
            h(
              'td',
              {},
              a.incident ? '' : h('a', { href: instanceHref(a.correlationId, a.workflow) }, a.correlationId),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---------- routing ----------
function currentRoute() {
  const [path, query] = location.hash.replace(/^#/, '').split('?', 2) as [string, string | undefined];
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query ?? '');
  if (parts[0] === 'instance' && parts[1]) return { page: 'instance', id: parts[1], params };
  if (parts[0] === 'step' && parts[1] && parts[2])
    return { page: 'step', workflow: parts[1], step: parts[2], params };
  if (parts[0] === 'alerts') return { page: 'alerts', params };
  return { page: 'board', params };
}

function route() {
  ++generation;
  const r = currentRoute();
  for (const a of document.querySelectorAll('nav a')) {
    if ((a as HTMLElement).dataset.nav === r.page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const fail = (error: unknown) =>
    show(h('p', { class: 'problem', role: 'alert' }, `Could not load: ${String(error)}`));
  if (r.page === 'instance')
    renderInstance(r.id as string, r.params.get('workflow') ?? undefined).catch(fail);
  else if (r.page === 'step') renderStep(r.workflow as string, r.step as string).catch(fail);
  else if (r.page === 'alerts') renderAlerts(r.params).catch(fail);
  else if (lastBoard) renderBoard(lastBoard);
  else
    api('/api/board')
      .then(({ body }) => {
        lastBoard = body;
        if (currentRoute().page === 'board') renderBoard(body);
      })
      .catch(fail);
}

document.getElementById('search')?.addEventListener('submit', (e) => {
  e.preventDefault();
  const id = (document.getElementById('search-id') as HTMLInputElement).value.trim();
  if (id) location.hash = instanceHref(id);
});
window.addEventListener('hashchange', route);
route();
connectLive();
