// Charts: uPlot for time series and histograms (canvas, fast), plain HTML/SVG for shares and the Camelot wheel.
// Colours come from the page's CSS variables, so charts follow the light/dark theme and redraw when it flips.
import { useEffect, useRef } from "./vendor/hooks.module.js";
import uPlot from "./vendor/uPlot.esm.js";
import { html, num, pct } from "./ui.js";

export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export const PALETTE = ["--c1", "--c2", "--c3", "--c4", "--c5", "--c6", "--c7", "--c8", "--c9"];

// series: [{label, values, color: "--c1", kind: "bars"|"line", scale, format}]; x: numbers (unix seconds or
// plain values). axes: [{scale, side, format}]
export function Chart({ x, series, axes = [], height = 220, time = true, label, test }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !x.length) return;
    let plot = null;
    const build = () => {
      plot?.destroy();
      const text = cssVar("--muted"), grid = cssVar("--grid");
      const bars = uPlot.paths.bars({ size: [0.7, 48], gap: 1 });
      const opts = {
        width: Math.max(200, el.clientWidth),
        height,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        scales: { x: { time } },
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            scale: s.scale || "y",
            stroke: cssVar(s.color),
            fill: s.kind === "bars" ? cssVar(s.color) + "cc" : s.fill ? cssVar(s.color) + "33" : undefined,
            width: s.kind === "bars" ? 0 : 2,
            paths: s.kind === "bars" ? bars : undefined,
            points: { show: s.kind !== "bars" && x.length < 40 },
            value: (u, v) => (v === null || v === undefined ? "–" : s.format ? s.format(v) : num(v)),
          })),
        ],
        axes: [
          { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          ...(axes.length ? axes : [{ scale: "y" }]).map((a) => ({
            scale: a.scale,
            side: a.side ?? 3,
            stroke: text,
            grid: { show: a.side !== 1, stroke: grid, width: 1 },
            ticks: { stroke: grid },
            size: 52,
            values: a.format ? (u, vals) => vals.map(a.format) : undefined,
          })),
        ],
      };
      for (const a of axes) if (a.range) opts.scales[a.scale] = { range: a.range };
      plot = new uPlot(opts, [x, ...series.map((s) => s.values)], el);
    };
    build();
    let width = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (Math.abs(el.clientWidth - width) < 2) return;
      width = el.clientWidth;
      plot?.setSize({ width: Math.max(200, width), height });
    });
    ro.observe(el);
    window.addEventListener("themechange", build);
    return () => {
      ro.disconnect();
      window.removeEventListener("themechange", build);
      plot?.destroy();
    };
  }, [x, series, height]);
  return html`<div class="chart" ref=${box} role="img" aria-label=${label} data-chart=${test}></div>`;
}

export function monthToSeconds(month) {
  const [y, m] = month.split("-").map(Number);
  return Date.UTC(y, m - 1, 1) / 1000;
}

// Horizontal share bars: [{name, value, total?}] — value/total as a rate when total is given, else value/max.
export function Bars({ items, format = num, rate = false, label, test }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return html`<ul class="bars" aria-label=${label} data-chart=${test}>
    ${items.map((i, k) => {
      const share = rate ? i.value : i.value / max;
      return html`<li key=${i.name + k}>
        <span class="bar-name" title=${i.name}>${i.name || "(none)"}</span>
        <span class="bar-track"><span class="bar-fill" style=${{ width: `${Math.max(share * 100, 0.5)}%`, background: `var(${i.color || "--c1"})` }}></span></span>
        <span class="bar-value">${rate ? pct(i.value) : format(i.value)}${i.hint ? html` <small>${i.hint}</small>` : ""}</span>
      </li>`;
    })}
  </ul>`;
}

// One stacked bar per row: rows [{name, parts: {key: n}}], keys in legend order.
export function Stacked({ rows, keys, label, test, unit }) {
  return html`<div class="stacked" aria-label=${label} data-chart=${test}>
    <ul class="legend">${keys.map((k, i) => html`<li><span class="swatch" style=${{ background: `var(${PALETTE[i % PALETTE.length]})` }}></span>${k}</li>`)}</ul>
    ${rows.map((r) => {
      const total = keys.reduce((s, k) => s + (r.parts[k] || 0), 0) || 1;
      return html`<div class="stack-row"><span class="bar-name">${r.name}</span><span class="stack">
        ${keys.map((k, i) => r.parts[k] ? html`<span class="stack-part" title=${`${k}: ${r.parts[k]}`}
          style=${{ width: `${(r.parts[k] / total) * 100}%`, background: `var(${PALETTE[i % PALETTE.length]})` }}></span>` : null)}
      </span><span class="bar-value">${num(total)}${unit ? html` <small>${unit}</small>` : ""}</span></div>`;
    })}
  </div>`;
}

// The Camelot wheel: 12 positions, B (major) outside, A (minor) inside; a segment's strength is its share.
export function CamelotWheel({ keys, test }) {
  const counts = Object.fromEntries(keys.map((k) => [k.camelot, k.tracks]));
  const max = Math.max(1, ...keys.map((k) => k.tracks));
  const cx = 150, cy = 150;
  const seg = (n, r0, r1, code) => {
    const a0 = ((n - 1) * 30 - 105) * (Math.PI / 180), a1 = (n * 30 - 105) * (Math.PI / 180);
    const p = (r, a) => `${(cx + r * Math.cos(a)).toFixed(1)} ${(cy + r * Math.sin(a)).toFixed(1)}`;
    const d = `M${p(r0, a0)} L${p(r1, a0)} A${r1} ${r1} 0 0 1 ${p(r1, a1)} L${p(r0, a1)} A${r0} ${r0} 0 0 0 ${p(r0, a0)}Z`;
    const mid = (a0 + a1) / 2, rm = (r0 + r1) / 2;
    const c = counts[code] || 0;
    const strength = c / max;
    return html`<g key=${code}>
      <path d=${d} class="wheel-seg" style=${{ fill: `hsl(${(n * 30 + 200) % 360} 70% 50% / ${0.12 + strength * 0.88})` }}>
        <title>${code}: ${num(c)} tracks</title></path>
      <text x=${cx + rm * Math.cos(mid)} y=${cy + rm * Math.sin(mid) - 4} class="wheel-label">${code}</text>
      <text x=${cx + rm * Math.cos(mid)} y=${cy + rm * Math.sin(mid) + 9} class="wheel-count">${c || ""}</text>
    </g>`;
  };
  const segs = [];
  for (let n = 1; n <= 12; n++) segs.push(seg(n, 100, 148, `${n}B`), seg(n, 52, 100, `${n}A`));
  return html`<svg viewBox="0 0 300 300" class="wheel" role="img" data-chart=${test}
    aria-label="Camelot wheel: tracks per key, majors (B) outside, minors (A) inside">${segs}
    <text x="150" y="146" class="wheel-centre">${num(keys.reduce((s, k) => s + k.tracks, 0))}</text>
    <text x="150" y="162" class="wheel-count">tracks with a key</text></svg>`;
}
