// One message's page: its facts, and each recipient with its status and timeline of reports.
import { api } from './api.js';
import { explainCode, STATUS_MEANING } from './codes.js';
import { badge, h, replace, time } from './dom.js';

/** What the send itself came to (sendStatus), whatever the recipients' reports say since. */
const SEND_MEANING = {
  Pending: 'not yet answered by Sinch',
  Sent: 'Sinch accepted the batch',
  SendFailed: 'Sinch failed or did not answer; it may still have taken the batch',
  SendRefused: 'Sinch refused the batch: nothing was sent',
};

export function messageView(id) {
  const element = h('section', { id: 'message' }, h('p', { class: 'muted' }, 'Loading…'));

  async function refresh() {
    const m = await api(`/messages/${encodeURIComponent(id)}`);
    replace(
      element,
      h('p', {}, h('a', { href: '#/messages' }, '← All messages')),
      h('h2', {}, 'Message ', h('code', {}, m.id), ' ', badge(m.status, STATUS_MEANING[m.status])),
      h('pre', { class: 'body', id: 'message-body' }, m.message),
      facts(m),
      h('h3', {}, `Recipients (${m.recipients.length})`),
      m.recipients.map((r) => recipientCard(m, r)),
    );
  }
  return { element, refresh };
}

function facts(m) {
  const rows = [
    ['Batch id', m.batchId ?? '— (no answer from Sinch yet)'],
    ['Client reference', m.clientReference],
    ['From', m.from],
    ['Send status', `${m.sendStatus} — ${SEND_MEANING[m.sendStatus] ?? ''}`],
    ['Encoding', m.encoding ?? '—'],
    ['Parts', m.parts === undefined ? '—' : String(m.parts)],
    ['Delivery reports', m.deliveryReport],
    ['Stored', time(m.createdAt)],
    ['Last change', time(m.updatedAt)],
  ];
  if (m.sendAt) rows.push(['Scheduled for', time(m.sendAt)]);
  if (m.expireAt) rows.push(['Expires', time(m.expireAt)]);
  if (m.cancelledAt) rows.push(['Cancelled', time(m.cancelledAt)]);
  if (m.error) rows.push(['Error', `${m.error.code ?? ''} ${m.error.text ?? ''}`.trim()]);
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function recipientCard(message, r) {
  const steps = [
    {
      status: message.sendStatus === 'Pending' ? 'Pending' : 'Stored',
      at: message.createdAt,
      note: 'Stored here, then handed to Sinch.',
    },
    ...r.history.map((e) => ({ status: e.status, at: e.at, note: explainCode(e.code) })),
  ];
  return h(
    'article',
    { class: 'recipient', 'data-recipient': r.to },
    h('h4', {}, r.to, ' ', badge(r.status, STATUS_MEANING[r.status])),
    h(
      'p',
      { class: 'meaning' },
      STATUS_MEANING[r.status] ?? 'A status this console does not know.',
      r.code === null ? '' : ` Code ${explainCode(r.code)}.`,
    ),
    h(
      'p',
      { class: 'muted' },
      'Sinch’s time: ',
      time(r.statusAt),
      ' · operator’s time: ',
      time(r.operatorStatusAt),
    ),
    h(
      'ol',
      { class: 'timeline' },
      steps.map((step) =>
        h(
          'li',
          {},
          time(step.at),
          ' ',
          badge(step.status, STATUS_MEANING[step.status]),
          ' ',
          h('span', { class: 'muted' }, step.note),
        ),
      ),
    ),
  );
}
