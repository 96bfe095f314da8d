/* MusicTool content script: on a recognised store page, one badge near the title that says what the
 * daemon knows (data-musictool-status) and a button that adds the page to the wishlist
 * (data-musictool-action="wishlist"). Unrecognised pages get nothing (one console line). */
"use strict";

(() => {
  if (window.__musictoolInjected) return; // injected once per page
  window.__musictoolInjected = true;

  const COLORS = {
    owned: ["#1b5e20", "#e8f5e9"],
    missing: ["#8a4b00", "#fff3e0"],
    wanted: ["#0d47a1", "#e3f2fd"],
    unknown: ["#424242", "#f5f5f5"],
    loading: ["#424242", "#f5f5f5"],
  };
  let shownFor = null;
  let toldNothing = false;

  function send(type, page) {
    return new Promise((resolve) => {
      try {
        chrome.runtime.sendMessage({ type, page }, (res) => {
          resolve(res || { ok: false, reason: "error", error: String(chrome.runtime.lastError?.message || "no answer") });
        });
      } catch (e) {
        resolve({ ok: false, reason: "error", error: String(e) });
      }
    });
  }

  function explain(res) {
    if (res.reason === "down") return `${res.error}.`;
    if (res.reason === "unpaired") return "not paired: open the extension's options and pair it.";
    return res.error || "something went wrong.";
  }

  function badge({ page, anchor }) {
    const root = document.createElement("div");
    root.setAttribute("data-musictool-root", "");
    root.setAttribute("data-musictool-url", page.url);
    root.style.cssText =
      "all:initial;display:flex;align-items:center;gap:8px;margin:8px 0;font:13px/1.4 system-ui,sans-serif;" +
      "z-index:2147483646;";
    if (!anchor) {
      root.style.cssText +=
        "position:fixed;top:12px;right:12px;box-shadow:0 2px 8px rgba(0,0,0,.25);border-radius:8px;";
    }

    const status = document.createElement("span");
    status.setAttribute("role", "status");
    const paint = (kind, text) => {
      const [fg, bg] = COLORS[kind] || COLORS.unknown;
      status.setAttribute("data-musictool-status", kind);
      status.textContent = `MusicTool: ${text}`;
      status.style.cssText =
        `all:initial;font:13px/1.4 system-ui,sans-serif;padding:4px 10px;border-radius:6px;color:${fg};` +
        `background:${bg};border:1px solid ${fg}33;`;
    };
    paint("loading", "looking…");

    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("data-musictool-action", "wishlist");
    button.textContent =
      page.price != null ? `Add to wishlist (${page.price.toFixed(2)}${page.currency ? ` ${page.currency}` : ""})` : "Add to wishlist";
    button.style.cssText =
      "all:initial;font:600 13px/1.4 system-ui,sans-serif;padding:4px 10px;border-radius:6px;cursor:pointer;" +
      "background:#ff6f00;color:#fff;";

    root.append(status, button);
    if (anchor) anchor.insertAdjacentElement("afterend", root);
    else document.body.prepend(root);

    send("lookup", page).then((res) => {
      if (!root.isConnected) return; // the page moved on meanwhile
      if (res.ok) {
        paint(res.data.status, res.data.text);
        if (res.data.wishlist_id != null) button.setAttribute("data-musictool-wishlist-id", res.data.wishlist_id);
      } else {
        paint("unknown", explain(res));
      }
    });

    button.addEventListener("click", async () => {
      button.disabled = true;
      const res = await send("wishlist", page);
      button.disabled = false;
      if (res.ok) {
        button.setAttribute("data-musictool-wishlist-id", res.data.item.id);
        button.setAttribute("data-musictool-done", res.data.created ? "added" : "already");
        button.textContent = res.data.created ? "On your wishlist ✓" : "Already on your wishlist ✓";
        button.style.background = "#2e7d32";
      } else {
        button.setAttribute("data-musictool-done", "failed");
        button.textContent = "Could not add";
        button.title = explain(res);
      }
    });
  }

  /* Stores that navigate without reloading (Discogs, Beatport) change the URL under us: follow it. */
  function follow() {
    const here = location.href.split("#")[0];
    if (here === shownFor) return;
    shownFor = here;
    for (const old of document.querySelectorAll("[data-musictool-root]")) old.remove();
    const found = MusicToolRecognize.recognize(location, document);
    if (found) badge(found);
    else if (!toldNothing) {
      toldNothing = true;
      console.info("MusicTool: no record recognised on this page; showing nothing");
    }
  }

  follow();
  window.addEventListener("popstate", follow);
  setInterval(follow, 1000);
})();
