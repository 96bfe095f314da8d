// Health: how complete and sound the library's metadata and files are, and conflicts between sources to settle.
import { useState } from "../vendor/hooks.module.js";
import { api } from "../api.js";
import { Bars } from "../charts.js";
import { Card, Empty, Failure, Loading, Pager, STALE, Table, html, num, useApi, useToast } from "../ui.js";

const ISSUE_NAMES = {
  missing_file: "File missing", unreadable: "Unreadable file", no_bpm: "No BPM", no_key: "No key",
  low_quality: "Low quality", transcode: "Likely transcode", duplicate: "Duplicate",
};

function unavailable(state) {
  return state.error && (state.error.status === 404 || state.error.status === 405);
}

function Score() {
  const state = useApi("/library/health", STALE.library);
  if (unavailable(state))
    return html`<${Card} wide title="Library health"><p class="muted" data-health="unavailable">Not available: this daemon
      does not report library health yet (GET /api/v1/library/health). Update MusicTool to see the score.</p><//>`;
  return html`<${Loading} state=${state}>${(h) => html`
    <${Card} title="Health score" id="score">
      <div class="stats"><div class="stat" data-stat="health-score"><div class="stat-value">${num(h.score)}</div><div class="stat-label">of 100</div></div></div>
      ${Object.keys(h.issues || {}).length ? html`<${Bars} test="issues" label="Issues by kind"
        items=${Object.entries(h.issues).map(([k, v], i) => ({ name: ISSUE_NAMES[k] || k, value: v, color: v ? "--c5" : "--c3" }))} />`
        : html`<${Empty}>No issues found.<//>`}
    <//>
    <${Card} title="Metadata completeness">
      <${Bars} rate test="completeness" label="Share of tracks with each field"
        items=${Object.entries(h.completeness || {}).map(([k, v]) => ({ name: k, value: v, color: v >= 0.9 ? "--c3" : "--c1" }))} />
    <//>`}<//>`;
}

function Quality() {
  const [offset, setOffset] = useState(0);
  const state = useApi(`/quality?limit=10&offset=${offset}&max_score=70`, STALE.library);
  const columns = [
    { key: "score", label: "Score", cls: "num" },
    { key: "artist", label: "Track", render: (q) => html`${q.artist || "–"} — <strong>${q.title || q.path}</strong>` },
    { key: "codec", label: "Format", render: (q) => `${q.codec || "?"}${q.bitrate_kbps ? ` ${q.bitrate_kbps} kbps` : ""}` },
    { key: "transcode_suspected", label: "Transcode?", render: (q) => (q.transcode_suspected ? html`<span class="pill failed">suspected${q.estimated_source_kbps ? ` (~${q.estimated_source_kbps} kbps source)` : ""}</span>` : "no") },
  ];
  return html`<${Card} wide title="Quality and transcodes (score ≤ 70)">
    <${Loading} state=${state}>${(d) => html`
      <${Table} columns=${columns} rows=${d.items} rowKey=${(q) => q.track_id} caption="Low-quality files"
        empty="No analysed file scores 70 or less. Files are checked by the audio analysis (musictool analyze, or POST /api/v1/analysis)." />
      <${Pager} offset=${offset} limit=${10} total=${d.total} onPage=${setOffset} />`}<//>
  <//>`;
}

const show = (v) => (v === null || v === undefined ? "–" : typeof v === "object" ? JSON.stringify(v) : String(v));

function Conflicts() {
  const [offset, setOffset] = useState(0);
  const [toast, say] = useToast();
  const state = useApi(`/conflicts?limit=10&offset=${offset}`, STALE.library);
  const settle = async (c, value) => {
    try {
      await api(`/tracks/${c.track_id}/metadata/${encodeURIComponent(c.field)}`, { method: "PUT", body: { value } });
      say(`${c.field} of “${c.title || c.track_id}” set to ${show(value)}`);
      state.reload();
    } catch (e) {
      say(e.message, "error");
    }
  };
  const columns = [
    { key: "title", label: "Track", render: (c) => html`${c.artist || "–"} — <strong>${c.title || c.track_id}</strong>` },
    { key: "field", label: "Field", render: (c) => html`${c.field}${c.effective?.source === "user" ? html` <span class="pill succeeded" data-settled>settled by you</span>` : ""}` },
    { key: "values", label: "Sources say", render: (c) => html`<ul class="plain">${c.values.map((v) => html`<li>
      <button class="quiet" data-action="settle" title=${`Keep ${show(v.value)} (from ${v.source})`} onClick=${() => settle(c, v.value)}>Keep</button>
      ${show(v.value)} <span class="muted">(${v.source === "user" ? "you" : v.source}${c.effective && c.effective.source === v.source ? ", in use" : ""})</span></li>`)}</ul>` },
  ];
  return html`<${Card} wide title="Conflicts between sources">
    ${toast}
    <${Loading} state=${state}>${(d) => html`
      <${Table} columns=${columns} rows=${d.items} rowKey=${(c) => `${c.track_id}/${c.field}`} caption="Conflicts"
        empty="No conflicts: Traktor, the file tags and MusicBrainz agree wherever they overlap." />
      <p class="muted small">“Keep” makes that value yours (source “user”), which wins over every other source.</p>
      <${Pager} offset=${offset} limit=${10} total=${d.total} onPage=${setOffset} />`}<//>
  <//>`;
}

function Duplicates() {
  const state = useApi("/duplicates?limit=10", STALE.library);
  if (unavailable(state)) return null;
  return html`<${Card} wide title="Duplicates">
    <${Failure} error=${state.error} what="duplicates" />
    <${Loading} state=${state}>${(d) => d.items.length ? html`<ul class="plain">${d.items.map((g) => html`<li>
      Tracks ${g.track_ids.join(", ")} — keep ${g.keep} <span class="muted">(${g.reason})</span></li>`)}</ul>`
      : html`<${Empty}>No duplicates found.<//>`}<//>
  <//>`;
}

export function Health() {
  return html`<div class="grid"><${Score} /><${Quality} /><${Conflicts} /><${Duplicates} /></div>`;
}
