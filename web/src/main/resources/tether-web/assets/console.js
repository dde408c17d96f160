/**
 * The console page: signs the user in with their token, keeps the function list current while the
 * tab is visible, and opens DevTools sessions.
 */

import { api } from './api.js';
import { clock, relative, h } from './dom.js';
import { renderFunctions, refreshTimes } from './function-list.js';
import { SessionPanel, openDevTools } from './session-panel.js';
import { loadHints } from './hints.js';
import { checkToken, fieldError, hideNotice, notice, pastedToken } from './signin.js';
import { forgetToken, isExpired, storeToken, storedToken, takeTokenFromUrl } from './token.js';

const POLL_INTERVAL_MS = 5000;
const MODE_LABELS = {
  full: ['Full', 'breakpoints, evaluate, edit'],
  readonly: ['Read-only', 'inspect, no code changes'],
};

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  claims: null,
  lastListJson: null,
  pollTimer: null,
  polling: false,
};

const panel = new SessionPanel($('session'), {
  token: () => state.token,
  onChange: () => poll(),
  onSignedOut: (message) => signOut(message),
});

function start() {
  const { refusedQueryToken } = takeTokenFromUrl();
  $('signin-form').addEventListener('submit', onSignIn);
  $('sign-out').addEventListener('click', () => signOut(null));
  $('refresh').addEventListener('click', () => poll());
  // Pasting a #token=… link into a tab that already shows the console does not reload the page.
  window.addEventListener('hashchange', () => {
    if (takeTokenFromUrl().fromFragment) signIn(storedToken(), { fromStorage: true });
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.token) {
      poll();
      panel.watch();
    }
  });
  loadHints().then((hints) => {
    if (hints.userToken) $('token-command').textContent = hints.userToken;
  });
  const token = storedToken();
  if (token) signIn(token, { fromStorage: true });
  else showSignIn(null);
  if (refusedQueryToken) {
    notice('error', 'A token in the query string was ignored.',
      'Query strings end up in server logs. Put the token after # instead: …/#token=…');
  }
}

// ---- signing in and out ------------------------------------------------------------------------

function onSignIn(event) {
  event.preventDefault();
  const text = pastedToken();
  if (!text) {
    fieldError('Paste your token first.');
    $('token-input').focus();
    return;
  }
  if (!signIn(text, { fromStorage: false })) return;
  $('token-input').value = '';
}

/** Accepts a token if it looks like one and has not expired; the relay has the final word. */
function signIn(token, { fromStorage }) {
  const { claims, error, expired } = checkToken(token);
  if (error) {
    const message = expired || !fromStorage ? error : `The token in the link could not be used. ${error}`;
    if (fromStorage) signOut(message);
    else fieldError(message);
    return false;
  }
  storeToken(token);
  state.token = token;
  state.claims = claims;
  state.lastListJson = null;
  fieldError(null);
  hideNotice();
  showIdentity(claims);
  setUpModes(claims.modes);
  $('signin').hidden = true;
  $('functions').hidden = false;
  $('list-status').textContent = 'Loading…';
  poll();
  return true;
}

function signOut(message) {
  forgetToken();
  state.token = null;
  state.claims = null;
  window.clearTimeout(state.pollTimer);
  $('identity').hidden = true;
  $('functions').hidden = true;
  $('function-list').replaceChildren();
  panel.hide();
  showSignIn(message);
}

function showSignIn(message) {
  $('signin').hidden = false;
  if (message) notice('error', 'Please sign in again.', message);
  else hideNotice();
  $('token-input').focus();
}

function showIdentity(claims) {
  $('identity-sub').textContent = claims.sub;
  const parts = [];
  // Every user is a developer; only the admin role is worth a word next to the name.
  if (claims.role && claims.role !== 'developer') parts.push(claims.role);
  if (claims.exp) parts.push(`token expires ${clock(claims.exp)} (${relative(claims.exp)})`);
  $('identity-meta').textContent = parts.length ? `· ${parts.join(' · ')}` : '';
  $('identity').hidden = false;
}

// ---- session modes -----------------------------------------------------------------------------

