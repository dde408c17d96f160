// Tether: when the relay closes this DevTools tab's socket, DevTools itself says only "WebSocket
// disconnected", and its "Reconnect DevTools" reloads the page with the same single-use ticket,
// which the relay refuses. This banner shows the relay's close code and reason and what to do
// instead. It runs before DevTools starts and watches the sockets DevTools opens to the relay.

const TITLES = {
  1000: 'The session ended',
  1001: 'The relay stopped',
  1008: 'The relay closed the session',
  1009: 'A message was too big for the relay',
  4000: 'The function instance went away',
  4001: 'The session was ended',
  4002: 'The session expired',
  4003: 'An admin terminated this session',
  4004: 'The debugged target went away',
  4005: 'The function instance is not available',
  4008: 'DevTools did not keep up with the function',
  4009: 'Another DevTools took over this session',
};

const NativeWebSocket = window.WebSocket;

/** A WebSocket that reports how a socket to the relay's /devtools/ endpoint ended. */
class WatchedWebSocket extends NativeWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    if (!String(url).includes('/devtools/')) return;
    let opened = false;
    this.addEventListener('open', () => { opened = true; });
    this.addEventListener('close', (event) => show(opened, event.code, event.reason));
  }
}
window.WebSocket = WatchedWebSocket;

function show(opened, code, reason) {
  let title;
  let detail;
  if (!opened) {
    title = 'The relay refused this DevTools link';
    detail = 'Its single-use ticket was already used, or it expired (tickets last about a minute).';
  } else if (code === 1006 || code === 1005) {
    title = 'The connection to the relay was lost';
    detail = 'The network or the relay dropped the socket without a reason.';
  } else {
    title = TITLES[code] || 'The relay closed the session';
    detail = reason ? `${reason}.` : '';
  }
  const banner = document.createElement('div');
  banner.id = 'tether-disconnected';
  banner.setAttribute('role', 'alert');
  banner.dataset.code = String(code);
  banner.style.cssText = 'position:fixed;z-index:2147483647;left:0;right:0;top:0;padding:12px 16px;'
    + 'background:#fce8e6;color:#3c1d1a;border-bottom:2px solid #c5221f;'
    + 'font:14px/1.45 system-ui,sans-serif;box-shadow:0 2px 6px rgba(0,0,0,.2)';
  const strong = document.createElement('strong');
  strong.textContent = `${title} (${code}). `;
  const text = document.createElement('span');
  text.className = 'tether-reason';
  text.textContent = detail;
  const next = document.createElement('div');
  next.textContent = 'Reconnecting from this tab cannot work: the link\'s ticket is spent. To debug '
    + 'again, go back to the Tether console tab and click Debug (or Open DevTools in its session '
    + 'panel); this tab can be closed.';
  next.style.marginTop = '4px';
  banner.append(strong, text, next);
  document.getElementById('tether-disconnected')?.remove();
  (document.body || document.documentElement).append(banner);
}
