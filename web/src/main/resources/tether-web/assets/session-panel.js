/**
 * The session panel: the session that Debug opened, kept current while it is shown (DevTools
 * attached, its tab gone, ended and why), and links for other debuggers. An attach ticket is
 * single-use and the Debug tab spends its own, so the links are minted when they are shown or
 * copied, each for a session of its own on the same instance, never copied from the Debug one.
 */

import { httpUrl } from './urls.js';
import { api } from './api.js';
import { h, clock } from './dom.js';

const WATCH_INTERVAL_MS = 2000;
/** A ticket this close to expiring is replaced before it is shown or copied. */
const TICKET_MARGIN_MS = 5000;
const MODE_NAMES = { full: 'full access', readonly: 'read-only' };
const END_REASONS = {
  closed: 'Session ended',
  expired: 'Session expired',
  terminated: 'Session terminated by an admin',
  agent_lost: 'Session ended: the function instance went away',
  relay_stopped: 'Session ended: the relay stopped',
};

/**
 * Opens a URL from the relay in a new tab that shares nothing with this page: no opener, no
 * sessionStorage. Throws, opening nothing, unless it is an http: or https: URL.
 */
export function openDevTools(url) {
  window.open(httpUrl(url), '_blank', 'noopener,noreferrer');
}

export class SessionPanel {
  /** `element`: the panel's section; `token()`: the signed-in user's token; `onChange()`: refresh the list. */
  constructor(element, { token, onChange, onSignedOut }) {
    this.element = element;
    this.token = token;
    this.onChange = onChange;
    this.onSignedOut = onSignedOut;
    this.session = null;
    this.others = [];
    this.links = null;
    this.timer = null;
    this.generation = 0;
    this.shownKey = null;
  }

  /** Shows a session that was just created (its ticket already used by the DevTools tab). */
  show(session) {
    this.reset();
    this.session = session;
    this.render();
    this.element.hidden = false;
    this.element.focus();
    this.watch();
  }

  /** Shows why a session could not be opened, where the session would have appeared. */
  showError(title, message) {
    this.reset();
    this.element.className = 'card session failed';
    this.element.replaceChildren(
      head(title, h('p', { role: 'alert' }, message), [this.hideButton()]));
    this.element.hidden = false;
  }

  hide() {
    const hadFocus = this.element.contains(document.activeElement);
    this.reset();
    this.element.hidden = true;
    this.element.replaceChildren();
    if (hadFocus) document.getElementById('functions-title')?.focus();
  }

  reset() {
    this.generation += 1;
    this.shownKey = null;
    window.clearTimeout(this.timer);
    this.timer = null;
    this.session = null;
    this.others = [];
    this.links = null;
  }

  // ---- keeping the session current -------------------------------------------------------------

  /** Polls the shown session (and the sessions its links opened) until it ends or is hidden. */
  watch() {
    const generation = ++this.generation;
    const tick = async () => {
      const id = this.session?.sessionId;
      if (generation !== this.generation || !id || this.ended()) return;
      const latest = await this.fetch(id);
      await this.watchOthers();
      if (generation !== this.generation || this.session?.sessionId !== id) return;
      if (latest) {
        const before = this.session.state;
        this.session = latest === GONE
          ? { ...this.session, state: 'ended', endReason: this.session.endReason || 'closed' }
          : { ...this.session, ...withoutTicket(latest) };
        if (before !== this.session.state) this.onChange();
      }
      this.renderIfChanged();
      if (!this.ended()) this.timer = window.setTimeout(tick, WATCH_INTERVAL_MS);
    };
    window.clearTimeout(this.timer);
    tick();
  }

  ended() {
    return Boolean(this.session?.endReason) || this.session?.state === 'ended';
  }

  /** Renders only when what is shown changed, so focus and selections survive the polling. */
  renderIfChanged() {
    const key = JSON.stringify([this.session?.state, this.session?.endReason,
      this.others.map((o) => o.state), this.links?.sessionId, this.links?.ticketExpiresAt]);
    if (key === this.shownKey) return;
    this.render();
  }

  async watchOthers() {
    // Ended sessions stay ended: only the live ones are asked about.
    const latest = await Promise.all(this.others.map((s) => (s.state === 'ended' ? null : this.fetch(s.sessionId))));
    this.others = this.others.map((s, i) => {
      const now = latest[i];
      if (now === GONE) return { ...s, state: 'ended' };
      return now ? { ...s, ...withoutTicket(now) } : s;
    });
    if (this.links) {
      const own = this.others.find((s) => s.sessionId === this.links.sessionId);
      if (own && own.state !== 'requested' && own.state !== 'detached') this.links = null;
    }
  }

  /** The session now, GONE when the relay no longer knows it, or null when it cannot tell. */
  async fetch(id) {
    try {
      return await api(`api/sessions/${encodeURIComponent(id)}`, { token: this.token() });
    } catch (e) {
      if (e.status === 404) return GONE;
      if (e.status === 401) this.onSignedOut(e.message);
      return null;
    }
  }

