/** Checks on URLs that come from the relay before a page navigates to them or links them. */

/**
 * `text` as an absolute URL if it is an http: or https: one. A relay (or whatever answers in its
 * name) could send `javascript:` or `data:`; opening that would run its code in this page.
 */
export function httpUrl(text) {
  let url;
  try {
    url = new URL(String(text), window.location.href);
  } catch {
    throw new Error('The relay sent a link that is no URL; nothing was opened.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`The relay sent a ${url.protocol} link; only http: and https: links are opened.`);
  }
  return url.href;
}
