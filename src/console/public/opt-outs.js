// Numbers that asked not to be messaged: why, and since when.
import { api } from './api.js';
import { explainCode } from './codes.js';
import { h, pagerButtons, replace, time } from './dom.js';

const SOURCE = {
  keyword: 'texted a keyword',
  delivery_code: 'Sinch reported an opt-out code',
  operator: 'set by an operator',
};

export function optOutsView() {
  const cursors = [undefined];
  let page = 0;
  const results = h('div', { id: 'opt-outs' });
  const pager = h('div', { class: 'pager' });

  async function refresh() {
    const body = await api('/opt-outs', { query: { limit: 50, cursor: cursors[page] } });
    cursors[page + 1] = body.nextCursor ?? undefined;
    replace(
      results,
      body.optOuts.length === 0
        ? h('p', { class: 'muted' }, 'No number has opted out.')
        : h(
            'table',
            { class: 'list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Number', 'Why', 'Since', 'From'].map((t) => h('th', {}, t)),
              ),
            ),
            h(
              'tbody',
              {},
              body.optOuts.map((o) =>
                h(
                  'tr',
                  { 'data-number': o.number },
                  h('td', {}, o.number),
                  h('td', {}, reason(o)),
                  h('td', {}, time(o.createdAt)),
                  h('td', { class: 'muted' }, o.reference ?? ''),
                ),
              ),
            ),
          ),
    );
    replace(
      pager,
      ...pagerButtons(page, Boolean(body.nextCursor), (next) => {
        page = next;
        refresh();
      }),
    );
  }

  return { element: h('section', {}, h('h2', {}, 'Opt-outs'), results, pager), refresh };
}

function reason(optOut) {
  const how = SOURCE[optOut.source] ?? optOut.source;
  if (optOut.source === 'delivery_code' && /^\d+$/.test(optOut.reason)) {
    return `${how}: ${explainCode(Number(optOut.reason))}`;
  }
  return `${how}: ${optOut.reason}`;
}
