/**
 * The ./tether commands this relay says work when pasted on its host (GET /api/hints: its data
 * directory and URL filled in); fetched once per page. Relays that are not on loopback give none,
 * and the pages keep their generic text.
 */

import { api } from './api.js';

let hints = null;

export function loadHints() {
  // Relative to this file, so the console at / and the admin pages at /admin/ ask the same URL.
  if (!hints) hints = api(new URL('../api/hints', import.meta.url).href).catch(() => ({ local: false }));
  return hints;
}
