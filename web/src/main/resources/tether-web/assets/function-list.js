/** Renders GET /api/functions as one card per function, with its live instances and Debug buttons. */

import { h, relative, dateTime } from './dom.js';
import { loadHints } from './hints.js';
import { crashBadge, crashSection } from './crash-reports.js';
import { snapshotSection } from './snapshots.js';

/**
 * Replaces the list's content, keeping keyboard focus on the same button when it still exists
 * (the list re-renders whenever the relay reports a change).
 */
export function renderFunctions(container, functions, { claims, onDebug }) {
  const focusedKey = document.activeElement?.dataset?.focusKey;
  const content = functions.length === 0
    ? [emptyState(claims)]
    : functions.map((fn) => functionCard(fn, onDebug));
  container.replaceChildren(...content);
  if (focusedKey) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(focusedKey)}"]`);
    if (again && !again.disabled) again.focus();
  }
}

/** Rewrites the "5 minutes ago" texts in place; cheaper and calmer than a re-render. */
export function refreshTimes(container, now = new Date()) {
  for (const el of container.querySelectorAll('[data-since]')) {
    el.textContent = relative(new Date(el.dataset.since), now);
  }
}

function functionCard(fn, onDebug) {
  const instances = Array.isArray(fn.instances) ? fn.instances : [];
  const online = instances.length;
  const titleId = `fn-${slug(fn.function)}`;
  const debugAny = h('button', {
    type: 'button',
    class: 'primary',
    disabled: online === 0,
    'aria-describedby': titleId,
    dataset: { focusKey: `fn:${fn.function}` },
    onclick: (event) => onDebug(event.currentTarget, fn.function, null),
  }, 'Debug');
  // The function, not an instance: one DevTools window follows every instance as it comes and goes.
  debugAny.title = 'One DevTools window on every instance of the function, new ones included'
    + ' (a function session); "Debug this instance" below debugs one instance only';

  return h('article', { class: 'card function', 'aria-labelledby': titleId },
    h('div', { class: 'function-head' },
      h('h3', { id: titleId }, fn.function),
      h('span', { class: online ? 'count online' : 'count' },
        online === 0 ? 'offline' : `${online} instance${online === 1 ? '' : 's'} online`),
      crashBadge(fn),
      h('div', { class: 'actions' }, debugAny)),
    online === 0 ? offlineNote(fn.function) : instanceTable(fn.function, instances, onDebug),
    crashSection(fn),
    snapshotSection(fn));
}

function offlineNote(name) {
  return h('div', { class: 'offline' },
    h('p', {}, h('strong', {}, `No instance of ${name} is online — is the shim running?`)),
    h('p', { class: 'muted' },
      'Instances appear here a few seconds after the function starts under ',
      h('code', {}, 'tether shim'),
      '. A function that scaled to zero shows up again on its next invocation.'));
}

function instanceTable(name, instances, onDebug) {
  const rows = instances.map((inst) => {
    const since = inst.connectedAt ? new Date(inst.connectedAt) : null;
    const sessions = Number(inst.sessions) || 0;
    return h('tr', {},
      h('td', { class: 'id' }, inst.id),
      h('td', {}, inst.runtime || h('span', { class: 'muted' }, 'unknown')),
      h('td', {}, since && !Number.isNaN(since.getTime())
        ? [dateTime(since), ' ', h('span', { class: 'muted' },
          '(', h('span', { dataset: { since: since.toISOString() } }, relative(since)), ')')]
        : h('span', { class: 'muted' }, 'unknown')),
      h('td', {}, sessions === 0
        ? h('span', { class: 'muted' }, 'none')
        : h('span', { class: 'sessions-active' }, `${sessions} active`)),
      h('td', { class: 'action' }, h('button', {
        type: 'button',
        class: 'small',
        'aria-label': `Debug instance ${inst.id} of ${name}`,
        dataset: { focusKey: `inst:${name}:${inst.id}` },
        onclick: (event) => onDebug(event.currentTarget, name, inst.id),
      }, 'Debug this instance')));
  });
  return h('table', { class: 'instances' },
    h('caption', { class: 'visually-hidden' }, `Online instances of ${name}`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Instance'),
      h('th', { scope: 'col' }, 'Runtime'),
      h('th', { scope: 'col' }, 'Connected'),
      h('th', { scope: 'col' }, 'Debug sessions'),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
    h('tbody', {}, rows));
}

function emptyState(claims) {
  const grants = claims.functions;
  let grantText;
  if (grants === null) grantText = null;
  else if (grants.length === 0) grantText = 'Your token grants no functions. Ask an admin for a token that names the functions you work on.';
  else grantText = `Your token lets you debug functions matching ${grants.join(', ')}.`;
  return h('div', { class: 'card empty' },
    h('h3', {}, 'No functions are online for you right now'),
    grantText && h('p', {}, grantText),
    h('p', { class: 'muted' },
      'A function appears here once its shim connects to this relay, for example:'),
    shimExample(claims.functions),
    h('p', { class: 'muted' }, 'This list refreshes on its own.'));
}

/**
 * The generic command, replaced by one made for this relay when it gives one, for a function the
 * user's token grants by name (so the instance it starts shows up in this list).
 */
function shimExample(grants) {
  const code = h('code', { id: 'shim-command' },
    'TETHER_AGENT_TOKEN=AGENT_TOKEN ./tether shim --relay RELAY_URL --function NAME -- node handler.js');
  const named = (grants || []).find((g) => /^[A-Za-z0-9._-]+$/.test(g));
  loadHints().then((hints) => {
    if (hints.shim) code.textContent = named ? hints.shim.replaceAll('--function hello', `--function ${named}`) : hints.shim;
  });
  return h('pre', {}, code);
}

function slug(text) {
  return String(text).replace(/[^A-Za-z0-9_-]/g, '_');
}
