/* Options page: the daemon's port and the one-time pairing code. */
"use strict";

const $ = (id) => document.getElementById(id);

function say(state, text) {
  $("state").dataset.state = state;
  $("state").textContent = text;
}

async function refresh() {
  const s = await MusicToolApi.settings();
  $("port").value = s.port;
  $("unpair").hidden = !s.token;
  if (!s.token) return say("unpaired", "Not paired yet.");
  const res = await MusicToolApi.call("GET", "/status");
  if (res.ok) say("paired", `Paired with MusicTool ${res.data.version} on port ${s.port}.`);
  else if (res.reason === "down") say("down", `Paired, but MusicTool is not answering on port ${s.port}. Is it running? Did its port change?`);
  else say("unpaired", `The daemon refused this browser (${res.error}). Pair again with a new code.`);
}

$("pair-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const code = $("pairing-code").value.trim();
  if (!code) return say("error", "Type the code `musictool pair` printed.");
  $("pair").disabled = true;
  say("working", "Pairing…");
  const res = await MusicToolApi.pair($("port").value, code);
  $("pair").disabled = false;
  if (res.ok) {
    $("pairing-code").value = "";
    await refresh();
  } else {
    say("error", `Pairing failed: ${res.error}`);
  }
});

$("save-port").addEventListener("click", async () => {
  if (!(await MusicToolApi.setPort($("port").value))) return say("error", "The port must be a number from 1 to 65535.");
  await refresh();
});

$("unpair").addEventListener("click", async () => {
  await MusicToolApi.unpair();
  await refresh();
});

refresh();
