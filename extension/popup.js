/* Toolbar popup: pairing state, whether the daemon answers (and on which port), the top gaps with store links. */
"use strict";

const $ = (id) => document.getElementById(id);
const STORE_NAMES = { beatport: "Beatport", bandcamp: "Bandcamp", juno: "Juno", traxsource: "Traxsource", discogs: "Discogs" };

function line(id, state, text) {
  $(id).dataset.state = state;
  $(id).textContent = text;
}

function gapItem(g) {
  const li = document.createElement("li");
  li.dataset.releaseId = g.release_id;
  const name = document.createElement("span");
  name.className = "gap-name";
  name.textContent = `${g.artist} – ${g.title}`;
  const from = document.createElement("small");
  from.textContent = g.release_title ? ` (${g.release_title})` : "";
  const links = document.createElement("span");
  links.className = "links";
  for (const [store, url] of Object.entries(g.links || {})) {
    if (!/^https:\/\//.test(url)) continue;
    const a = document.createElement("a");
    a.href = url;
    a.target = "_blank";
    a.rel = "noreferrer";
    a.textContent = STORE_NAMES[store] || store;
    links.append(a);
  }
  li.append(name, from, links);
  return li;
}

async function render() {
  const s = await MusicToolApi.settings();
  const health = await MusicToolApi.call("GET", "/health", undefined, { token: null });
  if (!health.ok) {
    line("daemon", "down", `MusicTool is not running on port ${s.port}. Start it, or set its new port in the options.`);
  } else {
    line("daemon", "up", `MusicTool ${health.data.version} is running on port ${s.port}.`);
  }
  if (!s.token) {
    line("pairing", "unpaired", "Not paired: open the options and type the code from `musictool pair`.");
    return;
  }
  if (!health.ok) {
    line("pairing", "paired", "Paired with this browser.");
    return;
  }
  const status = await MusicToolApi.call("GET", "/status");
  if (!status.ok) {
    line("pairing", status.reason === "unpaired" ? "unpaired" : "error",
      status.reason === "unpaired" ? "The daemon no longer knows this browser: pair again." : status.error);
    return;
  }
  const rate = status.data.library && status.data.library.digitization;
  line("pairing", "paired", rate && rate.tracks
    ? `Paired. ${rate.digital} of ${rate.tracks} vinyl tracks are in your DJ library.`
    : "Paired.");
  const gaps = await MusicToolApi.call("GET", "/gaps?limit=5");
  if (gaps.ok && gaps.data.items.length) {
    $("gaps").replaceChildren(...gaps.data.items.map(gapItem));
    $("gaps-section").hidden = false;
  }
}

render();
