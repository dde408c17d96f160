/**
 * A function's snapshot points in the console: set one by picking a script and a line, list the
 * points with their state, and read a hit as DevTools would show it paused: the call stack and a
 * tree of the captured scopes. Script and stack URLs are shown as text, never made into links.
 */

import { api } from './api.js';
import { h, dateTime } from './dom.js';
import { storedToken } from './token.js';

const REFRESH_MS = 2000;
/** One panel per function, kept across the list's re-renders so an open panel stays open. */
const panels = new Map();

/** The "Snapshot points" section of a function's card. */
export function snapshotSection(fn) {
  const name = fn.function;
  if (panels.has(name)) return panels.get(name).section;
  const body = h('div', { class: 'snapshot-body' });
  const section = h('details', { class: 'snapshots', dataset: { function: name } },
    h('summary', {}, h('strong', {}, 'Snapshot points'),
      h('span', { class: 'muted' }, ' · capture locals at a line without stopping the function')),
    body);
  const panel = { name, section, body, timer: null, selected: null, built: false };
  panels.set(name, panel);
  section.addEventListener('toggle', () => {
    if (section.open) {
      if (!panel.built) build(panel);
      refresh(panel);
    } else {
      window.clearTimeout(panel.timer);
    }
  });
  return section;
}

function build(panel) {
  panel.built = true;
  const path = (rest) => `api/functions/${encodeURIComponent(panel.name)}/${rest}`;
  const scripts = h('select', { class: 'snapshot-script', 'aria-label': 'Script' },
    h('option', { value: '' }, 'Load the scripts first'));
  const line = h('input', { type: 'number', min: '1', value: '1', class: 'snapshot-line', 'aria-label': 'Line' });
  const log = h('input', { type: 'text', class: 'snapshot-log', placeholder: 'optional log template, e.g. total={total}', 'aria-label': 'Log template' });
  const condition = h('input', { type: 'text', class: 'snapshot-condition', placeholder: 'optional, e.g. total > 100 (full mode only)', 'aria-label': 'Condition' });
  const maxHits = h('input', { type: 'number', min: '1', max: '1000', value: '10', class: 'snapshot-max', 'aria-label': 'Max hits' });
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const load = h('button', { type: 'button', class: 'small snapshot-load' }, 'Load scripts');
  load.addEventListener('click', async () => {
    error.hidden = true;
    load.disabled = true;
    try {
      const answer = await api(path('scripts'), { token: storedToken() });
      const own = answer.scripts.filter((u) => !u.includes('/node_modules/'));
      scripts.replaceChildren(...own.concat(answer.scripts.filter((u) => !own.includes(u)))
        .map((url) => h('option', { value: url }, shortUrl(url))));
    } catch (e) {
      showError(error, e.message);
    } finally {
      load.disabled = false;
    }
  });
  const set = h('button', { type: 'submit', class: 'primary small' }, 'Set point');
  const form = h('form', { class: 'snapshot-form', novalidate: true },
    h('label', {}, 'Script ', scripts), load,
    h('label', {}, 'Line ', line),
    h('label', {}, 'Max hits ', maxHits),
    h('label', { class: 'wide' }, 'Condition ', condition),
    h('label', { class: 'wide' }, 'Log ', log),
    set, error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    const body = { url: scripts.value, line: Number(line.value), maxHits: Number(maxHits.value) };
    if (condition.value.trim()) body.condition = condition.value.trim();
    if (log.value.trim()) body.log = log.value.trim();
    if (!body.url) {
      showError(error, 'Pick a script: click Load scripts, then choose the file.');
      return;
    }
    try {
      const point = await api(path('snapshots'), { token: storedToken(), method: 'POST', body });
      panel.selected = { point: point.id, hit: 0 };
      refresh(panel);
    } catch (e) {
      showError(error, e.message);
    }
  });
  panel.list = h('div', { class: 'snapshot-list', 'aria-live': 'polite' });
  panel.detail = h('div', { class: 'snapshot-detail' });
  panel.body.replaceChildren(form, panel.list, panel.detail);
}

function showError(el, message) {
  el.textContent = message;
  el.hidden = false;
}

async function refresh(panel) {
  window.clearTimeout(panel.timer);
  try {
    const points = await api(`api/functions/${encodeURIComponent(panel.name)}/snapshots`, { token: storedToken() });
    renderPoints(panel, points);
  } catch (e) {
    panel.list.replaceChildren(h('p', { class: 'notice error' }, e.message));
  }
  if (panel.section.open) panel.timer = window.setTimeout(() => refresh(panel), REFRESH_MS);
}

