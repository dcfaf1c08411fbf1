// The console's shell: the key, the routes (#/messages, #/messages/<id>, #/opt-outs, #/summary), and
// live updates by polling the current view every two seconds while the tab is visible.
import { ApiError, api, apiKey } from './api.js';
import { replace } from './dom.js';
import { messageView } from './message.js';
import { messagesView } from './messages.js';
import { optOutsView } from './opt-outs.js';
import { summaryView } from './summary.js';

const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);

let current; // { name, refresh, busy }

function showLogin(message) {
  current = undefined;
  $('view').hidden = true;
  $('nav').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  $('key-error').textContent = message ?? '';
  $('key-input').focus();
}

function refused(error) {
  return error instanceof ApiError && error.status === 401;
}

const REFUSED =
  'The service refused this API key (401 Unauthorized). Check the key (npm run sandbox prints one) and try again.';

async function signIn(event) {
  event.preventDefault();
  const key = $('key-input').value.trim();
  apiKey.set(key);
  $('key-error').textContent = 'Checking the key…';
  try {
    await api('/messages', { query: { limit: 1 } });
  } catch (error) {
    apiKey.clear();
    $('key-error').textContent = refused(error) ? REFUSED : `The key could not be checked: ${error.message}`;
    return;
  }
  $('key-input').value = '';
  start();
}

function start() {
  $('login').hidden = true;
  $('view').hidden = false;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  route();
}

function viewFor(hash) {
  const [, name = 'messages', id] = hash.replace(/^#/, '').split('/');
  if (name === 'messages' && id) return { name: 'message', build: () => messageView(decodeURIComponent(id)) };
  if (name === 'opt-outs') return { name, build: optOutsView };
  if (name === 'summary') return { name, build: summaryView };
  return { name: 'messages', build: messagesView };
}

function route() {
  if (apiKey.get() === null) {
    showLogin();
    return;
  }
  const { name, build } = viewFor(window.location.hash);
  for (const link of document.querySelectorAll('#nav a[data-view]')) {
    link.classList.toggle(
      'active',
      link.dataset.view === name || (name === 'message' && link.dataset.view === 'messages'),
    );
  }
  const view = build();
  replace($('view'), view.element);
  current = { name, refresh: view.refresh };
  poll();
}

async function poll() {
  if (!current || current.busy || document.hidden) return;
  const view = current;
  view.busy = true;
  try {
    await view.refresh();
    $('problem').hidden = true;
    $('live').textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (refused(error)) {
      apiKey.clear();
      showLogin('The service no longer accepts this API key (401 Unauthorized). Enter a valid key.');
    } else if (view === current) {
      $('problem').hidden = false;
      $('problem').textContent = `${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`;
      $('live').textContent = 'Not updating: see the problem below';
    }
  } finally {
    view.busy = false;
  }
}

$('key-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', () => {
  apiKey.clear();
  showLogin();
});
window.addEventListener('hashchange', () => apiKey.get() !== null && route());
document.addEventListener('visibilitychange', poll);
setInterval(poll, POLL_MS);

if (apiKey.get() === null) showLogin();
else start();
