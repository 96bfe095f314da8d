// Running and queued jobs, kept current by the event stream: progress bars move without polling.
import { useEffect, useState } from "./vendor/hooks.module.js";
import { api } from "./api.js";
import { onEvent } from "./events.js";

const jobs = new Map();
const listeners = new Set();
const notify = () => { for (const fn of listeners) fn([...jobs.values()].sort((a, b) => a.id - b.id)); };

async function load() {
  try {
    const [running, queued] = await Promise.all([api("/jobs?status=running&limit=50"), api("/jobs?status=queued&limit=50")]);
    jobs.clear();
    for (const j of [...running.items, ...queued.items]) jobs.set(j.id, {
      id: j.id, kind: j.kind, status: j.status, done: j.progress_done, total: j.progress_total, message: j.progress_message,
    });
    notify();
  } catch { /* the banner says why; the next event reloads */ }
}

export function startJobs() {
  load();
  onEvent((type, e) => {
    if (type === "reconnected") return load();
    if (!type.startsWith("job.")) return;
    const j = jobs.get(e.job_id) || { id: e.job_id, kind: e.kind, status: "queued", done: null, total: null, message: null };
    if (type === "job.queued") j.status = "queued";
    else if (type === "job.started") j.status = "running";
    else if (type === "job.progress") Object.assign(j, { status: "running", done: e.done, total: e.total, message: e.message });
    else if (type === "job.retrying") Object.assign(j, { status: "queued", message: `retrying: ${e.error}` });
    else if (type === "job.finished") {
      Object.assign(j, { status: e.status, finishedAt: Date.now() });
      jobs.set(j.id, j);
      notify();
      setTimeout(() => { if (jobs.get(j.id)?.finishedAt) { jobs.delete(j.id); notify(); } }, 8000);
      return;
    }
    jobs.set(j.id, j);
    notify();
  });
}

export function useJobs() {
  const [list, setList] = useState([...jobs.values()]);
  useEffect(() => {
    listeners.add(setList);
    return () => listeners.delete(setList);
  }, []);
  return list;
}
