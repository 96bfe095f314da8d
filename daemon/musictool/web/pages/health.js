// Health: how complete and sound the library's metadata and files are, and conflicts between sources to settle.
import { useState } from "../vendor/hooks.module.js";
import { api } from "../api.js";
import { Bars } from "../charts.js";
import { Card, Empty, Failure, Loading, Pager, STALE, Stat, Table, html, num, useApi, useToast } from "../ui.js";

const ISSUE_NAMES = {
  missing_file: "File missing", unreadable: "Unreadable file", no_bpm: "No BPM", no_key: "No key", no_genre: "No genre",
  low_quality: "Low quality", transcode: "Likely transcode", duplicate: "Duplicate", tags_disagree: "Tags disagree",
  no_artwork: "No artwork", small_artwork: "Small artwork",
};
// the quick fix that addresses an issue kind (POST /library/fixes), beside "accept" which every kind has
const FIX_FOR = { missing_file: ["relocate", "Find moved files"], no_bpm: ["fill_analysis", "Fill from analysis"],
  no_key: ["fill_analysis", "Fill from analysis"], no_genre: ["fill_musicbrainz", "Fill from MusicBrainz"],
  duplicate: ["merge_duplicates", "Merge into the best copy"] };

function unavailable(state) {
  return state.error && (state.error.status === 404 || state.error.status === 405);
}

function Issues({ kind, onDone }) {
  const [offset, setOffset] = useState(0);
  const [toast, say] = useToast();
  const state = useApi(`/library/issues?kind=${kind}&limit=10&offset=${offset}`, STALE.library);
  const fix = async (body, ok) => {
    try {
      await api("/library/fixes", { method: "POST", body });
      say(ok);
      onDone();
    } catch (e) {
      say(e.message, "error");
    }
  };
  const [fixKind, fixLabel] = FIX_FOR[kind] || [];
  const columns = [
    { key: "title", label: "Track", render: (i) => html`${i.artist || "–"} — <strong>${i.title || i.location || i.track_id}</strong>` },
    { key: "detail", label: "Detail", render: (i) => (typeof i.detail === "object" && i.detail !== null ? JSON.stringify(i.detail) : i.detail ?? "–") },
    { key: "act", label: "", render: (i) => html`<button class="quiet" data-action="accept"
      onClick=${() => fix({ kind: "accept", issue: kind, track_ids: [i.track_id] }, "Accepted: no longer listed")}>Accept</button>` },
  ];
  return html`<div class="detail" data-issues=${kind}>
    <div class="card-head"><h3>${ISSUE_NAMES[kind] || kind}</h3>
      ${fixKind && fixKind !== "merge_duplicates" && html`<button data-action="fix" onClick=${() => fix({ kind: fixKind }, `${fixLabel}: queued`)}>${fixLabel}</button>`}</div>
    ${toast}
    <${Loading} state=${state}>${(d) => html`
      <${Table} columns=${columns} rows=${d.items || []} rowKey=${(i) => `${i.track_id}/${i.kind}`} caption=${kind} empty="None left." />
      <${Pager} offset=${offset} limit=${10} total=${d.total || 0} onPage=${setOffset} />`}<//>
  </div>`;
}

function Score() {
  const state = useApi("/library/health", STALE.library);
  const [kind, setKind] = useState(null);
  const [toast, say] = useToast();
  if (unavailable(state))
    return html`<${Card} wide title="Library health"><p class="muted" data-health="unavailable">Not available: this daemon
      does not report library health yet (GET /api/v1/library/health). Update MusicTool to see the score.</p><//>`;
  const recheck = async () => {
    try {
      await api("/library/health", { method: "POST", body: {} });
      say("Health check queued: the figures update when it finishes");
    } catch (e) {
      say(e.message, "error");
    }
  };
  return html`<${Loading} state=${state}>${(h) => {
    const issues = Object.entries(h.issues || {});
    const completeness = Object.entries(h.completeness || {}).filter(([, v]) => v !== null);
    return html`
    <${Card} title="Health score" id="score" actions=${html`<button onClick=${recheck} data-action="recheck">Check now</button>`}>
      ${toast}
      <div class="stats"><div class="stat" data-stat="health-score"><div class="stat-value">${num(h.score)}</div><div class="stat-label">of 100</div></div>
        ${h.tracks !== undefined && html`<${Stat} label="Tracks" value=${num(h.tracks)} />`}
        ${h.tracks_with_issues !== undefined && html`<${Stat} test="with-issues" label="With an issue" value=${num(h.tracks_with_issues)} />`}
        ${h.files_checked !== undefined && html`<${Stat} label="Files checked" value=${num(h.files_checked)} />`}</div>
      <h3>Issues</h3>
      ${issues.some(([, v]) => v) ? html`<ul class="plain issue-kinds" data-chart="issues">${issues.filter(([, v]) => v).map(([k, v]) => html`<li>
          <button class="quiet" aria-pressed=${kind === k} data-kind=${k} onClick=${() => setKind(kind === k ? null : k)}>${ISSUE_NAMES[k] || k}</button>
          <strong>${num(v)}</strong></li>`)}</ul>` : html`<${Empty}>No issues found.<//>`}
      ${kind && html`<${Issues} kind=${kind} onDone=${state.reload} />`}
    <//>
    <${Card} title="Metadata completeness">
      ${completeness.length ? html`<${Bars} rate test="completeness" label="Share of tracks with each field"
        items=${completeness.map(([k, v]) => ({ name: k, value: v, color: v >= 0.9 ? "--c3" : "--c1" }))} />` : html`<${Empty}>No tracks yet.<//>`}
    <//>`;
  }}<//>`;
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
  return html`<${Card} wide title="Conflicts between sources" id="conflicts">
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
  const [toast, say] = useToast();
  if (unavailable(state)) return null;
  const merge = async (g) => {
    try {
      await api("/library/fixes", { method: "POST", body: { kind: "merge_duplicates", group_ids: [g.id] } });
      say("Merging: cues, plays and playlist places go to the copy kept (undo with musictool traktor undo)");
      state.reload();
    } catch (e) {
      say(e.message, "error");
    }
  };
  const label = (g, id) => {
    const t = (g.tracks || []).find((x) => x.id === id || x.track_id === id);
    return t ? `${t.artist || "–"} — ${t.title || "–"}${t.location ? ` (${t.location.split("/").pop()})` : ""}` : `track ${id}`;
  };
  return html`<${Card} wide title="Duplicates">
    ${toast}
    <${Failure} error=${state.error} what="duplicates" />
    <${Loading} state=${state}>${(d) => (d.items || []).length ? html`<ul class="feed" data-duplicates>${d.items.map((g) => html`<li key=${g.id}>
      <div><strong>Keep</strong> ${label(g, g.keep)} <span class="muted">(${g.reason})</span></div>
      <div class="muted small">also: ${g.track_ids.filter((i) => i !== g.keep).map((i) => label(g, i)).join("; ")}</div>
      <button class="quiet" data-action="merge" onClick=${() => merge(g)}>Merge into the kept copy</button></li>`)}</ul>`
      : html`<${Empty}>No duplicates found.<//>`}<//>
  <//>`;
}

export function Health() {
  return html`<div class="grid"><${Score} /><${Quality} /><${Conflicts} /><${Duplicates} /></div>`;
}
