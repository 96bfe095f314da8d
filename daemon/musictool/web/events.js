// Live updates from /api/v1/events. EventSource cannot send the Authorization header (and the daemon refuses
// tokens in URLs), so the stream is read with fetch: same text/event-stream, same Last-Event-ID resume.
import { authHeader, setConnection } from "./api.js";

const handlers = new Set();
export const live = { state: "connecting" };
const stateListeners = new Set();

export function onEvent(fn) {
  handlers.add(fn);
  return () => handlers.delete(fn);
}

export function onLiveState(fn) {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

function setLive(state) {
  if (live.state === state) return;
  live.state = state;
  for (const fn of stateListeners) fn(state);
}

function dispatch(block, remember) {
  let id = null, type = "message", data = "";
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "event") type = value;
    else if (field === "data") data += (data ? "\n" : "") + value;
  }
  if (id) remember(id);
  if (!data) return;
  let payload;
  try { payload = JSON.parse(data); } catch { return; }
  for (const fn of handlers) {
    try { fn(type, payload); } catch (e) { console.warn("event handler failed", e); }
  }
}

export function startEvents() {
  let lastId = null;
  let delay = 1000;
  const remember = (id) => { lastId = id; };
  (async () => {
    for (;;) {
      try {
        const headers = { ...authHeader(), Accept: "text/event-stream" };
        if (lastId) headers["Last-Event-ID"] = lastId;
        const r = await fetch("/api/v1/events", { headers, cache: "no-store" });
        if (r.status === 401) {
          setConnection("unauthorized");
          setLive("off");
          return;
        }
        if (!r.ok || !r.body) throw new Error(`events answered ${r.status}`);
        if (live.state === "reconnecting") for (const fn of handlers) fn("reconnected", {});
        setLive("live");
        setConnection("ok");
        delay = 1000;
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            dispatch(buffer.slice(0, end), remember);
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        setConnection("down");
      }
      setLive("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  })();
}
