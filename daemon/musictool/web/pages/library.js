// Library: the Traktor tracks, paged, searched and sorted by the daemon (fast at 100,000 tracks), with the
// BPM and key distribution.
import { useMemo, useState } from "../vendor/hooks.module.js";
import { query } from "../api.js";
import { CamelotWheel, Chart } from "../charts.js";
import { Card, Empty, Loading, Pager, STALE, Table, html, num, useApi } from "../ui.js";

const LIMIT = 100;

function duration(s) {
  if (!s && s !== 0) return "–";
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.round(s % 60)).padStart(2, "0")}`;
}

function Distribution() {
  const state = useApi("/stats/library", STALE.library);
  const bpm = useMemo(() => {
    const rows = state.data?.bpm || [];
    return { x: rows.map((r) => r.bpm), s: [{ label: "Tracks", values: rows.map((r) => r.tracks), color: "--c2", kind: "bars" }] };
  }, [state.data]);
  return html`<${Loading} state=${state}>${(d) => html`
    <${Card} title="BPM">
      ${bpm.x.length ? html`<${Chart} x=${bpm.x} series=${bpm.s} time=${false} test="bpm" label="Tracks per BPM" />` : html`<${Empty}>No track has a BPM yet: Traktor's analysis or <code>musictool analyze</code> sets it.<//>`}
      <p class="muted">${num(d.no_bpm)} of ${num(d.tracks)} tracks have no BPM.</p>
    <//>
    <${Card} title="Keys (Camelot)">
      ${d.keys.length ? html`<${CamelotWheel} keys=${d.keys} test="camelot" />` : html`<${Empty}>No track has a key yet.<//>`}
      <p class="muted">${num(d.no_key)} of ${num(d.tracks)} tracks have no key.</p>
    <//>`}<//>`;
}

export function Library() {
  const [q, setQ] = useState("");
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState("artist");
  const [offset, setOffset] = useState(0);
  const state = useApi("/tracks" + query({ q: search, sort, limit: LIMIT, offset }), STALE.library);
  const columns = [
    { key: "artist", label: "Artist", sort: "artist" },
    { key: "title", label: "Title", sort: "title", render: (t) => html`<strong>${t.title || "–"}</strong>` },
    { key: "album", label: "Album", sort: "album" },
    { key: "genre", label: "Genre", sort: "genre" },
    { key: "bpm", label: "BPM", sort: "bpm", cls: "num", render: (t) => (t.bpm ? t.bpm.toFixed(1) : "–") },
    { key: "key_camelot", label: "Key", sort: "key", render: (t) => t.key_camelot || "–" },
    { key: "duration", label: "Time", sort: "duration", cls: "num", render: (t) => duration(t.duration) },
  ];
  const submit = (e) => { e.preventDefault(); setOffset(0); setSearch(q.trim()); };
  return html`<div class="grid">
    <${Distribution} />
    <${Card} wide title="Tracks">
      <form class="filters" role="search" onSubmit=${submit}>
        <label>Search<input type="search" name="q" value=${q} placeholder="artist, title, album, label…"
          onInput=${(e) => setQ(e.currentTarget.value)} /></label>
        <button type="submit">Search</button>
      </form>
      <${Loading} state=${state}>${(d) => html`
        <${Table} columns=${columns} rows=${d.items} sort=${sort} onSort=${(s) => { setOffset(0); setSort(s); }} rowKey=${(t) => t.id}
          caption="Tracks" empty=${search ? `No track matches “${search}”.` : "No tracks yet: the daemon reads them from Traktor's collection.nml."} />
        <${Pager} offset=${offset} limit=${LIMIT} total=${d.total} onPage=${setOffset} />`}<//>
    <//>
  </div>`;
}
