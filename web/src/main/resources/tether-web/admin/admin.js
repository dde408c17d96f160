/**
 * Tether's admin pages: live sessions (terminate with a reason), the audit history with filters
 * and export, and one session's timeline. Served at /admin/; the API is at ../api/admin/….
 */
import { ApiError, api } from '../assets/api.js';
import { dateTime, h, relative } from '../assets/dom.js';
import { loadHints } from '../assets/hints.js';
import { checkToken, fieldError, notice, pastedToken } from '../assets/signin.js';
import { forgetToken, storeToken, storedToken, takeTokenFromUrl } from '../assets/token.js';

const API = '../api/admin';
const PAGE = 50;
const $ = (id) => document.getElementById(id);

let token = null;
let historyCursor = null;
let liveTimer = null;

window.addEventListener('DOMContentLoaded', () => {
  const { refusedQueryToken } = takeTokenFromUrl();
  $('signin-form').addEventListener('submit', onSignIn);
  $('sign-out').addEventListener('click', signOut);
  $('live-refresh').addEventListener('click', loadLive);
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); loadHistory(false); });
  $('f-clear').addEventListener('click', () => { $('filters').reset(); loadHistory(false); });
  $('history-more').addEventListener('click', () => loadHistory(true));
  $('export-csv').addEventListener('click', () => exportAs('csv'));
  $('export-jsonl').addEventListener('click', () => exportAs('jsonl'));
  $('terminate-cancel').addEventListener('click', () => $('terminate-dialog').close());
  // A #token= link opened in a tab that already shows the page must sign in with that token.
  window.addEventListener('hashchange', () => {
    $('notice').hidden = true; // a notice speaks about the view it was shown on
    if (takeTokenFromUrl().fromFragment) signIn(storedToken());
    else route();
  });
  if (refusedQueryToken) notice('error', 'A token in the query string was ignored.', 'Use a link of the form …/admin/#token=… instead.');
  loadHints().then((hints) => {
    if (hints.adminToken) $('token-command').textContent = hints.adminToken;
  });
  signIn(storedToken());
});

// ---- signing in ---------------------------------------------------------------------------------

function signIn(candidate) {
  if (!candidate) return showSignIn(null);
  const { claims, error } = checkToken(candidate);
  if (error) return showSignIn(error);
  if (claims.role !== 'admin') return showSignIn(`${claims.sub} is not an admin; these pages need a token with role admin. To debug your own functions, use the Functions page.`);
  token = candidate;
  storeToken(candidate);
  $('identity-sub').textContent = claims.sub;
  $('identity-meta').textContent = claims.exp ? `admin · token expires ${relative(claims.exp)}` : 'admin';
  $('identity').hidden = false;
  $('signin').hidden = true;
  showViewLinks(true);
  route();
}

function onSignIn(event) {
  event.preventDefault();
  signIn(pastedToken());
}

function signOut() {
  forgetToken();
  token = null;
  $('identity').hidden = true;
  showSignIn(null);
}

function showSignIn(error) {
  token = null;
  for (const id of ['live', 'history', 'timeline']) $(id).hidden = true;
  $('signin').hidden = false;
  fieldError(error);
  showViewLinks(false);
}

/** The links to the admin views lead nowhere until someone is signed in. */
function showViewLinks(shown) {
  for (const link of document.querySelectorAll('.topbar nav a[data-view]')) link.hidden = !shown;
}

// ---- routing: #view=live | #view=history | #view=session&id=… -----------------------------------

function route() {
  if (!token) return;
  const params = new URLSearchParams(window.location.hash.slice(1));
  const view = params.get('view') || 'live';
  window.clearInterval(liveTimer);
  for (const id of ['live', 'history', 'timeline']) $(id).hidden = true;
  for (const link of document.querySelectorAll('.topbar nav a[data-view]')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (view === 'history') {
    $('history').hidden = false;
    loadHistory(false);
  } else if (view === 'session' && params.get('id')) {
    $('timeline').hidden = false;
    loadTimeline(params.get('id'));
  } else {
    $('live').hidden = false;
    loadLive();
    liveTimer = window.setInterval(loadLive, 5000);
  }
}

async function call(path, options = {}) {
  try {
    return await api(path, { token, ...options });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      forgetToken();
      showSignIn(e.message);
    }
    throw e;
  }
}

// ---- live sessions ------------------------------------------------------------------------------

