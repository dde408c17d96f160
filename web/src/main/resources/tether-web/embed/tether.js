/*
 * <tether-debug-button>: a Debug button that another web console drops into its pages to open
 * Chrome DevTools on a Node.js function through a Tether relay.
 *
 *   <script src="https://relay.example/embed/tether.js" defer></script>
 *   <tether-debug-button function="orders" instance="orders-7f9c" mode="readonly">Debug orders</tether-debug-button>
 *
 *   button.getToken = () => myAuth.tetherToken();   // string or Promise<string>; or set button.token
 *
 * Attributes: function (required), instance (optional: without it the button opens a function
 * session, one DevTools window on every instance of the function as they come and go; with it, a
 * session on that one instance), mode ("full" | "readonly"), relay (origin of the relay;
 * defaults to where this script was loaded from), token (prefer the property or getToken).
 * Events (bubbling, composed): "tether-session" with the session as detail; "tether-error" with
 * { status, error, message }. Load it with a classic <script> tag: the default relay comes from
 * document.currentScript, which module scripts do not have.
 */
(() => {
  'use strict';

  if (!window.customElements || window.customElements.get('tether-debug-button')) return;

  const SCRIPT_ORIGIN = (() => {
    try {
      return new URL(document.currentScript.src).origin;
    } catch {
      return window.location.origin;
    }
  })();

  const MESSAGES = {
    401: 'Tether did not accept your sign-in (missing or expired token). Sign in again and retry.',
    403: 'You are not allowed to debug this function.',
    404: 'No instance of this function is online. Is the Tether shim running?',
    409: 'The chosen instance is gone (or busy): pick a live one, or leave out the instance attribute to debug the whole function.',
    429: 'Too many debugging sessions right now; close one or wait a moment.',
  };

  const STYLE = `
    :host { display: inline-flex; flex-direction: column; align-items: flex-start; gap: 4px;
            font: inherit; vertical-align: middle; }
    :host([hidden]) { display: none; }
    button { font: inherit; font-weight: 600; cursor: pointer; border-radius: 6px;
             padding: var(--tether-button-padding, 6px 14px);
             border: 1px solid var(--tether-accent, #1d4ed8);
             background: var(--tether-accent, #1d4ed8); color: var(--tether-accent-text, #fff); }
    button:hover { filter: brightness(0.92); }
    button:focus-visible { outline: 3px solid var(--tether-focus, #2563eb); outline-offset: 2px; }
    button[aria-busy="true"] { cursor: progress; opacity: 0.75; }
    button:disabled { cursor: not-allowed; opacity: 0.6; }
    .error { color: var(--tether-error, #b42318); font-size: 0.9em; max-width: 32em; }
    .error:empty { display: none; }
    .error a { color: inherit; }
  `;

  class TetherDebugButton extends HTMLElement {
    static get observedAttributes() {
      return ['function', 'disabled'];
    }

    constructor() {
      super();
      this._token = null;
      this._getToken = null;
      this._busy = false;
      const root = this.attachShadow({ mode: 'open' });
      const style = document.createElement('style');
      style.textContent = STYLE;
      this._button = document.createElement('button');
      this._button.type = 'button';
      this._button.setAttribute('part', 'button');
      const slot = document.createElement('slot');
      slot.textContent = 'Debug';
      this._button.append(slot);
      this._error = document.createElement('div');
      this._error.className = 'error';
      this._error.setAttribute('part', 'error');
      this._error.setAttribute('role', 'alert');
      root.append(style, this._button, this._error);
      this._button.addEventListener('click', () => this._open());
    }

    connectedCallback() {
      // A property set before the element was upgraded sits on the instance; adopt it.
      for (const name of ['token', 'getToken']) {
        if (Object.prototype.hasOwnProperty.call(this, name)) {
          const value = this[name];
          delete this[name];
          this[name] = value;
        }
      }
      this._render();
    }

    attributeChangedCallback() {
      this._render();
    }

    get token() { return this._token; }
    set token(value) { this._token = value == null ? null : String(value); }

    get getToken() { return this._getToken; }
    set getToken(fn) { this._getToken = typeof fn === 'function' ? fn : null; }

    get relay() {
      return (this.getAttribute('relay') || SCRIPT_ORIGIN).replace(/\/+$/, '');
    }

    _render() {
      const name = this.getAttribute('function');
      const instance = this.getAttribute('instance');
      this._button.disabled = !name || this.hasAttribute('disabled');
      // Without a label of the host page's own, say what the button debugs.
      if (name && !this.textContent.trim()) {
        this._button.setAttribute('aria-label', instance ? `Debug instance ${instance} of ${name}` : `Debug ${name}`);
      } else {
        this._button.removeAttribute('aria-label');
      }
    }

    async _resolveToken() {
      if (this._getToken) return this._getToken();
      return this._token || this.getAttribute('token');
    }

    async _open() {
      if (this._busy) return;
      const name = this.getAttribute('function');
      if (!name) return;
      // Open the tab while the click still counts as a user gesture; popup blockers allow that.
      const tab = window.open('', '_blank');
      if (tab) {
        tab.opener = null;
        tab.document.title = 'Opening DevTools…';
        tab.document.body.textContent = `Opening DevTools for ${name}…`;
      }
      this._setBusy(true);
      this._error.textContent = '';
      try {
        const token = await this._resolveToken();
        if (!token) throw failure(0, 'no_token', 'You are not signed in to Tether (the page supplied no token).');
        const session = await this._createSession(name, String(token));
        const url = httpUrl(session.devtoolsFrontendUrl);
        if (tab && !tab.closed) tab.location.replace(url);
        else this._showBlocked(url);
        this.dispatchEvent(new CustomEvent('tether-session', { detail: session, bubbles: true, composed: true }));
      } catch (e) {
        if (tab) tab.close();
        const detail = {
          status: e.status ?? 0,
          error: e.code || 'client_error',
          message: e.message || 'Could not open DevTools.',
        };
        this._error.textContent = detail.message;
        this.dispatchEvent(new CustomEvent('tether-error', { detail, bubbles: true, composed: true }));
      } finally {
        this._setBusy(false);
      }
    }

    async _createSession(name, token) {
      const body = { function: name };
      const instance = this.getAttribute('instance');
      const mode = this.getAttribute('mode');
      if (instance) body.instance = instance;
      else body.scope = 'function';
      if (mode) body.mode = mode;
      let response;
      try {
        response = await fetch(`${this.relay}/api/sessions`, {
          method: 'POST',
          mode: 'cors',
          credentials: 'omit',
          referrerPolicy: 'no-referrer',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
      } catch {
        throw failure(0, 'unreachable',
          `Cannot reach the Tether relay at ${this.relay}. Is it running, and does it allow this page's origin (${window.location.origin})?`);
      }
      let json = null;
      try {
        json = await response.json();
      } catch {
        json = null;
      }
      if (!response.ok) {
        throw failure(response.status, json && json.error,
          (json && json.message) || MESSAGES[response.status] || `The Tether relay answered ${response.status}.`);
      }
      if (!json || !json.devtoolsFrontendUrl) {
        throw failure(response.status, 'bad_response', 'The Tether relay answered without a DevTools URL.');
      }
      return json;
    }

    _setBusy(busy) {
      this._busy = busy;
      if (busy) this._button.setAttribute('aria-busy', 'true');
      else this._button.removeAttribute('aria-busy');
    }

    _showBlocked(url) {
      const link = document.createElement('a');
      link.href = url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.textContent = 'Open DevTools';
      this._error.replaceChildren('Your browser blocked the new tab. ', link);
    }
  }

  /**
   * `text` as an absolute URL if it is an http: or https: one (as assets/urls.js checks for the
   * console; this classic script cannot import it): a javascript: or data: URL from whatever
   * answers as the relay would run in the embedding page's tab.
   */
  function httpUrl(text) {
    let url;
    try {
      url = new URL(String(text), window.location.href);
    } catch {
      throw failure(0, 'bad_response', 'The Tether relay sent a DevTools link that is no URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw failure(0, 'bad_response',
        `The Tether relay sent a ${url.protocol} DevTools link; only http: and https: are opened.`);
    }
    return url.href;
  }

  function failure(status, code, message) {
    const error = new Error(message);
    error.status = status;
    error.code = code;
    return error;
  }

  window.customElements.define('tether-debug-button', TetherDebugButton);
})();
