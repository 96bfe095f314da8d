// Shared pieces of every page: the html tag, data hooks that refetch when live events say the data moved,
// formatting, and small components (cards, empty and error states, tables that become cards on a phone).
import { h } from "./vendor/preact.module.js";
import { useCallback, useEffect, useRef, useState } from "./vendor/hooks.module.js";
import htm from "./vendor/htm.module.js";
import { api } from "./api.js";
import { onEvent } from "./events.js";

export const html = htm.bind(h);

// Which live events make which data stale. "reconnected" refreshes everything (events may have been missed).
export const STALE = {
  gaps: ["matches.updated", "discogs.synced", "traktor.ingested"],
  library: ["traktor.ingested", "analysis.done", "enrich.done", "library.health"],
  collection: ["discogs.synced", "matches.updated"],
  wishlist: ["matches.updated", "discogs.synced"],
  activity: ["job.queued", "job.started", "job.finished", "notification", "discogs.synced", "traktor.ingested", "error"],
  status: ["job.finished", "discogs.synced", "traktor.ingested", "matches.updated", "jobs.paused", "jobs.resumed"],
};

export function useLiveVersion(types) {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let timer = null;
    return onEvent((type) => {
      if (type !== "reconnected" && !types.some((t) => type === t || type.startsWith(t + "."))) return;
      clearTimeout(timer);
      timer = setTimeout(() => setVersion((v) => v + 1), 400);
    });
  }, [types.join(",")]);
  return version;
}

