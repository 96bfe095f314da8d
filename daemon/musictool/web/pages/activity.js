// Activity: what changed (timeline), what ran (jobs) and what the daemon told the user (notifications), live.
import { useState } from "../vendor/hooks.module.js";
import { api } from "../api.js";
import { useJobs } from "../jobs.js";
import { JobList } from "./overview.js";
import { Card, Loading, Pager, STALE, Table, dateTime, html, useApi, when } from "../ui.js";

function Notifications() {
  const [offset, setOffset] = useState(0);
  const state = useApi(`/notifications?limit=10&offset=${offset}`, STALE.activity);
  const read = async (n) => {
    await api(`/notifications/${n.id}/read`, { method: "POST", body: {} }).catch(() => {});
    state.reload();
  };
  return html`<${Card} title="Notifications" id="notifications">
    <${Loading} state=${state}>${(d) => html`${d.items.length ? html`<ul class="feed" data-notifications>
      ${d.items.map((n) => html`<li key=${n.id} class=${n.read_at ? "read" : "unread"} data-notification=${n.id}>
        <div><strong>${n.title}</strong> <span class="muted small">${when(n.at)}</span></div>
        ${n.body && html`<div>${n.body}</div>`}
        ${!n.read_at && html`<button class="quiet" onClick=${() => read(n)}>Mark read</button>`}
      </li>`)}</ul>` : html`<div class="empty">No notifications yet: price drops, new releases and failures appear here.</div>`}
      <${Pager} offset=${offset} limit=${10} total=${d.total} onPage=${setOffset} />`}<//>
  <//>`;
}

function Timeline() {
  const [offset, setOffset] = useState(0);
  const state = useApi(`/timeline?limit=15&offset=${offset}`, STALE.activity);
  return html`<${Card} title="Timeline" id="timeline">
    <${Loading} state=${state}>${(d) => html`${d.items.length ? html`<ol class="feed">
      ${d.items.map((t) => html`<li key=${t.id}><span class="pill">${t.source}</span> ${t.summary}
        <div class="muted small" title=${dateTime(t.at)}>${when(t.at)}</div></li>`)}</ol>` : html`<div class="empty">Nothing has happened yet.</div>`}
      <${Pager} offset=${offset} limit=${15} total=${d.total} onPage=${setOffset} />`}<//>
  <//>`;
}

function Jobs() {
  const [offset, setOffset] = useState(0);
  const state = useApi(`/jobs?limit=15&offset=${offset}`, STALE.activity);
  const columns = [
    { key: "id", label: "#", cls: "num" },
    { key: "kind", label: "Job" },
    { key: "status", label: "Status", render: (j) => html`<span class=${"pill " + j.status}>${j.status}</span>` },
    { key: "created_at", label: "Queued", render: (j) => html`<span title=${dateTime(j.created_at)}>${when(j.created_at)}</span>` },
    { key: "error", label: "Result", render: (j) => j.error || (j.progress_message ?? "–") },
  ];
  return html`<${Card} wide title="Jobs">
    <${Loading} state=${state}>${(d) => html`
      <${Table} columns=${columns} rows=${d.items} rowKey=${(j) => j.id} caption="Jobs" empty="No jobs have run yet." />
      <${Pager} offset=${offset} limit=${15} total=${d.total} onPage=${setOffset} />`}<//>
  <//>`;
}

export function Activity() {
  const running = useJobs();
  return html`<div class="grid">
    <${Card} wide title="Running now"><${JobList} jobs=${running} /><//>
    <${Notifications} />
    <${Timeline} />
    <${Jobs} />
  </div>`;
}
