// The dashboard shell: token, theme, navigation (#/page), the connection banner and live job progress.
import { render } from "./vendor/preact.module.js";
import { useEffect, useState } from "./vendor/hooks.module.js";
import { connection, onConnection, takeToken } from "./api.js";
import { live, onLiveState, startEvents } from "./events.js";
import { html } from "./ui.js";
import { startJobs } from "./jobs.js";
import { Overview } from "./pages/overview.js";
import { Gaps } from "./pages/gaps.js";
import { Wishlist } from "./pages/wishlist.js";
import { Collection } from "./pages/collection.js";
import { Library } from "./pages/library.js";
import { Health } from "./pages/health.js";
import { Activity } from "./pages/activity.js";

const PAGES = [
  ["overview", "Overview", Overview],
  ["gaps", "Gaps", Gaps],
  ["wishlist", "Wishlist", Wishlist],
  ["collection", "Collection", Collection],
  ["library", "Library", Library],
  ["health", "Health", Health],
  ["activity", "Activity", Activity],
];

const THEMES = ["system", "light", "dark"];
function applyTheme(theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  window.dispatchEvent(new Event("themechange"));
}

function currentPage() {
  const name = location.hash.replace(/^#\/?/, "").split("?")[0];
  return PAGES.find((p) => p[0] === name) || PAGES[0];
}

function useRoute() {
  const [page, setPage] = useState(currentPage);
  useEffect(() => {
    const go = () => setPage(currentPage());
    window.addEventListener("hashchange", go);
    return () => window.removeEventListener("hashchange", go);
  }, []);
  return page;
}

function Banner() {
  const [conn, setConn] = useState({ ...connection });
  const [state, setState] = useState(live.state);
  useEffect(() => { setConn({ ...connection }); return onConnection(setConn); }, []);
  useEffect(() => { setState(live.state); return onLiveState(setState); }, []);
  if (conn.state === "unauthorized")
    return html`<div class="banner error" role="alert" data-banner="unauthorized">
      <strong>The daemon no longer accepts this page's token</strong> (it was rotated, or the page was opened with an old link).
      Reopen the dashboard with <code>musictool open</code>.</div>`;
  if (conn.state === "down" || state === "reconnecting")
    return html`<div class="banner warn" role="status" data-banner="down">
      <strong>The daemon is not answering</strong> — it may be restarting. This page reconnects by itself.</div>`;
  return null;
}

function LiveDot() {
  const [state, setState] = useState(live.state);
  useEffect(() => { setState(live.state); return onLiveState(setState); }, []);
  const text = { live: "live", connecting: "connecting", reconnecting: "reconnecting", off: "offline" }[state];
  return html`<span class=${"livedot " + state} data-live=${state} title="Live updates from the daemon">${text}</span>`;
}

function ThemeToggle() {
  const [theme, setTheme] = useState(localStorage.getItem("musictool.theme") || "system");
  useEffect(() => applyTheme(theme), [theme]);
  const next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  const icon = { system: "◐", light: "☀", dark: "☾" }[theme];
  return html`<button class="theme" data-theme-toggle=${theme} aria-label=${`Theme: ${theme}. Switch to ${next}`}
    title=${`Theme: ${theme} (click for ${next})`}
    onClick=${() => { localStorage.setItem("musictool.theme", next); setTheme(next); }}>${icon} <span>${theme}</span></button>`;
}

function App() {
  const [name, title, Page] = useRoute();
  useEffect(() => { document.title = `${title} · MusicTool`; }, [title]);
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById("main").focus(); }}>Skip to content</a>
    <header class="top">
      <div class="brand"><img src="/ui/icon.svg" alt="" width="24" height="24" /> MusicTool</div>
      <nav class="tabs" aria-label="pages">
        ${PAGES.map(([id, label]) => html`<a href=${"#/" + id} aria-current=${id === name ? "page" : undefined}>${label}</a>`)}
      </nav>
      <div class="tools"><${LiveDot} /><${ThemeToggle} /></div>
    </header>
    <${Banner} />
    <main id="main" tabindex="-1" data-page=${name}><h1 class="page-title">${title}</h1><${Page} /></main>`;
}

function NoToken() {
  return html`<main class="welcome" id="main" data-page="no-token">
    <h1><img src="/ui/icon.svg" alt="" width="40" height="40" /> MusicTool</h1>
    <p>This page needs the daemon's token, which it gets from the link it is opened with.</p>
    <p>Open it from a terminal with <code>musictool open</code> (or <code>musictool open --print</code> to get the
      link), or choose <em>Open dashboard</em> in the tray menu.</p>
    <p class="muted">The token is kept only for this browser tab and never appears in the address bar.</p>
  </main>`;
}

const root = document.getElementById("app");
root.textContent = "";
if (takeToken()) {
  startEvents();
  startJobs();
  render(html`<${App} />`, root);
} else {
  applyTheme(localStorage.getItem("musictool.theme") || "system");
  render(html`<${NoToken} />`, root);
}