  // ---- actions ---------------------------------------------------------------------------------

  /** DevTools again for this session, once its tab is gone: a fresh ticket, a new tab. */
  async reopen() {
    const session = this.session;
    try {
      const latest = await api(`api/sessions/${encodeURIComponent(session.sessionId)}`, { token: this.token() });
      if (!latest.devtoolsFrontendUrl) {
        this.note('DevTools is still attached to this session. Close that tab first, or use the links below for another debugger.');
        return;
      }
      openDevTools(latest.devtoolsFrontendUrl);
    } catch (e) {
      this.note(e.message);
    }
  }

  /**
   * Links for another debugger with a ticket that is still unused and valid: the links' session
   * while it waits for a debugger (asking the relay for a new ticket when this one runs out), else
   * a new session on the same instance.
   */
  async freshLinks() {
    const session = this.session;
    const links = this.links;
    if (links && Date.parse(links.ticketExpiresAt) - Date.now() > TICKET_MARGIN_MS) return links;
    let fresh = null;
    if (links) {
      const latest = await this.fetch(links.sessionId);
      if (latest && latest !== GONE && latest.webSocketDebuggerUrl) fresh = latest;
    }
    if (!fresh) {
      const body = { function: session.function, mode: session.mode };
      if (session.scope === 'function') body.scope = 'function';
      else body.instance = session.instance;
      fresh = await api('api/sessions', { token: this.token(), method: 'POST', body });
      this.others.push(withoutTicket(fresh));
      this.onChange();
    }
    if (session !== this.session) return null;
    this.links = fresh;
    return fresh;
  }

  async showLinks() {
    try {
      await this.freshLinks();
      this.render();
      this.element.querySelector('#session-ws')?.focus();
    } catch (e) {
      if (e.status === 401) this.onSignedOut(e.message);
      else this.note(`Could not make links for another debugger: ${e.message}`);
    }
  }

  /** Copies one of the links, minted anew first if the shown one was used or ran out. */
  async copy(button, pick, what) {
    let ok = true;
    try {
      const links = await this.freshLinks();
      this.render();
      await navigator.clipboard.writeText(pick(links));
    } catch {
      ok = false;
    }
    const again = this.element.querySelector(`button[data-copy="${what}"]`) || button;
    again.textContent = ok ? 'Copied' : 'Copy failed: select the text';
    window.setTimeout(() => { again.textContent = 'Copy'; }, 2000);
  }

  /** Ends the Debug session and the sessions its links opened. */
  async end() {
    const session = this.session;
    if (!session) return;
    try {
      for (const other of this.others.filter((s) => s.state !== 'ended')) {
        await api(`api/sessions/${encodeURIComponent(other.sessionId)}`, { token: this.token(), method: 'DELETE' })
          .catch((e) => { if (e.status !== 404) throw e; });
      }
      const ended = await api(`api/sessions/${encodeURIComponent(session.sessionId)}`, { token: this.token(), method: 'DELETE' })
        .catch((e) => { if (e.status === 404) return null; throw e; });
      if (session !== this.session) return;
      this.session = { ...session, ...(ended ? withoutTicket(ended) : {}), state: 'ended', endReason: ended?.endReason || 'closed' };
      this.links = null;
      this.render();
      this.onChange();
    } catch (e) {
      this.note(`Could not end the session: ${e.message}`);
    }
  }

