/**
 * The panel for the session just opened: where DevTools went, and the same session for Chrome's own
 * DevTools, VS Code and other CDP clients.
 */

import { h, copyButton, clock } from './dom.js';

const MODE_NAMES = { full: 'full access', readonly: 'read-only' };

/** Shows a fresh session; `tabBlocked` when the browser refused the new tab. */
export function showSession(panel, session, { tabBlocked, onEnd, onDismiss }) {
  const where = session.instance
    ? `${session.function} · instance ${session.instance}`
    : session.function;
  const expires = session.expiresAt ? new Date(session.expiresAt) : null;
  const meta = [
    `Session ${session.sessionId}`,
    MODE_NAMES[session.mode] || session.mode,
    expires && !Number.isNaN(expires.getTime()) ? `ends by ${clock(expires)}` : null,
  ].filter(Boolean).join(' · ');

  const opened = tabBlocked
    ? h('div', { class: 'notice' },
      h('strong', {}, 'Your browser blocked the new tab.'),
      h('a', { href: session.devtoolsFrontendUrl, target: '_blank', rel: 'noopener noreferrer' },
        'Open DevTools for this session'))
    : h('p', {}, 'DevTools opened in a new tab. Set a breakpoint in Sources, then invoke the function.');

  const vscode = typeof session.vscode === 'string'
    ? session.vscode
    : JSON.stringify(session.vscode, null, 2);

  panel.className = 'card session';
  panel.replaceChildren(
    h('div', { class: 'session-head' },
      h('div', {},
        h('h2', { id: 'session-title' }, `Debugging ${where}`),
        h('p', { class: 'meta' }, meta)),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'small', onclick: onEnd }, 'End session'),
        h('button', { type: 'button', class: 'small quiet', onclick: onDismiss }, 'Hide'))),
    opened,
    h('div', { class: 'clients' },
      copyField('session-chrome', 'Chrome’s built-in DevTools', session.chromeDevtoolsUrl,
        'Paste into Chrome’s address bar; web pages cannot open devtools:// links.', 'DevTools URL'),
      copyField('session-ws', 'Any CDP client', session.webSocketDebuggerUrl,
        'The WebSocket URL of this session, for scripts and other debuggers.', 'WebSocket URL'),
      vscodeField(vscode)),
    h('p', { class: 'ticket-note' },
      'Each of these links carries a single-use ticket that is valid for about a minute. ',
      'To attach another client later, click Debug again.'));
  panel.hidden = false;
  panel.focus();
}

/** Shows why a session could not be opened, in the same place the session would have appeared. */
export function showSessionError(panel, title, message, { onDismiss }) {
  panel.className = 'card session failed';
  panel.replaceChildren(
    h('div', { class: 'session-head' },
      h('div', {},
        h('h2', { id: 'session-title' }, title),
        h('p', { role: 'alert' }, message)),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'small quiet', onclick: onDismiss }, 'Hide'))));
  panel.hidden = false;
}

export function showSessionEnded(panel, sessionId, { onDismiss }) {
  panel.className = 'card session';
  panel.replaceChildren(
    h('div', { class: 'session-head' },
      h('div', {},
        h('h2', { id: 'session-title' }, 'Session ended'),
        h('p', { role: 'status' }, `Session ${sessionId} is closed; its DevTools tab shows that it was disconnected.`)),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'small quiet', onclick: onDismiss }, 'Hide'))));
  panel.hidden = false;
}

function copyField(id, label, value, hint, what) {
  if (!value) return null;
  return h('div', { class: 'client' },
    h('label', { for: id }, label),
    h('div', { class: 'copy-row' },
      h('input', { id, type: 'text', readonly: true, value, spellcheck: 'false', 'aria-describedby': `${id}-hint` }),
      copyButton(value, what)),
    h('p', { class: 'hint', id: `${id}-hint` }, hint));
}

function vscodeField(text) {
  if (!text) return null;
  return h('div', { class: 'client wide' },
    h('p', { class: 'label', id: 'session-vscode-label' }, 'VS Code launch configuration'),
    h('div', { class: 'copy-row' },
      h('pre', { 'aria-labelledby': 'session-vscode-label', tabindex: '0' }, h('code', {}, text)),
      copyButton(text, 'VS Code launch configuration')),
    h('p', { class: 'hint' },
      'Add it to "configurations" in .vscode/launch.json, then start debugging (F5) within a minute.'));
}
