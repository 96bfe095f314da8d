// Overview: the collection in numbers, what runs now (live), and how the collection grew.
import { useMemo } from "../vendor/hooks.module.js";
import { Chart, monthToSeconds } from "../charts.js";
import { useJobs } from "../jobs.js";
import { Card, Empty, Loading, Stat, STALE, html, money, num, pct, useApi, when } from "../ui.js";

export function Setup({ status }) {
  const home = status.home;
  const notes = [];
  if (status.discogs && !status.discogs.configured)
    notes.push(html`<li data-empty="discogs"><strong>No Discogs account yet.</strong> Add your username and a personal access token (Discogs → Settings → Developers) to${" "}
      <code>${home}/config.toml</code>:<pre>[discogs]\nusername = "you"\ntoken = "…"</pre> then restart the daemon (<code>musictool service restart</code>${" "}
      or stop and start <code>musictool serve</code>).</li>`);
  if (status.discogs?.state === "auth_failed")
    notes.push(html`<li><strong>Discogs refused the token.</strong> ${status.discogs.message}</li>`);
  if (status.traktor && !status.traktor.collection)
    notes.push(html`<li data-empty="traktor"><strong>No Traktor collection found.</strong> Set${" "}
      <code>[traktor] collection = "/path/to/collection.nml"</code> in <code>${home}/config.toml</code>, or see${" "}
      <code>musictool traktor discover</code>.</li>`);
  if (!notes.length) return null;
  return html`<${Card} title="Getting started" wide><ul class="setup">${notes}</ul><//>`;
}

export function JobList({ jobs }) {
  if (!jobs.length) return html`<${Empty}>Nothing running. Jobs (syncs, matching, analysis) show here with their progress.<//>`;
  return html`<ul class="jobs" data-jobs>
    ${jobs.map((j) => {
      const ratio = j.total ? Math.min(1, (j.done || 0) / j.total) : null;
      return html`<li key=${j.id} data-job=${j.id} data-kind=${j.kind} data-status=${j.status}>
        <div class="job-line"><span class="job-kind">${j.kind}</span><span class=${"pill " + j.status}>${j.status}</span>
          <span class="job-count">${j.total ? `${num(j.done || 0)} / ${num(j.total)}` : ""}</span></div>
        <progress max="1" value=${j.status === "succeeded" ? 1 : ratio ?? undefined} aria-label=${`${j.kind} progress`}></progress>
        ${j.message && html`<div class="job-msg">${j.message}</div>`}
      </li>`;
    })}
  </ul>`;
}

function nextSync(discogs) {
  const runs = discogs?.next_runs || {};
  const t = runs["discogs.sync"];
  return t ? when(t) : "not scheduled";
}

function Growth() {
  const state = useApi("/stats/growth", STALE.collection);
  const charts = useMemo(() => {
    const months = state.data?.months || [];
    const x = months.map((m) => monthToSeconds(m.month));
    return {
      x,
      growth: [
        { label: "Records added", values: months.map((m) => m.records), color: "--c1", kind: "bars" },
        { label: "Tracks imported", values: months.map((m) => m.tracks), color: "--c2", scale: "tracks" },
      ],
      rate: [{ label: "Digitised", values: months.map((m) => m.digitisation_rate), color: "--c3", fill: true, scale: "rate", format: (v) => pct(v) }],
    };
  }, [state.data]);
  return html`<${Loading} state=${state}>${() => !charts.x.length
    ? html`<${Card} title="Growth" wide><${Empty}>No records or tracks with dates yet.<//><//>`
    : html`
      <${Card} title="Collection growth per month" wide>
        <${Chart} x=${charts.x} series=${charts.growth} test="growth" label="Records added and tracks imported per month"
          axes=${[{ scale: "y" }, { scale: "tracks", side: 1 }]} />
      <//>
      <${Card} title="Digitisation rate over time" wide>
        <p class="muted">Share of the vinyl tracks on the records owned by then that have a digital copy.</p>
        <${Chart} x=${charts.x} series=${charts.rate} test="digitisation" label="Digitisation rate by month"
          axes=${[{ scale: "rate", range: [0, 1], format: (v) => pct(v) }]} />
      <//>`}<//>`;
}

export function Overview() {
  const status = useApi("/status", STALE.status);
  const gaps = useApi("/gaps?limit=1", STALE.gaps);
  const spending = useApi("/stats/spending", STALE.wishlist);
  const jobs = useJobs();
  return html`<${Loading} state=${status}>${(s) => {
    const digit = s.library?.digitization || {};
    const wanted = spending.data?.wishlist?.find((w) => w.status === "wanted");
    const value = spending.data?.collection_value;
    return html`<div class="grid">
      <${Setup} status=${s} />
      <${Card} title="At a glance" wide>
        <div class="stats">
          <${Stat} test="tracks" label="Tracks in Traktor" value=${num(s.traktor?.tracks)} />
          <${Stat} test="records" label="Records on Discogs" value=${num(s.discogs?.counts?.releases)} />
          <${Stat} test="rate" label="Digitised" value=${pct(digit.rate, 1)}
            hint=${digit.tracks ? `${num(digit.digital)} of ${num(digit.tracks)} vinyl tracks` : "no vinyl tracks yet"} />
          <${Stat} test="gaps" label="Gaps" value=${num(gaps.data?.total)} hint=${html`<a href="#/gaps">see the list</a>`} />
          <${Stat} test="wishlist" label="Wishlist" value=${wanted ? money(wanted.estimated_total, spending.data.currency) : money(0, spending.data?.currency)}
            hint=${`${num(wanted?.items || 0)} wanted`} />
          <${Stat} test="value" label="Collection value" value=${value?.priced ? money(value.lowest_total, value.currency) : "unknown"}
            hint=${value?.priced ? `lowest listings of ${num(value.priced)} of ${num(value.records)} records` : "no marketplace prices yet"} />
          <${Stat} test="last-sync" label="Last Discogs sync" value=${when(s.discogs?.last_sync?.at)} />
          <${Stat} test="next-sync" label="Next sync" value=${nextSync(s.discogs)} />
        </div>
      <//>
      <${Card} title="Running now" wide id="jobs" actions=${s.jobs?.paused ? html`<span class="pill failed">jobs paused</span>` : null}>
        <${JobList} jobs=${jobs} />
      <//>
      <${Growth} />
    </div>`;
  }}<//>`;
}
