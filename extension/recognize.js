/* MusicTool: what a store page shows, read from its URL and the structured data it carries (JSON-LD,
 * Open Graph, microdata, Bandcamp's data-tralbum, Beatport's __NEXT_DATA__) rather than from CSS classes.
 * recognize(location, document) -> {page, anchor} or null when the page is not one we know. */
"use strict";

const MusicToolRecognize = (() => {
  const SYMBOLS = { "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY" };

  function meta(doc, prop) {
    const el = doc.querySelector(`meta[property="${prop}"], meta[name="${prop}"]`);
    return el ? (el.getAttribute("content") || "").trim() : "";
  }

  function jsonLd(doc) {
    const out = [];
    for (const s of doc.querySelectorAll('script[type="application/ld+json"]')) {
      try {
        const d = JSON.parse(s.textContent);
        for (const item of Array.isArray(d) ? d : [d]) out.push(item);
      } catch (_e) {
        /* a broken block: skip it */
      }
    }
    return out;
  }

  function types(node) {
    const t = node && node["@type"];
    return Array.isArray(t) ? t : t ? [t] : [];
  }

  function names(v) {
    const list = Array.isArray(v) ? v : v ? [v] : [];
    return list.map((x) => (typeof x === "string" ? x : x && x.name)).filter(Boolean).join(", ");
  }

  /* "P00H04M29S" / "PT4M29S" -> 269 */
  function isoSeconds(text) {
    const m = /^P(?:T)?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(String(text || "").replace("PT", "P"));
    if (!m) return null;
    const s = (Number(m[1] || 0) * 3600) + (Number(m[2] || 0) * 60) + Number(m[3] || 0);
    return s > 0 ? s : null;
  }

  /* "€5.04" / "$1.49" -> {price, currency} */
  function money(text) {
    const m = /([$€£¥])\s*(\d+(?:[.,]\d{1,2})?)/.exec(String(text || ""));
    if (!m) return {};
    return { price: Number(m[2].replace(",", ".")), currency: SYMBOLS[m[1]] };
  }

  function fold(s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  /* Bandcamp titles often repeat the artist: "Nyokeë - Thymos" by Nyokee -> "Thymos" */
  function dropArtistPrefix(title, artist) {
    const i = title.indexOf(" - ");
    if (i > 0 && artist && fold(title.slice(0, i)) === fold(artist)) return title.slice(i + 3).trim();
    return title;
  }

  function firstHeading(doc) {
    return doc.querySelector("h1") || doc.querySelector("h2");
  }

  // -- Discogs ----------------------------------------------------------------------------------------
  function discogs(loc, doc) {
    const m = /^\/(?:[a-z]{2}\/)?(release|master)\/(\d+)/.exec(loc.pathname);
    if (!m) return null;
    const kind = m[1];
    const id = Number(m[2]);
    const idKey = kind === "release" ? "release_id" : "master_id";
    const ld = jsonLd(doc).find((d) => types(d).some((t) => /^Music(Release|Album)$/.test(t))) || {};
    // Discogs navigates without reloading: data describing another release than the URL's is left out,
    // the id alone is enough for the daemon
    const own = new RegExp(`/${kind}/${id}(?:[-/?#]|$)`);
    const claims = [meta(doc, "og:url"), ld["@id"]].filter(Boolean);
    if (claims.length && !claims.some((u) => own.test(u))) {
      return { page: { store: "discogs", kind, [idKey]: id }, anchor: firstHeading(doc) };
    }
    const album = ld.releaseOf || ld;
    let artist = names(album.byArtist || ld.byArtist);
    let title = ld.name || "";
    const og = meta(doc, "og:title");
    if ((!artist || !title) && og.includes(" - ")) {
      const i = og.indexOf(" - ");
      artist = artist || og.slice(0, i).trim();
      title = title || og.slice(i + 3).trim();
    }
    const tracks = [...doc.querySelectorAll("[data-track-position]")].map((row) => {
      const cells = row.querySelectorAll("td");
      const titleCell = [...cells].find((c) => /title/i.test(c.className)) || cells[2];
      const artistCell = [...cells].find((c) => /artist/i.test(c.className));
      return {
        title: (titleCell ? titleCell.textContent : "").trim(),
        artist: (artistCell ? artistCell.textContent : "").trim() || undefined,
      };
    }).filter((t) => t.title);
    const offers = ld.offers || {};
    const page = {
      store: "discogs",
      kind,
      [idKey]: id,
      artist,
      title,
      label: names(ld.recordLabel),
      catno: ld.catalogNumber || "",
      tracks,
    };
    if (typeof offers.lowPrice === "number") {
      page.price = offers.lowPrice;
      page.currency = offers.priceCurrency;
    }
    return { page, anchor: firstHeading(doc) };
  }

  // -- Bandcamp ---------------------------------------------------------------------------------------
  function bandcamp(loc, doc) {
    const m = /^\/(album|track)\/[^/]+/.exec(loc.pathname);
    if (!m || !/\.bandcamp\.com$/.test(loc.hostname)) return null;
    const el = doc.querySelector("[data-tralbum]");
    let tralbum = null;
    try {
      tralbum = el ? JSON.parse(el.getAttribute("data-tralbum")) : null;
    } catch (_e) {
      tralbum = null;
    }
    const ld = jsonLd(doc).find((d) => types(d).some((t) => t === "MusicAlbum" || t === "MusicRecording")) || {};
    const artist = (tralbum && tralbum.artist) || names(ld.byArtist);
    const rawTitle = (tralbum && tralbum.current && tralbum.current.title) || ld.name || "";
    if (!artist || !rawTitle) return null;
    const info = (tralbum && tralbum.trackinfo) || [];
    const tracks = info.map((t) => {
      const who = t.artist || artist;
      return { title: dropArtistPrefix(t.title || "", who), artist: who, duration: t.duration || undefined };
    }).filter((t) => t.title);
    const page = {
      store: "bandcamp",
      kind: m[1],
      artist,
      title: m[1] === "track" ? dropArtistPrefix(rawTitle, artist) : rawTitle,
      tracks,
    };
    // the digital offer of this very page (album pages list vinyl and per-track releases too)
    const here = (meta(doc, "og:url") || loc.href).split("#")[0];
    const releases = [...(ld.albumRelease || []), ...((ld.inAlbum && ld.inAlbum.albumRelease) || [])];
    const own = releases.find((r) => r && r["@id"] === here && r.offers && typeof r.offers.price === "number");
    if (own) {
      page.price = own.offers.price;
      page.currency = own.offers.priceCurrency;
    }
    return { page, anchor: doc.querySelector("#name-section") || firstHeading(doc) };
  }

  // -- Beatport ---------------------------------------------------------------------------------------
  function beatport(loc, doc) {
    const m = /^\/(?:[a-z]{2}\/)?(release|track)\/[^/]+\/(\d+)/.exec(loc.pathname);
    const script = doc.getElementById("__NEXT_DATA__");
    if (!m || !script) return null;
    let data;
    try {
      data = JSON.parse(script.textContent);
    } catch (_e) {
      return null;
    }
    const props = (data.props && data.props.pageProps) || {};
    const item = m[1] === "release" ? props.release : props.track;
    if (!item || String(item.id) !== m[2]) return null;
    const trackTitle = (t) => (t.mix_name ? `${t.name} (${t.mix_name})` : t.name);
    let tracks = [];
    if (m[1] === "release") {
      const queries = (props.dehydratedState && props.dehydratedState.queries) || [];
      const q = queries.find((x) => String(x.queryKey && x.queryKey[0]).startsWith(`tracks-release_id=${m[2]}`));
      const results = (q && q.state && q.state.data && q.state.data.results) || [];
      tracks = results.map((t) => ({
        title: trackTitle(t),
        artist: names(t.artists),
        duration: t.length_ms ? t.length_ms / 1000 : undefined,
      }));
    } else {
      tracks = [{ title: trackTitle(item), artist: names(item.artists) }];
    }
    const release = m[1] === "release" ? item : item.release || {};
    const page = {
      store: "beatport",
      kind: m[1],
      artist: names(item.artists),
      title: m[1] === "release" ? item.name : trackTitle(item),
      label: (release.label && release.label.name) || "",
      catno: release.catalog_number || item.catalog_number || "",
      tracks,
    };
    if (item.price && typeof item.price.value === "number") {
      page.price = item.price.value;
      page.currency = item.price.code;
    }
    return { page, anchor: firstHeading(doc) };
  }

  // -- Juno Download ----------------------------------------------------------------------------------
  function juno(loc, doc) {
    if (!/^\/products\/[^/]+\/\d+-\d+\/?$/.test(loc.pathname)) return null;
    const album = doc.querySelector('[itemtype$="schema.org/MusicAlbum"]');
    if (!album) return null;
    const own = (el, sel) => [...el.querySelectorAll(sel)].find((x) => x.closest("[itemscope]") === el);
    const nameMeta = own(album, '[itemprop="name"]');
    const title = nameMeta ? (nameMeta.getAttribute("content") || nameMeta.textContent).trim() : "";
    // og:title "Buy <title> by <Artist> on MP3, ..." keeps the artist's case; byArtist is upper-cased
    const og = /^Buy .+ by (.+?) on [A-Z0-9]/.exec(meta(doc, "og:title"));
    const byArtist = own(album, '[itemprop="byArtist"]');
    const artist = (og && og[1]) || (byArtist ? byArtist.textContent.trim() : "");
    if (!title || !artist) return null;
    const publisher = album.querySelector('[itemprop="publisher"] [itemprop="name"]');
    const tracks = [...album.querySelectorAll('[itemprop="track"]')].map((t) => {
      const n = t.querySelector('[itemprop="name"]');
      const d = t.querySelector('[itemprop="duration"]');
      return {
        title: n ? n.textContent.trim() : "",
        artist,
        duration: d ? isoSeconds(d.getAttribute("content")) || undefined : undefined,
      };
    }).filter((t) => t.title);
    const page = {
      store: "juno",
      kind: "release",
      artist,
      title,
      label: publisher ? publisher.getAttribute("content") || "" : "",
      tracks,
      ...money((doc.getElementById("product-buy-top") || {}).textContent),
    };
    return { page, anchor: doc.querySelector("h1") };
  }

  // -- Traxsource -------------------------------------------------------------------------------------
  function traxsource(loc, doc) {
    const m = /^\/(title|track)\/(\d+)/.exec(loc.pathname);
    if (!m) return null;
    const crumbs = jsonLd(doc).find((d) => types(d).includes("BreadcrumbList"));
    const items = ((crumbs && crumbs.itemListElement) || []).map((x) => x.item || {});
    const og = meta(doc, "og:title");
    const last = items.length ? items[items.length - 1].name : "";
    let artist = "";
    let title = last || "";
    if (og && last && og.endsWith(` - ${last}`)) artist = og.slice(0, og.length - last.length - 3).trim();
    else if (og.includes(" - ")) {
      artist = og.slice(0, og.indexOf(" - ")).trim();
      title = title || og.slice(og.indexOf(" - ") + 3).trim();
    }
    if (!title) return null;
    const label = items.length >= 3 ? items[1].name : "";
    const tracks = [...doc.querySelectorAll("[data-trid]")].map((row) => {
      const link = row.querySelector('a[href^="/track/"]');
      const version = link && link.parentElement.querySelector(".version");
      let v = version ? version.firstChild && version.firstChild.textContent.trim() : "";
      const artists = [...row.querySelectorAll('a[href^="/artist/"]')].filter((a) => a.classList.contains("com-artists"));
      return {
        title: link ? (v ? `${link.textContent.trim()} (${v})` : link.textContent.trim()) : "",
        artist: artists.map((a) => a.textContent.trim()).join(", ") || artist,
      };
    }).filter((t) => t.title);
    // the buy link of this very release (or track): data-cart="{title_id: 1018921}" / "{…, track_id: N}"
    const want = m[1] === "title" ? new RegExp(`title_id:\\s*${m[2]}\\s*}`) : new RegExp(`track_id:\\s*${m[2]}\\s*}`);
    const buy = [...doc.querySelectorAll("a[data-cart]")].find((a) => want.test(a.getAttribute("data-cart")));
    const page = {
      store: "traxsource",
      kind: m[1] === "title" ? "release" : "track",
      artist,
      title,
      label,
      tracks,
      ...money(buy && buy.textContent),
    };
    return { page, anchor: doc.querySelector("h1") };
  }

  const BY_HOST = [
    [/^www\.discogs\.com$/, discogs],
    [/\.bandcamp\.com$/, bandcamp],
    [/^www\.beatport\.com$/, beatport],
    [/^www\.junodownload\.com$/, juno],
    [/^www\.traxsource\.com$/, traxsource],
  ];

  function recognize(loc, doc) {
    const entry = BY_HOST.find(([re]) => re.test(loc.hostname));
    if (!entry) return null;
    const found = entry[1](loc, doc);
    if (!found) return null;
    found.page.url = loc.href.split("#")[0];
    for (const k of Object.keys(found.page)) {
      if (found.page[k] === undefined || found.page[k] === "") delete found.page[k];
    }
    // a title, or a Discogs id the daemon can look up by itself
    if (!found.page.title && !found.page.release_id && !found.page.master_id) return null;
    return found;
  }

  return { recognize, money, isoSeconds };
})();

self.MusicToolRecognize = MusicToolRecognize;
