// Wishlist and budget: what is wanted, what a budget buys (and why), what it costs, price history per record.
import { useMemo, useState } from "../vendor/hooks.module.js";
import { api } from "../api.js";
import { Bars, Chart } from "../charts.js";
import { Card, Empty, Failure, Loading, Pager, STALE, Table, html, money, num, useApi, useToast } from "../ui.js";

const LIMIT = 50;
const STATUSES = ["wanted", "ordered", "bought", "ignored"];

function PriceHistory({ releaseId, currency }) {
  const state = useApi(`/prices/${releaseId}`, STALE.wishlist);
  const series = useMemo(() => {
    const hist = [...(state.data?.history || [])].sort((a, b) => Date.parse(a.fetched_at) - Date.parse(b.fetched_at));
    return {
      x: hist.map((h) => Date.parse(h.fetched_at) / 1000),
      s: [{ label: "Lowest price", values: hist.map((h) => h.lowest_price), color: "--c4", format: (v) => money(v, state.data?.currency) }],
    };
  }, [state.data]);
  if (state.error?.status === 404) return html`<p class="muted" data-prices="none">No marketplace figures for this record yet (wants are priced on a schedule).</p>`;
  return html`<${Loading} state=${state}>${(p) => html`<div data-prices=${releaseId}>
    <p>Lowest now: <strong>${money(p.lowest_price, p.currency || currency)}</strong>, ${num(p.num_for_sale)} for sale
      · <a href=${p.marketplace_url} target="_blank" rel="noopener noreferrer">Discogs marketplace</a></p>
    ${series.x.length > 1 ? html`<${Chart} x=${series.x} series=${series.s} height=${160} test="price-history" label="Lowest price over time" />`
      : html`<p class="muted">One price so far; the history grows with every price check.</p>`}
  </div>`}<//>`;
}

function Plan({ currency }) {
  const [budget, setBudget] = useState(localStorage.getItem("musictool.budget") || "50");
  const [plan, setPlan] = useState(null);
  const [error, setError] = useState(null);
  const run = async (e) => {
    e?.preventDefault();
    localStorage.setItem("musictool.budget", budget);
    try {
      setPlan(await api("/wishlist/plan", { method: "POST", body: { budget: Number(budget) } }));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  return html`<${Card} title="Budget plan" id="plan">
    <form class="filters" onSubmit=${run}>
      <label>Budget (${currency || "EUR"})<input type="number" name="budget" min="0" step="1" value=${budget}
        onInput=${(e) => setBudget(e.currentTarget.value)} /></label>
      <button type="submit">Plan</button>
    </form>
    <${Failure} error=${error} what="the plan" />
    ${plan && html`<div data-plan>
      <p><strong>${money(plan.total_cost, plan.currency)}</strong> of ${money(plan.budget, plan.currency)} buys${" "}
        ${num(plan.chosen.length)} ${plan.chosen.length === 1 ? "item" : "items"} (priority ${num(Math.round(plan.total_priority))}).</p>
      <p class="muted explain">${plan.explanation}</p>
      ${plan.chosen.length ? html`<h3>Buy</h3><ul class="plain">${plan.chosen.map((p) => html`<li>${p.label} — ${money(p.price, plan.currency)}${p.price_estimated ? html` <small class="muted">(estimate)</small>` : ""}</li>`)}</ul>` : ""}
      ${plan.left_out.length ? html`<h3>Left out</h3><ul class="plain">${plan.left_out.map((p) => html`<li>${p.label} — <span class="muted">${p.why}</span></li>`)}</ul>` : ""}
    </div>`}
  <//>`;
}

function Spending({ data }) {
  if (!data) return null;
  const items = data.wishlist.map((w, i) => ({
    name: w.status, value: w.estimated_total, color: `--c${i + 1}`,
    hint: `${num(w.items)} items${w.items > w.priced ? `, ${num(w.items - w.priced)} at ${money(data.track_price, data.currency)} est.` : ""}`,
  }));
  const v = data.collection_value;
  return html`<${Card} title="Spending">
    ${items.length ? html`<${Bars} items=${items} format=${(x) => money(x, data.currency)} test="spending" label="Wishlist cost by status" />`
      : html`<${Empty}>The wishlist is empty.<//>`}
    <p class="muted">Collection marketplace value: ${v.priced ? html`<strong>${money(v.lowest_total, v.currency)}</strong> (lowest listings of ${num(v.priced)} of ${num(v.records)} records)` : "not known yet (no marketplace prices fetched for owned records)"}.</p>
  <//>`;
}

export function Wishlist() {
  const [status, setStatus] = useState("wanted");
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState(null);
  const [toast, show] = useToast();
  const state = useApi(`/wishlist?limit=${LIMIT}&offset=${offset}${status ? `&status=${status}` : ""}`, STALE.wishlist);
  const spending = useApi("/stats/spending", STALE.wishlist);
  const currency = spending.data?.currency;
  const change = async (item, changes, ok) => {
    try {
      await (changes === null ? api(`/wishlist/${item.id}`, { method: "DELETE" }) : api(`/wishlist/${item.id}`, { method: "PATCH", body: changes }));
      show(ok);
      state.reload();
      spending.reload();
    } catch (e) {
      show(e.message, "error");
    }
  };
  const columns = [
    { key: "priority", label: "Priority", cls: "num", render: (w) => w.priority.toFixed(0) },
    { key: "artist", label: "Artist" },
    { key: "title", label: "Title", render: (w) => html`<strong>${w.title || "–"}</strong>${w.url ? html` <a href=${w.url} target="_blank" rel="noopener noreferrer">link</a>` : ""}` },
    { key: "target_price", label: "Price", cls: "num", render: (w) => (w.target_price === null ? html`<span class="muted">est. ${money(spending.data?.track_price, currency)}</span>` : money(w.target_price, w.currency || currency)) },
    { key: "status", label: "Status", render: (w) => html`<select aria-label="status" value=${w.status} onChange=${(e) => change(w, { status: e.currentTarget.value }, `Marked ${e.currentTarget.value}`)}>
      ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}</select>` },
    { key: "actions", label: "", render: (w) => html`<span class="row-actions">
      ${w.release_id && html`<button class="quiet" aria-expanded=${open === w.id} onClick=${() => setOpen(open === w.id ? null : w.id)}>Prices</button>`}
      <button class="quiet" onClick=${() => change(w, null, "Removed from the wishlist")}>Remove</button></span>` },
  ];
  return html`<div class="grid">
    <${Card} wide title="Wishlist" actions=${html`<label class="inline">Show <select value=${status} onChange=${(e) => { setOffset(0); setStatus(e.currentTarget.value); }}>
        <option value="">all</option>${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>`}>
      ${toast}
      <${Loading} state=${state}>${(d) => html`
        <${Table} columns=${columns} rows=${d.items} rowKey=${(w) => w.id} caption="Wishlist"
          empty=${html`Nothing ${status || "on the wishlist"} yet. Add tracks from the <a href="#/gaps">Gaps</a> page, the browser extension or <code>POST /api/v1/wishlist</code>.`} />
        ${open && d.items.some((w) => w.id === open) && html`<div class="detail"><h3>Price history: ${d.items.find((w) => w.id === open).title}</h3>
          <${PriceHistory} releaseId=${d.items.find((w) => w.id === open).release_id} currency=${currency} /></div>`}
        <${Pager} offset=${offset} limit=${LIMIT} total=${d.total} onPage=${setOffset} />`}<//>
    <//>
    <${Plan} currency=${currency} />
    <${Spending} data=${spending.data} />
  </div>`;
}
