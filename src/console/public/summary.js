// Recipients by status and time to delivery over the last hour and day (GET /stats), as bars.
import { api } from './api.js';
import { STATUS_MEANING } from './codes.js';
import { badge, h, replace, svg } from './dom.js';

const seconds = (ms) => (ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

export function summaryView() {
  const element = h(
    'section',
    { id: 'summary' },
    h('h2', {}, 'Summary'),
    h('p', { class: 'muted' }, 'Loading…'),
  );
  async function refresh() {
    const stats = await api('/stats');
    replace(
      element,
      h('h2', {}, 'Summary'),
      h(
        'div',
        { class: 'panels' },
        panel('Last hour', stats.lastHour),
        panel('Last 24 hours', stats.lastDay),
      ),
    );
  }
  return { element, refresh };
}

function panel(title, w) {
  const entries = Object.entries(w.byStatus).sort((a, b) => b[1] - a[1]);
  const t = w.timeToDelivery;
  return h(
    'article',
    { class: 'panel' },
    h('h3', {}, title),
    h('p', {}, `${w.recipients} recipient${w.recipients === 1 ? '' : 's'} of messages stored since then.`),
    entries.length === 0 ? h('p', { class: 'muted' }, 'Nothing sent.') : chart(entries),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Delivered'),
      h('dd', {}, String(t.count)),
      h('dt', {}, 'Time to delivery, median'),
      h('dd', { class: 'p50' }, seconds(t.p50Ms)),
      h('dt', {}, 'Time to delivery, 95th percentile'),
      h('dd', { class: 'p95' }, seconds(t.p95Ms)),
    ),
  );
}

/** One horizontal bar per status, its length the share of the largest count. */
function chart(entries) {
  const max = Math.max(...entries.map(([, n]) => n));
  const rowHeight = 22;
  const chartSvg = svg('svg', {
    class: 'bars',
    viewBox: `0 0 300 ${entries.length * rowHeight}`,
    role: 'img',
    'aria-label': entries.map(([s, n]) => `${s} ${n}`).join(', '),
  });
  entries.forEach(([status, n], i) => {
    const width = Math.max(2, Math.round((n / max) * 220));
    chartSvg.append(
      svg('rect', {
        x: 0,
        y: i * rowHeight + 3,
        width,
        height: rowHeight - 6,
        class: `bar ${barKind(status)}`,
      }),
      svg('text', { x: width + 6, y: i * rowHeight + rowHeight / 2 + 4 }, String(n)),
    );
  });
  return h(
    'div',
    { class: 'chart' },
    h(
      'ul',
      { class: 'legend' },
      entries.map(([status]) => h('li', {}, badge(status, STATUS_MEANING[status]))),
    ),
    chartSvg,
  );
}

function barKind(status) {
  if (status === 'Delivered') return 'ok';
  if (/^(Queued|Dispatched|Sent|Pending)$/.test(status)) return 'open';
  if (status === 'Cancelled') return 'off';
  return 'bad';
}