async function loadLive() {
  $('live-status').textContent = 'Loading…';
  let sessions;
  try {
    sessions = await call(`${API}/sessions`);
  } catch (e) {
    $('live-status').textContent = '';
    return notice('error', 'Live sessions could not be loaded.', e.message);
  }
  $('live-status').textContent = `${sessions.length} live · updated ${new Date().toLocaleTimeString()}`;
  if (sessions.length === 0) {
    return $('live-table').replaceChildren(h('p', { class: 'empty' }, 'No live sessions. Sessions appear here as soon as someone opens one.'));
  }
  const rows = sessions.map((s) => h('tr', { dataset: { session: s.sessionId } },
    h('td', {}, h('strong', {}, s.user), s.issuer && h('span', { class: 'sub mono' }, s.issuer)),
    h('td', {}, s.function, h('span', { class: 'sub mono' }, s.instance)),
    h('td', {}, s.mode),
    h('td', {}, h('span', { class: `state ${s.state}` }, s.state)),
    h('td', {}, h('time', { datetime: s.since, title: dateTime(new Date(s.since)) }, relative(new Date(s.since)))),
    h('td', { class: 'num' }, `${s.messages.toTarget} / ${s.messages.toClient}`),
    h('td', { class: 'num' }, `${bytes(s.bytes.toTarget)} / ${bytes(s.bytes.toClient)}`),
    h('td', { class: 'actions' },
      h('a', { class: 'button small quiet', href: `#view=session&id=${encodeURIComponent(s.sessionId)}`,
        'aria-label': `Timeline of ${s.user}'s session on ${s.function}` }, 'Timeline'),
      h('button', { type: 'button', class: 'small danger', onclick: () => askTerminate(s),
        'aria-label': `Terminate ${s.user}'s session on ${s.function}` }, 'Terminate'))));
  $('live-table').replaceChildren(h('table', { class: 'data', 'aria-label': 'Live sessions' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'User'), h('th', { scope: 'col' }, 'Function / instance'),
      h('th', { scope: 'col' }, 'Mode'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Since'),
      h('th', { scope: 'col', class: 'num', title: 'to the function / to DevTools' }, 'Messages ↑ / ↓'),
      h('th', { scope: 'col', class: 'num', title: 'to the function / to DevTools' }, 'Bytes ↑ / ↓'),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
    h('tbody', {}, rows)));
}

function askTerminate(session) {
  const dialog = $('terminate-dialog');
  $('terminate-who').textContent = `${session.user} on ${session.function} (${session.instance}), ${session.mode} mode.`;
  $('terminate-reason').value = '';
  $('terminate-error').hidden = true;
  $('terminate-form').onsubmit = async (event) => {
    event.preventDefault();
    const reason = $('terminate-reason').value.trim();
    if (!reason) {
      $('terminate-error').textContent = 'Say why: the developer reads it when DevTools closes.';
      $('terminate-error').hidden = false;
      return;
    }
    $('terminate-confirm').disabled = true;
    try {
      await call(`${API}/sessions/${encodeURIComponent(session.sessionId)}`, { method: 'DELETE', body: { reason } });
      dialog.close();
      notice('ok', 'Session terminated.', h('span', {}, `${session.user}'s DevTools was closed with your reason. `,
        h('a', { href: `#view=session&id=${encodeURIComponent(session.sessionId)}` }, 'Open its timeline')));
      loadLive();
    } catch (e) {
      $('terminate-error').textContent = e.message;
      $('terminate-error').hidden = false;
    } finally {
      $('terminate-confirm').disabled = false;
    }
  };
  dialog.showModal();
  $('terminate-reason').focus();
}

// ---- history ------------------------------------------------------------------------------------

function filterQuery() {
  const query = new URLSearchParams();
  for (const name of ['user', 'function', 'type']) {
    const value = $(`f-${name}`).value.trim();
    if (value) query.set(name, value);
  }
  for (const name of ['from', 'to']) {
    const value = $(`f-${name}`).value;
    if (value) query.set(name, new Date(value).toISOString());
  }
  return query;
}

async function loadHistory(more) {
  const query = filterQuery();
  query.set('limit', String(PAGE));
  if (more && historyCursor) query.set('cursor', historyCursor);
  $('history-status').textContent = 'Loading…';
  let page;
  try {
    page = await call(`${API}/audit?${query}`);
  } catch (e) {
    $('history-status').textContent = '';
    return notice('error', 'The audit history could not be loaded.', e.message);
  }
  historyCursor = page.nextCursor;
  $('history-more').hidden = !historyCursor;
  const rows = page.events.map(eventRow);
  const tbody = more ? document.querySelector('#history-table tbody') : null;
  if (tbody) {
    tbody.append(...rows);
  } else if (rows.length === 0) {
    $('history-table').replaceChildren(h('p', { class: 'empty' }, 'No events match these filters.'));
  } else {
    $('history-table').replaceChildren(h('table', { class: 'data', 'aria-label': 'Audit events' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'Who'),
        h('th', { scope: 'col' }, 'Function'), h('th', { scope: 'col' }, 'Details'), h('th', { scope: 'col' }, 'Session'))),
      h('tbody', {}, rows)));
  }
  const shown = document.querySelectorAll('#history-table tbody tr').length;
  $('history-status').textContent = `${shown} event${shown === 1 ? '' : 's'}, newest first${historyCursor ? ' (more below)' : ''}`;
}