  note(message) {
    const box = this.element.querySelector('.session-note');
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  // ---- rendering -------------------------------------------------------------------------------

  render() {
    const s = this.session;
    if (!s) return;
    this.shownKey = JSON.stringify([s.state, s.endReason, this.others.map((o) => o.state),
      this.links?.sessionId, this.links?.ticketExpiresAt]);
    const where = s.scope === 'function' ? `${s.function} · every instance (function session)`
      : s.instance ? `${s.function} · instance ${s.instance}` : s.function;
    const ended = this.ended();
    this.element.className = ended ? 'card session ended' : 'card session';
    this.element.dataset.state = ended ? 'ended' : s.state;
    this.element.dataset.sessionId = s.sessionId;
    const meta = [`Session ${s.sessionId}`, MODE_NAMES[s.mode] || s.mode,
      !ended && s.expiresAt ? `ends by ${clock(new Date(s.expiresAt))}` : null].filter(Boolean).join(' · ');
    if (ended) {
      this.element.replaceChildren(
        head(END_REASONS[s.endReason] || 'Session ended', h('p', { class: 'meta' }, meta), [this.hideButton()]),
        h('p', { role: 'alert', class: 'end-message' },
          s.endMessage ? `${s.endMessage}.` : 'The session is closed.',
          ' Its DevTools tab says so too. To debug again, click Debug.'));
      return;
    }
    this.element.replaceChildren(
      head(`Debugging ${where}`, h('p', { class: 'meta' }, meta), [
        h('button', { type: 'button', class: 'small', onclick: () => this.end() }, 'End session'),
        this.hideButton()]),
      this.statusLine(s),
      h('p', { class: 'session-note notice', role: 'status', hidden: true }),
      this.linksBlock());
  }

  statusLine(s) {
    if (s.state === 'attached') {
      return h('p', { class: 'session-status' }, 'DevTools is attached in another tab. Set a breakpoint in Sources, then invoke the function.');
    }
    const text = s.state === 'detached'
      ? 'The DevTools tab was closed or lost its connection; the session waits for it. '
      : 'Waiting for DevTools to attach (if no tab opened, your browser blocked it). ';
    return h('p', { class: 'session-status' }, text,
      h('button', { type: 'button', class: 'small', id: 'session-reopen', onclick: () => this.reopen() }, 'Open DevTools'));
  }

  linksBlock() {
    const attached = this.others.filter((o) => o.state === 'attached').length;
    const intro = h('p', { class: 'hint' },
      'Chrome’s own DevTools, VS Code or a script: each link below is for one debugger, opens a session of its own on the same instance (or, for a function session, on the whole function: a CDP client then sees each instance as a target), and holds a single-use ticket that is valid for about a minute. Copy makes a fresh one when the shown one was used or ran out.',
      attached ? ` ${attached} other debugger${attached === 1 ? ' is' : 's are'} attached from these links.` : '');
    const links = this.links;
    if (!links) {
      return h('div', { class: 'other-clients' },
        h('h3', {}, 'Attach another debugger'), intro,
        h('button', { type: 'button', class: 'small', id: 'session-links', onclick: () => this.showLinks() },
          'Show links for Chrome DevTools, VS Code and CDP clients'));
    }
    const vscode = JSON.stringify(links.vscode, null, 2);
    return h('div', { class: 'other-clients' },
      h('h3', {}, 'Attach another debugger'), intro,
      h('p', { class: 'meta' }, `Session ${links.sessionId} · ticket valid until ${new Date(links.ticketExpiresAt).toLocaleTimeString()}`),
      h('div', { class: 'clients' },
        this.copyField('session-chrome', 'Chrome’s built-in DevTools', links.chromeDevtoolsUrl,
          'Paste into Chrome’s address bar; web pages cannot open devtools:// links.', 'chrome', (l) => l.chromeDevtoolsUrl),
        this.copyField('session-ws', 'Any CDP client', links.webSocketDebuggerUrl,
          'The WebSocket URL, for scripts and other debuggers.', 'ws', (l) => l.webSocketDebuggerUrl),
        this.vscodeField(vscode)),
      h('button', { type: 'button', class: 'small quiet', id: 'session-links', onclick: () => { this.links = null; this.showLinks(); } },
        'New links'));
  }

  copyField(id, label, value, hint, what, pick) {
    return h('div', { class: 'client' },
      h('label', { for: id }, label),
      h('div', { class: 'copy-row' },
        h('input', { id, type: 'text', readonly: true, value, spellcheck: 'false', 'aria-describedby': `${id}-hint` }),
        this.copyButton(what, pick, label)),
      h('p', { class: 'hint', id: `${id}-hint` }, hint));
  }

  vscodeField(text) {
    return h('div', { class: 'client wide' },
      h('p', { class: 'label', id: 'session-vscode-label' }, 'VS Code launch configuration'),
      h('div', { class: 'copy-row' },
        h('pre', { 'aria-labelledby': 'session-vscode-label', tabindex: '0', id: 'session-vscode' }, h('code', {}, text)),
        this.copyButton('vscode', (l) => JSON.stringify(l.vscode, null, 2), 'VS Code launch configuration')),
      h('p', { class: 'hint' },
        'Add it to "configurations" in .vscode/launch.json, then start debugging (F5) within a minute.'));
  }

  copyButton(what, pick, label) {
    return h('button', {
      type: 'button', class: 'small', 'aria-label': `Copy ${label}`, dataset: { copy: what },
      onclick: (event) => this.copy(event.currentTarget, pick, what),
    }, 'Copy');
  }

  hideButton() {
    return h('button', { type: 'button', class: 'small quiet', onclick: () => this.hide() }, 'Hide');
  }
}

const GONE = Object.freeze({ gone: true });

/** A session as the panel keeps it: tickets are used at once and never kept. */
function withoutTicket(session) {
  if (session === GONE) return {};
  const { webSocketDebuggerUrl, devtoolsFrontendUrl, chromeDevtoolsUrl, vscode, ticketExpiresAt, ...rest } = session;
  return rest;
}

function head(title, meta, buttons) {
  return h('div', { class: 'session-head' },
    h('div', {}, h('h2', { id: 'session-title' }, title), meta),
    h('div', { class: 'buttons' }, ...buttons));
}