function setUpModes(modes) {
  const known = (modes || []).filter((m) => m in MODE_LABELS);
  $('mode-choice').hidden = known.length < 2;
  $('mode-fixed').hidden = known.length !== 1;
  if (known.length === 1) {
    $('mode-fixed').textContent = `Sessions open ${MODE_LABELS[known[0]][0].toLowerCase()}: your token allows no other mode.`;
  }
  const preferred = known.includes('full') ? 'full' : known[0];
  $('mode-options').replaceChildren(...(known.length < 2 ? [] : known.map((mode) => h('label', {},
    h('input', { type: 'radio', name: 'mode', value: mode, checked: mode === preferred }),
    MODE_LABELS[mode][0], ' ', h('span', {}, `(${MODE_LABELS[mode][1]})`)))));
}

/** The mode to request, or undefined to let the relay apply its default. */
function chosenMode() {
  const known = (state.claims?.modes || []).filter((m) => m in MODE_LABELS);
  if (known.length === 1) return known[0];
  return document.querySelector('input[name="mode"]:checked')?.value;
}

// ---- the function list -------------------------------------------------------------------------

/** Fetches the list now and schedules the next fetch; only one request is ever in flight. */
async function poll() {
  window.clearTimeout(state.pollTimer);
  if (!state.token || state.polling) return;
  if (isExpired(state.claims)) {
    signOut(`Your token expired at ${clock(state.claims.exp)}. Get a new one and sign in again.`);
    return;
  }
  state.polling = true;
  const token = state.token;
  try {
    const functions = await api('api/functions', { token });
    if (token !== state.token) return;
    onList(Array.isArray(functions) ? functions : []);
  } catch (e) {
    if (token !== state.token) return;
    onListError(e);
  } finally {
    state.polling = false;
    if (state.token && document.visibilityState === 'visible') {
      state.pollTimer = window.setTimeout(poll, POLL_INTERVAL_MS);
    }
  }
}

function onList(functions) {
  const json = JSON.stringify(functions);
  const list = $('function-list');
  if (json !== state.lastListJson) {
    state.lastListJson = json;
    renderFunctions(list, functions, { claims: state.claims, onDebug: debug });
  } else {
    refreshTimes(list);
  }
  $('list-error').hidden = true;
  const status = $('list-status');
  status.classList.remove('stale');
  status.replaceChildren(h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
    `Live · checked ${new Date().toLocaleTimeString()}`);
}

function onListError(error) {
  if (error.status === 401) {
    signOut(error.message);
    return;
  }
  const status = $('list-status');
  status.classList.add('stale');
  status.replaceChildren(h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
    state.lastListJson === null ? 'Not loaded' : 'Out of date');
  const title = error.status === 403 ? 'Your token does not allow listing functions.'
    : error.status === 0 ? 'The relay is not answering; retrying every few seconds.'
      : `The relay could not list functions (${error.status}).`;
  const box = $('list-error');
  box.replaceChildren(h('strong', {}, title), error.message);
  box.hidden = false;
}

// ---- opening a session -------------------------------------------------------------------------

/**
 * Creates the session, then opens DevTools in a tab that shares nothing with this one (noopener:
 * no window.opener and no copy of this tab's sessionStorage, which holds the user token). The tab
 * opens within the click's user activation, which outlasts the request.
 */
async function debug(button, functionName, instance) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = 'Opening…';
  const body = { function: functionName };
  // Without an instance: a function session, whose window offers every live instance (and those
  // that start later) as DevTools targets. With one: a session on that instance only.
  if (instance) body.instance = instance;
  else body.scope = 'function';
  const mode = chosenMode();
  if (mode) body.mode = mode;
  try {
    const session = await api('api/sessions', { token: state.token, method: 'POST', body });
    openDevTools(session.devtoolsFrontendUrl);
    panel.show(session);
    poll();
  } catch (e) {
    if (e.status === 401) {
      signOut(e.message);
      return;
    }
    const what = instance ? `instance ${instance} of ${functionName}` : `function ${functionName}`;
    panel.showError(`Could not open DevTools for ${what}`, e.message);
    if (e.status === 404 || e.status === 409) poll();
  } finally {
    button.textContent = label;
    button.removeAttribute('aria-busy');
    button.disabled = false;
  }
}

start();
