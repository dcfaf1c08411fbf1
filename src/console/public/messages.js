// The message list: filters (status, recipient, time) and paging, newest first.
import { api } from './api.js';
import { STATUS_MEANING } from './codes.js';
import { badge, h, pagerButtons, replace, time } from './dom.js';

const PAGE = 25;
const STATUSES = [
  'Pending',
  'Sent',
  'SendFailed',
  'SendRefused',
  'NoReport',
  'Queued',
  'Dispatched',
  'Delivered',
  'Failed',
  'Expired',
  'Rejected',
  'Aborted',
  'Cancelled',
  'Deleted',
  'Unknown',
];

/** A datetime-local value (the browser's time zone) as an ISO instant, or undefined. */
const instant = (value) => (value ? new Date(value).toISOString() : undefined);

export function messagesView() {
  const filters = {};
  const cursors = [undefined]; // cursors[i] opens page i
  let page = 0;

  const status = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const recipient = h('input', { id: 'filter-recipient', name: 'recipient', placeholder: '+15551234567' });
  const since = h('input', { id: 'filter-since', name: 'since', type: 'datetime-local', step: 1 });
  const until = h('input', { id: 'filter-until', name: 'until', type: 'datetime-local', step: 1 });
  const results = h('div', { id: 'messages' });
  const pager = h('div', { class: 'pager' });

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event) => {
        event.preventDefault();
        filters.status = status.value || undefined;
        filters.recipient = recipient.value.trim() || undefined;
        filters.since = instant(since.value);
        filters.until = instant(until.value);
        cursors.length = 1;
        page = 0;
        refresh();
      },
    },
    h('label', {}, 'Status ', status),
    h('label', {}, 'Recipient ', recipient),
    h('label', {}, 'From ', since),
    h('label', {}, 'Until ', until),
    h('button', { type: 'submit' }, 'Filter'),
  );

  async function refresh() {
    const body = await api('/messages', { query: { ...filters, limit: PAGE, cursor: cursors[page] } });
    cursors[page + 1] = body.nextCursor ?? undefined;
    replace(results, body.messages.length === 0 ? emptyList(filters) : table(body.messages));
    replace(
      pager,
      ...pagerButtons(page, Boolean(body.nextCursor), (next) => {
        page = next;
        refresh();
      }),
    );
  }

  return { element: h('section', {}, h('h2', {}, 'Messages'), form, results, pager), refresh };
}

function emptyList(filters) {
  const filtered = Object.values(filters).some((v) => v !== undefined);
  return h(
    'p',
    { class: 'muted', id: 'no-messages' },
    filtered
      ? 'No message matches these filters.'
      : 'No messages yet. Send one (the sandbox banner has a curl to paste) and it appears here.',
  );
}

function table(messages) {
  return h(
    'table',
    { class: 'list' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Stored', 'To', 'Status', 'Text', 'Parts'].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      messages.map((m) =>
        h(
          'tr',
          { 'data-message-id': m.id },
          h(
            'td',
            {},
            h('a', { href: `#/messages/${encodeURIComponent(m.id)}`, class: 'open' }, time(m.createdAt)),
          ),
          h(
            'td',
            { class: 'to' },
            m.recipients.length > 3
              ? `${m.recipients
                  .slice(0, 3)
                  .map((r) => r.to)
                  .join(', ')} and ${m.recipients.length - 3} more`
              : m.recipients.map((r) => r.to).join(', '),
          ),
          h('td', {}, badge(m.status, STATUS_MEANING[m.status])),
          h('td', { class: 'text' }, m.message),
          h('td', {}, m.parts === undefined ? '' : `${m.parts} ${m.encoding ?? ''}`),
        ),
      ),
    ),
  );
}