function renderPoints(panel, points) {
  if (!points.length) {
    panel.list.replaceChildren(h('p', { class: 'muted' }, 'No point yet. Pick a script and a line above;'
      + ' every instance captures its locals there, now and as new ones start, without pausing the function.'));
    panel.detail.replaceChildren();
    return;
  }
  const rows = points.map((p) => h('li', { class: `snapshot-point status-${p.status}`, dataset: { point: p.id } },
    h('code', {}, `${shortUrl(p.url)}:${p.line}`), ' ',
    h('span', { class: 'badge' }, p.kind === 'logpoint' ? 'logpoint' : 'snapshot'), ' ',
    h('span', { class: 'muted' }, `${p.status} · ${p.hitCount}/${p.maxHits} hits`
      + (p.log ? ` · ${p.log}` : '') + (p.condition ? ` · if ${p.condition}` : '')),
    p.disabled.length ? h('ul', { class: 'snapshot-disabled' }, p.disabled.map((d) =>
      h('li', {}, `Disabled on ${d.instance}: ${d.reason}`))) : null,
    p.hits.length ? h('ol', { class: 'snapshot-hits' }, p.hits.map((hit, i) => h('li', {},
      h('button', {
        type: 'button', class: 'link',
        onclick: () => { panel.selected = { point: p.id, hit: i }; renderDetail(panel, p); },
      }, `${dateTime(new Date(hit.at))} · ${hit.instance} · paused ${hit.pauseMs.toFixed(2)} ms`
        + (hit.log ? ` · ${hit.log}` : ''))))) : null,
    h('button', {
      type: 'button', class: 'small quiet',
      onclick: async () => {
        try {
          await api(`api/functions/${encodeURIComponent(panel.name)}/snapshots/${encodeURIComponent(p.id)}`,
            { token: storedToken(), method: 'DELETE' });
        } catch (e) {
          panel.detail.replaceChildren(h('p', { class: 'notice error' }, e.message));
        }
        refresh(panel);
      },
    }, 'Delete')));
  panel.list.replaceChildren(h('ul', { class: 'snapshot-points' }, rows));
  const chosen = points.find((p) => panel.selected && p.id === panel.selected.point)
    || points.find((p) => p.hits.length);
  if (chosen) renderDetail(panel, chosen);
}

function renderDetail(panel, point) {
  const index = panel.selected && panel.selected.point === point.id ? panel.selected.hit : 0;
  const hit = point.hits[index];
  if (!hit) {
    panel.detail.replaceChildren(h('p', { class: 'muted' },
      `${shortUrl(point.url)}:${point.line} has no hit yet: invoke the function.`));
    return;
  }
  const open = new Set([...panel.detail.querySelectorAll('details[open]')].map((d) => d.dataset.key));
  panel.detail.replaceChildren(h('article', { class: 'snapshot-hit', 'aria-label': `Hit of ${point.id}` },
    h('h4', {}, `${shortUrl(point.url)}:${point.line}`),
    h('p', { class: 'muted' }, `instance ${hit.instance} · ${dateTime(new Date(hit.at))}`
      + ` · paused ${hit.pauseMs.toFixed(2)} ms${hit.cut ? ' · some values were cut to fit' : ''}`),
    hit.log ? h('pre', { class: 'snapshot-log-line' }, hit.log) : null,
    h('h5', {}, 'Call stack'),
    h('ol', { class: 'snapshot-stack' }, hit.stack.map((f) => h('li', {},
      h('code', { class: 'fn' }, f.function), ' ', h('code', { class: 'where' }, `${shortUrl(f.url)}:${f.line}:${f.column}`)))),
    hit.scopes ? h('h5', {}, 'Scope') : null,
    hit.scopes ? h('div', { class: 'scope-tree' }, hit.scopes.map((scope, i) => {
      const key = `${i}`;
      const frame = hit.stack[scope.frame];
      return h('details', { dataset: { key }, open: scope.frame === 0 && scope.type !== 'closure' ? true : open.has(key) },
        h('summary', {}, h('strong', {}, scopeTitle(scope)),
          scope.frame > 0 && frame ? h('span', { class: 'muted' }, ` · ${frame.function}`) : null),
        variables(scope.variables, key, open));
    })) : null));
}

function scopeTitle(scope) {
  const title = { local: 'Local', block: 'Block', closure: 'Closure', catch: 'Catch' }[scope.type] || scope.type;
  return scope.name ? `${title} (${scope.name})` : title;
}

/** Variables as DevTools' Scope pane lists them: name: value, objects expandable. */
function variables(list, key, open) {
  return h('ul', { class: 'scope-vars' }, (list || []).map((v, i) => {
    const childKey = `${key}.${i}`;
    const value = h('span', { class: `value type-${v.type}${v.redacted ? ' redacted' : ''}` },
      v.type === 'string' && !v.redacted ? JSON.stringify(v.value) : v.value);
    const line = [h('span', { class: 'name' }, v.name), ': ', value, v.cut ? h('span', { class: 'muted' }, ' …') : null];
    if (v.children && v.children.length) {
      return h('li', {}, h('details', { dataset: { key: childKey }, open: open.has(childKey) },
        h('summary', {}, ...line), variables(v.children, childKey, open)));
    }
    return h('li', {}, ...line);
  }));
}

/** The last two path segments of a script URL: handler.js in its folder, as a person says it. */
function shortUrl(url) {
  const parts = String(url).split('/');
  return parts.length > 2 ? parts.slice(-2).join('/') : String(url);
}
