// Collection: every record with how much of it is digital, completion by label and artist, genres and styles.
import { useState } from "../vendor/hooks.module.js";
import { Bars, Stacked } from "../charts.js";
import { Card, Empty, Loading, Meter, Pager, STALE, Table, html, num, pct, useApi } from "../ui.js";

const LIMIT = 25;

function Completion({ by, title }) {
  const [offset, setOffset] = useState(0);
  const state = useApi(`/completion?by=${by}&limit=10&offset=${offset}`, STALE.collection);
  return html`<${Card} title=${title}>
    <${Loading} state=${state}>${(d) => d.items.length ? html`
      <${Bars} rate test=${`completion-${by}`} label=${title}
        items=${d.items.map((g) => ({ name: g[by], value: g.rate, hint: `${num(g.digital)}/${num(g.tracks)}`, color: g.rate >= 1 ? "--c3" : "--c1" }))} />
      <${Pager} offset=${offset} limit=${10} total=${d.total} onPage=${setOffset} />` : html`<${Empty}>No records matched yet.<//>`}<//>
  <//>`;
}

function Genres() {
  const state = useApi("/stats/genres?top=7", STALE.collection);
  return html`<${Loading} state=${state}>${(g) => html`
    <${Card} title="Genres">
      ${g.genres.length ? html`<${Bars} test="genres" label="Records per genre" items=${g.genres.slice(0, 10).map((x, i) => ({ name: x.name, value: x.records, color: `--c${(i % 9) + 1}` }))} />` : html`<${Empty}>No genres known yet.<//>`}
    <//>
    <${Card} title="Styles">
      ${g.styles.length ? html`<${Bars} test="styles" label="Records per style" items=${g.styles.slice(0, 10).map((x, i) => ({ name: x.name, value: x.records, color: `--c${(i % 9) + 1}` }))} />` : html`<${Empty}>No styles known yet.<//>`}
    <//>
    <${Card} title="Styles by year added" wide>
      ${g.by_year_added.length ? html`<${Stacked} unit="style tags" test="styles-by-year" label="Share of styles among the records added each year"
        keys=${[...g.top_styles, ...(g.by_year_added.some((y) => y.styles.Other) ? ["Other"] : [])]}
        rows=${g.by_year_added.map((y) => ({ name: y.year, parts: y.styles }))} />` : html`<${Empty}>No records with styles yet.<//>`}
    <//>`}<//>`;
}

export function Collection() {
  const [offset, setOffset] = useState(0);
  const status = useApi("/status", STALE.status);
  const state = useApi(`/completion?by=release&limit=${LIMIT}&offset=${offset}`, STALE.collection);
  const columns = [
    { key: "title", label: "Record", render: (r) => html`<strong>${r.title || `release ${r.release_id}`}</strong>` },
    { key: "artists", label: "Artist" },
    { key: "year", label: "Year", cls: "num", render: (r) => r.year || "–" },
    { key: "rate", label: "Digital", render: (r) => html`<span class="rate"><${Meter} value=${r.rate} label=${`${r.title} digital share`} /> ${num(r.digital)}/${num(r.tracks)}</span>` },
    { key: "link", label: "", render: (r) => html`<a href=${`https://www.discogs.com/release/${r.release_id}`} target="_blank" rel="noopener noreferrer">Discogs</a>` },
  ];
  if (status.data?.discogs && !status.data.discogs.configured)
    return html`<${Card} wide title="No Discogs account yet"><p data-empty="discogs">Add <code>[discogs] username</code> and <code>token</code> to${" "}
      <code>${status.data.home}/config.toml</code> and restart the daemon; your records appear here after the first sync.</p><//>`;
  return html`<div class="grid">
    <${Card} wide title="Records, least complete first">
      <${Loading} state=${state}>${(d) => html`
        <p class="muted">Overall ${pct(d.overall.rate, 1)} of ${num(d.overall.tracks)} vinyl tracks are in the DJ library.</p>
        <${Table} columns=${columns} rows=${d.items} rowKey=${(r) => r.release_id} caption="Records"
          empty="No records with tracklists yet: they appear after the first Discogs sync." />
        <${Pager} offset=${offset} limit=${LIMIT} total=${d.total} onPage=${setOffset} />`}<//>
    <//>
    <${Completion} by="label" title="Completion by label" />
    <${Completion} by="artist" title="Completion by artist" />
    <${Genres} />
  </div>`;
}
