/**
 * The signed-in user's token: taken from the URL fragment (never the query string), kept in this
 * tab's sessionStorage, and decoded here only to show who is signed in — the relay verifies it.
 */

const STORAGE_KEY = 'tether.userToken';

/**
 * Moves a `#token=…` fragment into sessionStorage and removes it from the address bar, so the token
 * does not linger in history or get copied along with the URL. Returns what it found.
 */
export function takeTokenFromUrl() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const query = new URLSearchParams(window.location.search);
  const fromFragment = fragment.get('token');
  // A token in the query string has already reached server logs; refuse it so nobody gets used to it.
  const refusedQueryToken = query.has('token');
  if (fromFragment !== null || refusedQueryToken) {
    fragment.delete('token');
    query.delete('token');
    const search = query.toString();
    const hash = fragment.toString();
    window.history.replaceState(null, '',
      window.location.pathname + (search ? `?${search}` : '') + (hash ? `#${hash}` : ''));
  }
  if (fromFragment) storeToken(fromFragment.trim());
  return { fromFragment: Boolean(fromFragment), refusedQueryToken };
}

export function storedToken() {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the user pastes the token again per page load
  }
}

export function storeToken(token) {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Without storage the token lives only in memory for this page.
  }
}

export function forgetToken() {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}

/**
 * Reads the JWT payload for display. Throws an Error whose message tells the user what is wrong
 * with the pasted text; says nothing about whether the relay will accept it.
 */
export function decodeClaims(token) {
  const parts = String(token).trim().split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new Error('This is not a Tether user token (expected a JWT: three parts separated by dots).');
  }
  let payload;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('This token could not be read (its middle part is not base64url-encoded JSON).');
  }
  if (payload === null || typeof payload !== 'object') {
    throw new Error('This token could not be read (its payload is not a JSON object).');
  }
  return {
    sub: typeof payload.sub === 'string' ? payload.sub : '(no subject)',
    role: typeof payload.role === 'string' ? payload.role : null,
    exp: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : null,
    modes: Array.isArray(payload.modes) ? payload.modes.filter((m) => typeof m === 'string') : null,
    functions: Array.isArray(payload.functions) ? payload.functions.filter((f) => typeof f === 'string') : null,
  };
}

export function isExpired(claims, now = new Date()) {
  return claims.exp !== null && claims.exp <= now;
}
