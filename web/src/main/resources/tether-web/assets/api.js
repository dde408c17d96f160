/** The relay's JSON API as seen from a page on the relay's own origin. */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const FALLBACK_MESSAGES = {
  0: 'Cannot reach the relay. Check your network; the list retries on its own.',
  400: 'The relay did not understand the request.',
  401: 'The relay did not accept your token: it is missing, expired or not issued for this relay. Sign in again.',
  403: 'Your token does not allow this.',
  404: 'Not found.',
  409: 'This conflicts with the current state; refresh and try again.',
  429: 'Too many sessions or requests right now; wait a moment and try again.',
};

/** Calls the API with the user's bearer token; resolves to the parsed JSON body or throws ApiError. */
export async function api(path, { token, method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'unreachable', FALLBACK_MESSAGES[0]);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const message = (json && typeof json.message === 'string' && json.message)
      || FALLBACK_MESSAGES[response.status]
      || `The relay answered ${response.status} ${response.statusText}.`;
    throw new ApiError(response.status, (json && json.error) || `http_${response.status}`, message);
  }
  return json;
}
