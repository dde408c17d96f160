/**
 * Marks a function that crashed and shows its crash reports readably: the error, the JavaScript
 * stack with its source locations, the heap and the resource usage, with Node's whole (redacted)
 * report one click away.
 */

import { api } from './api.js';
import { h, relative, dateTime } from './dom.js';
import { storedToken } from './token.js';

const MIB = 1024 * 1024;

/** The "Crashed 2 minutes ago" badge for a function's card head, or null when it never crashed. */
export function crashBadge(fn) {
  if (!fn.lastCrash) return null;
  const at = new Date(fn.lastCrash.at);
  return h('span', { class: 'crashed', title: fn.lastCrash.message },
    'Crashed ', h('span', { dataset: { since: at.toISOString() } }, relative(at)));
}

/** A collapsed "Crash reports" section that loads the function's reports when opened. */
export function crashSection(fn) {
  if (!fn.lastCrash) return null;
  const body = h('div', { class: 'crash-body' });
  const section = h('details', { class: 'crash-reports' },
    h('summary', {}, h('strong', {}, 'Crash reports'), ' · last: ',
      h('span', { class: 'crash-message' }, fn.lastCrash.message)),
    body);
  section.addEventListener('toggle', () => {
    if (section.open && !body.dataset.loaded) loadList(fn.function, body);
  });
  return section;
}

async function loadList(name, body) {
  body.dataset.loaded = 'yes';
  body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const reports = await api(`api/functions/${encodeURIComponent(name)}/reports`, { token: storedToken() });
    const detail = h('div', { class: 'crash-detail' });
    const items = reports.map((r) => h('li', {}, h('button', {
      type: 'button',
      class: 'link',
      onclick: () => loadReport(name, r.id, detail),
    }, `${dateTime(new Date(r.receivedAt))} · ${r.instance} · ${r.message}`)));
    body.replaceChildren(h('ol', { class: 'crash-list', reversed: true }, items), detail);
    if (reports.length) loadReport(name, reports[0].id, detail);
  } catch (e) {
    delete body.dataset.loaded;
    body.replaceChildren(h('p', { class: 'notice error' }, e.message));
  }
}

async function loadReport(name, id, detail) {
  detail.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const r = await api(`api/functions/${encodeURIComponent(name)}/reports/${encodeURIComponent(id)}`, { token: storedToken() });
    detail.replaceChildren(renderReport(r));
  } catch (e) {
    detail.replaceChildren(h('p', { class: 'notice error' }, e.message));
  }
}

/** One report as a person reads it. */
export function renderReport(r) {
  const report = r.report || {};
  const header = report.header || {};
  const heap = report.javascriptHeap || {};
  const usage = report.resourceUsage || {};
  const env = Object.keys(report.environmentVariables || {});
  const omitted = (report.tether && report.tether.omitted) || [];
  return h('article', { class: 'crash-report', 'aria-label': `Crash report ${r.id}` },
    h('h4', { class: 'crash-error' }, r.message),
    h('p', { class: 'muted' },
      `${triggerText(r.trigger)} · instance ${r.instance} · ${dateTime(new Date(r.receivedAt))}`
        + ` · exit code ${r.exitCode}${header.nodejsVersion ? ` · Node.js ${header.nodejsVersion}` : ''}`),
    h('h5', {}, 'JavaScript stack'),
    r.stack && r.stack.length
      ? h('ol', { class: 'crash-stack' }, r.stack.map((line) => h('li', {}, frame(line))))
      : h('p', { class: 'muted' }, 'No JavaScript stack (the process died outside JavaScript).'),
    h('div', { class: 'crash-facts' },
      facts('Heap', [
        ['used', mib(heap.usedMemory)],
        ['limit', mib(heap.memoryLimit)],
        ['total', mib(heap.totalMemory)],
        ['external', mib(heap.externalMemory)],
      ]),
      facts('Resource usage', [
        ['RSS', mib(usage.rss)],
        ['max RSS', mib(usage.maxRss)],
        ['user CPU', seconds(usage.userCpuSeconds)],
        ['system CPU', seconds(usage.kernelCpuSeconds)],
      ])),
    env.length ? h('p', { class: 'muted' }, h('strong', {}, 'Environment (values redacted): '), env.join(', ')) : null,
    omitted.length ? h('p', { class: 'muted' }, `Left out to fit: ${omitted.join(', ')}.`) : null,
    h('details', {}, h('summary', {}, 'Node.js diagnostic report (JSON)'),
      h('pre', { class: 'crash-json' }, JSON.stringify(report, null, 2))));
}

function triggerText(trigger) {
  if (trigger === 'Exception') return 'Uncaught exception';
  if (trigger === 'OOMError') return 'Out of memory';
  if (trigger === 'FatalError') return 'Fatal error';
  return trigger || 'Crash';
}

/** "at handle (/srv/app.js:3:9)" with the function name and the location set apart. */
function frame(line) {
  const m = /^at (?:(.+?) \()?(.+?:\d+:\d+)\)?$/.exec(line);
  if (!m) return h('code', {}, line);
  return [h('code', { class: 'fn' }, m[1] || '(anonymous)'), ' ', h('code', { class: 'where' }, m[2])];
}

function facts(title, rows) {
  const shown = rows.filter(([, value]) => value !== null);
  return h('dl', { class: 'crash-fact' }, h('dt', { class: 'title' }, title),
    shown.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

function mib(bytes) {
  return typeof bytes === 'number' ? `${(bytes / MIB).toFixed(1)} MiB` : null;
}

function seconds(value) {
  return typeof value === 'number' ? `${value.toFixed(2)} s` : null;
}
