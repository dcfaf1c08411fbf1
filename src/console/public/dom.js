// Building the page without markup strings: every value goes in as text, never as HTML.

/** An element with attributes and children; strings and numbers become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'onclick' || name === 'onsubmit' || name === 'onchange') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'href') {
      // Links inside the console only: a hash route, or a path on this origin.
      const href = String(value);
      el.setAttribute('href', href.startsWith('#') || href.startsWith('/') ? href : '#');
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `el` holds. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** An SVG element (for the chart), attributes set one by one. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  append(el, children);
  return el;
}

/** 2026-11-28 10:00:01 in the browser's time zone; the ISO instant is in the title. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, iso);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  const text =
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  return h('time', { datetime: iso, title: iso }, text);
}

/** A status as a coloured badge, its meaning in the title. */
export function badge(status, meaning) {
  const kind = /^(Delivered|Completed)$/.test(status)
    ? 'ok'
    : /^(Failed|Expired|Rejected|Aborted|Deleted|SendRefused|SendFailed|Unknown|NoReport)$/.test(status)
      ? 'bad'
      : /^(Cancelled)$/.test(status)
        ? 'off'
        : 'open';
  return h('span', { class: `badge ${kind}`, 'data-status': status, title: meaning ?? '' }, status);
}

/** Newer / page number / Older: `go(page)` shows another page. */
export function pagerButtons(page, hasNext, go) {
  return [
    h('button', { type: 'button', disabled: page === 0, onclick: () => go(page - 1) }, '← Newer'),
    h('span', {}, `Page ${page + 1}`),
    h('button', { type: 'button', disabled: !hasNext, onclick: () => go(page + 1) }, 'Older →'),
  ];
}
