// Talking to the daemon: the token from the URL fragment (kept in sessionStorage, dropped from the address
// bar), every call to /api/v1 with the Bearer header, and one shared connection state the banner shows.
const TOKEN_KEY = "musictool.token";
let token = null;
const listeners = new Set();
export const connection = { state: "ok", detail: null };

export function takeToken() {
  const m = location.hash.match(/(?:^#|[&#])token=([^&]+)/);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    const rest = location.hash.replace(/(?:^#|[&#])token=[^&]+&?/, "");
    history.replaceState(null, "", location.pathname + (rest && rest !== "#" ? "#" + rest.replace(/^#/, "") : "#/"));
  }
  token = sessionStorage.getItem(TOKEN_KEY);
  return token;
}

export function authHeader() {
  return { Authorization: `Bearer ${token}` };
}

export function onConnection(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function setConnection(state, detail = null) {
  if (connection.state === state && connection.detail === detail) return;
  connection.state = state;
  connection.detail = detail;
  for (const fn of listeners) fn({ ...connection });
}

export class ApiError extends Error {
  constructor(status, title, detail, body = null) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.body = body;
  }
}

async function send(path, { method = "GET", body, signal } = {}) {
  const headers = authHeader();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch("/api/v1" + path, {
      method, headers, signal, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    setConnection("down");
    throw new ApiError(0, "The daemon is not answering", "it may be restarting; the page retries by itself");
  }
}

async function failure(r) {
  let problem = {};
  try { problem = await r.json(); } catch { /* not JSON */ }
  if (r.status === 401) setConnection("unauthorized");
  return new ApiError(r.status, problem.title || r.statusText, problem.detail, problem);
}

export async function api(path, options = {}) {
  const r = await send(path, options);
  if (!r.ok) throw await failure(r);
  if (connection.state === "down") setConnection("ok");
  return r.status === 204 ? null : r.json();
}

// Downloads (CSV/HTML export) need the header too, so they are fetched and handed over as a blob.
export async function download(path, filename) {
  const r = await send(path);
  if (!r.ok) throw await failure(r);
  const url = URL.createObjectURL(await r.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}