// GET a path; refetch when it changes, when `stale` events arrive, or on reload(). Keeps the last data shown
// while a refetch runs, so a live update never blanks the page.
export function useApi(path, stale = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [nonce, setNonce] = useState(0);
  const version = useLiveVersion(stale);
  const current = useRef(path);
  current.current = path;
  useEffect(() => {
    if (path === null) return;
    let gone = false;
    setState((s) => ({ ...s, loading: true }));
    api(path).then(
      (data) => !gone && setState({ data, error: null, loading: false }),
      (error) => !gone && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => { gone = true; };
  }, [path, version, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}

const numberFormat = new Intl.NumberFormat();
export const num = (n) => (n === null || n === undefined ? "–" : numberFormat.format(n));
export const pct = (r, digits = 0) => (r === null || r === undefined ? "–" : `${(r * 100).toFixed(digits)} %`);
export function money(value, currency) {
  if (value === null || value === undefined) return "–";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR" }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency || ""}`.trim();
  }
}
export function when(value) {
  if (!value) return "never";
  const t = typeof value === "number" ? value * 1000 : Date.parse(value);
  if (Number.isNaN(t)) return String(value);
  const s = Math.round((Date.now() - t) / 1000);
  const abs = Math.abs(s);
  const span = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return s >= 0 ? `${span} ago` : `in ${span}`;
}
export function dateTime(value) {
  if (!value) return "–";
  const t = typeof value === "number" ? value * 1000 : Date.parse(value);
  return Number.isNaN(t) ? String(value) : new Date(t).toLocaleString();
}

export function Card({ title, actions, children, wide, id }) {
  return html`<section class=${"card" + (wide ? " wide" : "")} id=${id}>
    ${(title || actions) && html`<header class="card-head"><h2>${title}</h2>${actions && html`<div class="actions">${actions}</div>`}</header>`}
    ${children}
  </section>`;
}

export function Stat({ label, value, hint, test }) {
  return html`<div class="stat" data-stat=${test}>
    <div class="stat-value">${value}</div><div class="stat-label">${label}</div>
    ${hint && html`<div class="stat-hint">${hint}</div>`}
  </div>`;
}

export function Empty({ children }) {
  return html`<div class="empty">${children}</div>`;
}

export function Failure({ error, what }) {
  if (!error) return null;
  if (error.status === 0 || error.status === 401) return null; // the banner at the top explains these
  return html`<div class="failure" role="alert"><strong>${what ? `Could not load ${what}: ` : ""}${error.title}</strong>
    ${error.message && error.message !== error.title ? html` — ${error.message}` : ""}</div>`;
}

export function Loading({ state, children }) {
  if (state.data === null && state.loading) return html`<div class="loading" aria-busy="true">Loading…</div>`;
  if (state.data === null && state.error) return html`<${Failure} error=${state.error} />`;
  if (state.data === null) return null;
  return children(state.data);
}

export function Pager({ offset, limit, total, onPage }) {
  if (!total) return null;
  if (total <= limit) return html`<div class="pager"><span>${num(total)} in all</span></div>`;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  return html`<nav class="pager" aria-label="pages">
    <button onClick=${() => onPage(0)} disabled=${offset === 0} aria-label="first page">«</button>
    <button onClick=${() => onPage(Math.max(0, offset - limit))} disabled=${offset === 0}>‹ Previous</button>
    <span>${num(offset + 1)}–${num(Math.min(total, offset + limit))} of ${num(total)}</span>
    <button onClick=${() => onPage(offset + limit)} disabled=${offset + limit >= total}>Next ›</button>
    <button onClick=${() => onPage(last)} disabled=${offset >= last} aria-label="last page">»</button>
  </nav>`;
}

// columns: [{key, label, render?(row), sort?: string, cls?}]. On a phone each row becomes a card whose cells
// carry their column's label (CSS reads data-label), so nothing scrolls sideways.
export function Table({ columns, rows, sort, onSort, rowKey, caption, empty }) {
  if (!rows.length) return html`<${Empty}>${empty || "Nothing here yet."}<//>`;
  const head = (c) => {
    if (!c.sort || !onSort) return html`<th scope="col" class=${c.cls}>${c.label}</th>`;
    const active = sort === c.sort || sort === "-" + c.sort;
    const desc = sort === "-" + c.sort;
    return html`<th scope="col" class=${c.cls} aria-sort=${active ? (desc ? "descending" : "ascending") : "none"}>
      <button class="sort" onClick=${() => onSort(active && !desc ? "-" + c.sort : c.sort)}>
        ${c.label}${active ? (desc ? " ↓" : " ↑") : ""}</button></th>`;
  };
  const sortable = onSort ? columns.filter((c) => c.sort) : [];
  // on a phone the header row is hidden (rows become cards), so the sort is a menu there
  const menu = sortable.length > 0 && html`<label class="sort-menu">Sort by <select value=${sort} onChange=${(e) => onSort(e.currentTarget.value)}>
    ${sortable.map((c) => html`<option value=${c.sort}>${c.label} ↑</option><option value=${"-" + c.sort}>${c.label} ↓</option>`)}
  </select></label>`;
  return html`${menu}<table class="table">
    ${caption && html`<caption class="sr-only">${caption}</caption>`}
    <thead><tr>${columns.map(head)}</tr></thead>
    <tbody>${rows.map((r, i) => html`<tr key=${rowKey ? rowKey(r) : i}>
      ${columns.map((c) => html`<td data-label=${c.label} class=${c.cls}><div class="cell">${c.render ? c.render(r) : r[c.key] ?? "–"}</div></td>`)}
    </tr>`)}</tbody>
  </table>`;
}

export function Meter({ value, label }) {
  const v = Math.max(0, Math.min(1, value || 0));
  return html`<span class="meter" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(v * 100)}
    aria-label=${label || "share"}><span class="meter-fill" style=${{ width: `${v * 100}%` }}></span></span>`;
}

export function useToast() {
  const [msg, setMsg] = useState(null);
  const timer = useRef(null);
  const show = useCallback((text, kind = "ok") => {
    clearTimeout(timer.current);
    setMsg({ text, kind });
    timer.current = setTimeout(() => setMsg(null), 4000);
  }, []);
  const node = msg && html`<div class=${"toast " + msg.kind} role="status">${msg.text}</div>`;
  return [node, show];
}
