/**
 * What the console and the admin pages share about signing in: the token pasted into the form, the
 * check before it is used (the relay has the final word), the form's error line and the notice.
 */
import { clock, h, relative } from './dom.js';
import { decodeClaims, isExpired } from './token.js';

const $ = (id) => document.getElementById(id);

/** The token in the sign-in form, without spaces around it or a "Bearer " before it. */
export function pastedToken() {
  return $('token-input').value.trim().replace(/^Bearer\s+/i, '');
}

/**
 * `{ claims }` for a token that looks like one and has not expired, else `{ error }` saying why
 * (with `expired: true` when it was a token, only too old).
 */
export function checkToken(token) {
  let claims;
  try {
    claims = decodeClaims(token);
  } catch (e) {
    return { error: e.message };
  }
  if (isExpired(claims)) {
    return {
      expired: true,
      error: `The token for ${claims.sub} expired ${relative(claims.exp)} (${clock(claims.exp)}). Get a new one and sign in again.`,
    };
  }
  return { claims };
}

/** The line under the sign-in form; null hides it. */
export function fieldError(message) {
  $('signin-error').textContent = message || '';
  $('signin-error').hidden = !message;
}

/** The page's notice: `kind` is 'error', 'ok' or ''; `message` text or an element. */
export function notice(kind, title, message) {
  const el = $('notice');
  el.className = `notice ${kind}`;
  el.replaceChildren(h('strong', {}, title), message || '');
  el.hidden = false;
}

export function hideNotice() {
  $('notice').hidden = true;
}
