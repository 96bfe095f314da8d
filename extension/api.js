/* MusicTool extension: talking to the local daemon (service worker, options page and popup share this).
 * Every call goes to http://127.0.0.1:<port>/api/v1 with this extension's own token (from pairing). */
"use strict";

const MusicToolApi = (() => {
  const DEFAULT_PORT = 7667;

  async function settings() {
    const s = await chrome.storage.local.get(["port", "token", "pairing"]);
    return { port: Number(s.port) || DEFAULT_PORT, token: s.token || null, pairing: s.pairing || null };
  }

  function validPort(port) {
    const n = Number(port);
    return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
  }

  function base(port) {
    return `http://127.0.0.1:${port}/api/v1`;
  }

  /* -> {ok: true, status, data} or {ok: false, status, reason: "down" | "unpaired" | "error", error} */
  async function call(method, path, body, opts = {}) {
    const s = await settings();
    const port = opts.port ?? s.port;
    const token = "token" in opts ? opts.token : s.token;
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(base(port) + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (_e) {
      return { ok: false, status: 0, reason: "down", error: `MusicTool is not running on port ${port}` };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_e) {
      data = null;
    }
    if (!response.ok) {
      const unpaired = response.status === 401 || (response.status === 403 && path !== "/pair");
      return {
        ok: false,
        status: response.status,
        reason: unpaired ? "unpaired" : "error",
        error: (data && (data.detail || data.title)) || `HTTP ${response.status}`,
      };
    }
    return { ok: true, status: response.status, data };
  }

  async function pair(port, code) {
    const p = validPort(port);
    if (!p) return { ok: false, reason: "error", error: "the port must be a number from 1 to 65535" };
    const res = await call("POST", "/pair", { code: String(code || "").trim(), name: "MusicTool extension" }, { port: p, token: null });
    if (res.ok) {
      await chrome.storage.local.set({ port: p, token: res.data.token, pairing: res.data.pairing });
    }
    return res;
  }

  async function setPort(port) {
    const p = validPort(port);
    if (!p) return false;
    await chrome.storage.local.set({ port: p });
    return true;
  }

  async function unpair() {
    const s = await settings();
    if (s.pairing) await call("DELETE", `/pairings/${s.pairing.id}`);
    await chrome.storage.local.remove(["token", "pairing"]);
  }

  return { DEFAULT_PORT, settings, call, pair, setPort, unpair, validPort };
})();

self.MusicToolApi = MusicToolApi;