function eventRow(e) {
  const when = new Date(e.time);
  return h('tr', { dataset: { type: e.type } },
    h('td', { class: 'when' }, h('time', { datetime: e.time }, dateTime(when)), h('span', { class: 'sub' }, `#${e.seq}`)),
    h('td', {}, codeBadge(e.code), h('span', { class: 'sub' }, e.type)),
    h('td', {}, e.actor || '—', e.remote ? h('span', { class: 'sub mono' }, e.remote) : null),
    h('td', {}, e.function || '—', e.instance ? h('span', { class: 'sub mono' }, e.instance) : null),
    h('td', {}, h('div', { class: 'details', title: e.details && e.details.params ? e.details.params : null }, describe(e))),
    h('td', {}, e.session ? h('a', { href: `#view=session&id=${encodeURIComponent(e.session)}`, title: e.session }, 'timeline') : '—'));
}

function codeBadge(code) {
  const outcome = code.slice(-1).toLowerCase();
  return h('span', { class: `code ${outcome === 'i' ? '' : outcome}` }, code);
}

/** One line of what matters in an event's details. */
function describe(e) {
  const d = e.details || {};
  if (e.type === 'cdp.command') {
    return [h('span', { class: 'method' }, d.method || '?'), ' ', d.params || d.note || '', d.truncated ? ' (truncated)' : ''];
  }
  if (e.type === 'session.ended') {
    // The message usually starts with the reason ("terminated by admin …"); say it once.
    const why = d.message && d.message.startsWith(d.reason) ? d.message : `${d.reason}: ${d.message || ''}`;
    return `${why} · ${d.messagesToTarget ?? 0}↑ ${d.messagesToClient ?? 0}↓ messages`;
  }
  if (e.type === 'auth.failed' || e.type === 'policy.denied') return `${d.at || ''} ${d.error || ''}${d.path ? ` ${d.path}` : ''}`;
  if (e.type === 'agent.lost') return d.reason || '';
  if (e.type === 'audit.dropped') return `${d.dropped} events lost: the write queue was full`;
  if (d.mode) return `mode ${d.mode}`;
  return Object.entries(d).map(([k, v]) => `${k}=${v}`).join(' ');
}

async function exportAs(format) {
  const query = filterQuery();
  query.set('format', format);
  query.set('limit', '10000');
  let response;
  try {
    response = await fetch(`${API}/audit?${query}`, {
      headers: { Authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store',
    });
  } catch {
    return notice('error', 'Export failed.', 'Cannot reach the relay.');
  }
  if (!response.ok) return notice('error', 'Export failed.', `The relay answered ${response.status}.`);
  const url = URL.createObjectURL(await response.blob());
  const link = h('a', { href: url, download: `tether-audit.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
  if (response.headers.get('X-Next-Cursor')) {
    notice('', 'Export holds the newest 10000 events.', 'Narrow the time range to export older ones.');
  }
}

// ---- one session's timeline ----------------------------------------------------------------------

async function loadTimeline(id) {
  $('timeline-title').textContent = 'Session timeline';
  $('timeline-status').textContent = 'Loading…';
  let page;
  try {
    page = await call(`${API}/audit?session=${encodeURIComponent(id)}&limit=1000`);
  } catch (e) {
    $('timeline-status').textContent = '';
    return notice('error', 'The session could not be loaded.', e.message);
  }
  const events = page.events.slice().reverse(); // oldest first: the order things happened
  const first = events[0] || {};
  const ended = events.find((e) => e.type === 'session.ended');
  const commands = events.filter((e) => e.type === 'cdp.command');
  $('timeline-status').textContent = `${events.length} events · ${commands.length} code-running command${commands.length === 1 ? '' : 's'}`;
  const item = (term, value) => h('div', {}, h('dt', {}, term), h('dd', {}, value));
  $('timeline-summary').replaceChildren(h('dl', { class: 'summary-grid' },
    item('Session', h('span', { class: 'mono' }, id)),
    item('User', first.actor || '—'),
    item('Function', first.function ? `${first.function} (${first.instance || '?'})` : '—'),
    item('Started', first.time ? dateTime(new Date(first.time)) : '—'),
    item('Ended', ended ? `${ended.details.reason} by ${ended.actor}` : 'still live')));
  if (events.length === 0) {
    return $('timeline-list').replaceChildren(h('li', { class: 'empty' }, 'No audit events for this session (yet).'));
  }
  $('timeline-list').replaceChildren(...events.map((e) => h('li', {
    class: e.type === 'cdp.command' ? 'command' : e.type === 'session.ended' ? 'ended' : '',
    dataset: { type: e.type },
  },
  h('time', { datetime: e.time }, new Date(e.time).toLocaleTimeString()),
  h('span', {}, codeBadge(e.code), h('span', { class: 'sub' }, e.type)),
  h('span', { class: 'details' }, describe(e), e.remote ? h('span', { class: 'sub' }, `from ${e.remote}`) : null))));
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
