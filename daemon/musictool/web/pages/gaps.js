// Gaps: vinyl tracks with no digital copy, highest priority first; filter, sort the page, act on a row.
import { useMemo, useState } from "../vendor/hooks.module.js";
import { api, download, query } from "../api.js";
import { Card, Failure, Loading, Pager, STALE, Table, html, num, useApi, useToast } from "../ui.js";

const LIMIT = 50;
const STORES = ["beatport", "bandcamp", "juno", "traxsource", "discogs"];
const STORE_NAMES = { beatport: "Beatport", bandcamp: "Bandcamp", juno: "Juno", traxsource: "Traxsource", discogs: "Discogs" };

function compare(key) {
  const desc = key.startsWith("-");
  const k = key.replace(/^-/, "");
  return (a, b) => {
    const x = a[k] ?? "", y = b[k] ?? "";
    const r = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return desc ? -r : r;
  };
}

export function Gaps() {
  const [filters, setFilters] = useState({ artist: "", label: "", min_priority: "" });
  const [applied, setApplied] = useState(filters);
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState("-priority");
  const [busy, setBusy] = useState(null);
  const [toast, show] = useToast();
  const params = query({ ...applied, limit: LIMIT, offset });
  const state = useApi("/gaps" + params, STALE.gaps);
  const wish = useApi("/wishlist?limit=1000&status=wanted", STALE.wishlist);
  const wanted = useMemo(() => new Set((wish.data?.items || []).map((w) => `${w.release_id}/${w.position}`)), [wish.data]);

  const act = async (key, fn, ok) => {
    setBusy(key);
    try {
      await fn();
      show(ok);
      state.reload();
      wish.reload();
    } catch (e) {
      show(`${e.title}${e.message && e.message !== e.title ? ": " + e.message : ""}`, "error");
    } finally {
      setBusy(null);
    }
  };
  const path = (g) => `${g.release_id}/${encodeURIComponent(g.position)}`;
  const addToWishlist = (g) => act(`w${path(g)}`, () => api("/wishlist", { method: "POST", body: { release_id: g.release_id, position: g.position } }),
    `Added “${g.title}” to the wishlist`);
  const decide = (g, what) => act(`${what}${path(g)}`, () => api(`/matches/${path(g)}/${what}`, { method: "POST", body: { track_id: g.suggestion.track_id } }),
    what === "confirm" ? "Match confirmed: the track is no longer a gap" : "Suggestion rejected: it will not be proposed again");
  const ignore = (g) => act(`i${path(g)}`, () => api(`/gaps/${path(g)}/ignore`, { method: "POST", body: {} }), `“${g.title}” ignored (no digital copy wanted)`);

  const columns = [
    { key: "priority", label: "Priority", sort: "priority", cls: "num", render: (g) => html`<span class="prio" title=${g.reasons.join("; ")}>${g.priority.toFixed(0)}</span>` },
    { key: "artist", label: "Artist", sort: "artist" },
    { key: "title", label: "Title", sort: "title", render: (g) => html`<strong>${g.title}</strong>${g.suggestion ? html`<div class="muted small">suggested file #${g.suggestion.track_id} (${(g.suggestion.confidence * 100).toFixed(0)} %)</div>` : ""}` },
    { key: "release_title", label: "Record", sort: "release_title", render: (g) => html`${g.release_title} <span class="muted">(${g.position}${g.year ? ", " + g.year : ""})</span>` },
    { key: "label", label: "Label", sort: "label", render: (g) => g.label || "–" },
    { key: "links", label: "Find it", render: (g) => html`<span class="links">${STORES.map((s) => html`<a href=${g.links[s]} target="_blank" rel="noopener noreferrer">${STORE_NAMES[s]}</a>`)}</span>` },
    { key: "actions", label: "Actions", render: (g) => html`<span class="row-actions">
      ${wanted.has(`${g.release_id}/${g.position}`)
        ? html`<span class="pill succeeded" data-wanted>on wishlist</span>`
        : html`<button data-action="wishlist" disabled=${busy !== null} onClick=${() => addToWishlist(g)}>+ Wishlist</button>`}
      ${g.suggestion && html`<button data-action="confirm" disabled=${busy !== null} onClick=${() => decide(g, "confirm")}>Confirm match</button>
        <button data-action="reject" class="quiet" disabled=${busy !== null} onClick=${() => decide(g, "reject")}>Reject</button>`}
      <button data-action="ignore" class="quiet" disabled=${busy !== null} onClick=${() => ignore(g)} title="No digital copy wanted">Ignore</button>
    </span>` },
  ];
  const submit = (e) => { e.preventDefault(); setOffset(0); setApplied({ ...filters }); };
  const exportAs = (kind) => download(`/gaps/export.${kind}` + query(applied), `musictool-gaps.${kind}`).catch((e) => show(e.message, "error"));
  const field = (name, label, type = "search") => html`<label>${label}
    <input type=${type} name=${name} value=${filters[name]} min=${type === "number" ? 0 : undefined} max=${type === "number" ? 100 : undefined}
      onInput=${(e) => setFilters({ ...filters, [name]: e.currentTarget.value })} /></label>`;
  return html`<div class="grid">
    <${Card} wide title="Vinyl tracks without a digital copy" actions=${html`
        <button onClick=${() => exportAs("csv")} data-export="csv">Export CSV</button>
        <button onClick=${() => exportAs("html")} data-export="html">Export HTML</button>`}>
      <form class="filters" onSubmit=${submit} role="search">
        ${field("artist", "Artist")}${field("label", "Label")}${field("min_priority", "Min. priority", "number")}
        <button type="submit">Filter</button>
      </form>
      ${toast}
      <${Failure} error=${state.error} what="the gaps" />
      <${Loading} state=${state}>${(d) => html`
        <p class="muted" data-total=${d.total}>${num(d.total)} gaps${applied.artist || applied.label || applied.min_priority ? " match the filter" : ""}. Sorting orders this page; the list itself is by priority.</p>
        <${Table} columns=${columns} rows=${[...d.items].sort(compare(sort))} sort=${sort} onSort=${setSort}
          rowKey=${(g) => `${g.release_id}/${g.position}`} caption="Gaps"
          empty=${applied.artist || applied.label || applied.min_priority ? "No gap matches this filter." : "No gaps: every vinyl track you own has a digital copy (or no Discogs collection is synced yet)."} />
        <${Pager} offset=${offset} limit=${LIMIT} total=${d.total} onPage=${setOffset} />`}<//>
    <//>
  </div>`;
}
