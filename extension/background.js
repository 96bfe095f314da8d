/* MusicTool service worker: the only part that calls the daemon for content scripts, so every request
 * carries this extension's Origin and token, never the store page's. */
"use strict";

if (typeof MusicToolApi === "undefined") importScripts("api.js");

const STORES = new Set(["discogs", "bandcamp", "beatport", "juno", "traxsource"]);

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  // only our own content scripts and pages talk to us (no externally_connectable)
  if (sender.id !== chrome.runtime.id || !msg || typeof msg !== "object") return false;
  let work = null;
  if (msg.type === "lookup" && msg.page && STORES.has(msg.page.store)) {
    work = MusicToolApi.call("POST", "/pages/lookup", msg.page);
  } else if (msg.type === "wishlist" && msg.page && STORES.has(msg.page.store)) {
    work = MusicToolApi.call("POST", "/pages/wishlist", msg.page);
  }
  if (!work) return false;
  work.then(sendResponse, (e) => sendResponse({ ok: false, reason: "error", error: String(e) }));
  return true; // answered asynchronously
});
