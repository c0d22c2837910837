// Hand-written SVG charts for the statistics dashboard: bars (stacked or
// not) with an optional rate line on a second axis, lines, and horizontal
// bars. Elements are made one by one with attributes (no markup is parsed)
// and coloured by class from stats.css, so the strict CSP needs no inline
// style.

const NS = "http://www.w3.org/2000/svg";
const W = 720, H = 220, PAD = { l: 44, r: 44, t: 12, b: 34 };

function el(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  return e;
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// labelWidth estimates the width of an 11 px axis label: wide for CJK,
// narrow otherwise (measuring would need the SVG laid out first).
function labelWidth(s) {
  let w = 0;
  for (const ch of String(s)) w += ch.codePointAt(0) >= 0x2e80 ? 11 : 6.5;
  return w;
}

// frame draws the axes, grid and labels and returns the plot's scales. The
// left margin grows to fit the longest value label ("12.5 min", "10 毫秒").
function frame(svg, labels, yMax, yFormat, rightFormat) {
  const ticks = [0, 1, 2, 3, 4].map((k) => yFormat(yMax * k / 4));
  const left = Math.max(PAD.l, Math.ceil(10 + Math.max(...ticks.map(labelWidth))));
  const iw = W - left - PAD.r, ih = H - PAD.t - PAD.b;
  const x = (i) => left + (labels.length ? (i + 0.5) * iw / labels.length : 0);
  const y = (v) => PAD.t + ih - (v / yMax) * ih;
  for (let k = 0; k <= 4; k++) {
    const v = yMax * k / 4, yy = y(v);
    svg.appendChild(el("line", { x1: left, x2: W - PAD.r, y1: yy, y2: yy, class: "grid" }));
    svg.appendChild(el("text", { x: left - 6, y: yy + 4, class: "axis", "text-anchor": "end" }, ticks[k]));
    if (rightFormat) svg.appendChild(el("text", { x: W - PAD.r + 6, y: yy + 4, class: "axis" }, rightFormat(k / 4)));
  }
  const every = Math.max(1, Math.ceil(labels.length / 10));
  labels.forEach((l, i) => {
    if (i % every === 0) svg.appendChild(el("text", { x: x(i), y: H - PAD.b + 16, class: "axis", "text-anchor": "middle" }, shortLabel(l)));
  });
  return { x, y, band: iw / Math.max(1, labels.length), ih };
}

// shortLabel drops the year of a date (and the date of a whole hour).
function shortLabel(l) {
  const s = String(l);
  if (s.length > 10) return s.slice(11, 16);
  return s.slice(5);
}

function svgRoot(title) {
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": title });
  svg.appendChild(el("title", {}, title));
  return svg;
}

// legend lists the series with their colour classes.
function legend(items) {
  const d = document.createElement("div");
  d.className = "legend";
  for (const it of items) {
    const s = document.createElement("span");
    const sw = document.createElement("i");
    sw.className = "sw " + it.cls;
    s.append(sw, document.createTextNode(it.name));
    d.appendChild(s);
  }
  return d;
}

// barChart draws bars per label (stacked when several series) and, when
// given, a rate (0..1) line on the right axis.
export function barChart({ title, labels, bars, line, yFormat = String }) {
  const svg = svgRoot(title);
  const totals = labels.map((_, i) => bars.reduce((s, b) => s + (Number(b.values[i]) || 0), 0));
  // Counts: at least 4 so that the five ticks are whole numbers.
  const yMax = niceMax(Math.max(4, ...totals));
  const f = frame(svg, labels, yMax, (v) => yFormat(Math.round(v)), line ? (r) => Math.round(r * 100) + "%" : null);
  const bw = Math.max(1, f.band * 0.7);
  labels.forEach((l, i) => {
    let acc = 0;
    for (const b of bars) {
      const v = Number(b.values[i]) || 0;
      if (v <= 0) continue;
      const y0 = f.y(acc), y1 = f.y(acc + v);
      svg.appendChild(el("rect", { x: f.x(i) - bw / 2, y: y1, width: bw, height: Math.max(0.5, y0 - y1), class: "bar " + b.cls },
        el("title", {}, `${l} ${b.name}: ${v}`)));
      acc += v;
    }
  });
  if (line) drawLine(svg, labels, line.values.map((v) => (v === null ? null : v * yMax)), f, line.cls, (v) => Math.round(v / yMax * 1000) / 10 + "%", line.name);
  const items = bars.map((b) => ({ name: b.name, cls: b.cls }));
  if (line) items.push({ name: line.name, cls: line.cls });
  return wrap(svg, items);
}

// lineChart draws one line per series; null values break the line.
export function lineChart({ title, labels, series, yFormat = String }) {
  const svg = svgRoot(title);
  const all = series.flatMap((s) => s.values.filter((v) => v !== null).map(Number));
  const yMax = niceMax(Math.max(0, ...all));
  const f = frame(svg, labels, yMax, yFormat, null);
  for (const s of series) drawLine(svg, labels, s.values, f, s.cls, yFormat, s.name);
  return wrap(svg, series.map((s) => ({ name: s.name, cls: s.cls })));
}

function drawLine(svg, labels, values, f, cls, fmt, name) {
  let d = "";
  values.forEach((v, i) => {
    if (v === null || v === undefined) { d += " "; return; }
    d += (d === "" || d.endsWith(" ") ? "M" : "L") + f.x(i).toFixed(1) + "," + f.y(v).toFixed(1);
    svg.appendChild(el("circle", { cx: f.x(i), cy: f.y(v), r: 2.5, class: "dot " + cls }, el("title", {}, `${labels[i]} ${name}: ${fmt(v)}`)));
  });
  svg.insertBefore(el("path", { d: d.replace(/ +/g, " ").trim(), class: "line " + cls }), svg.querySelector("circle"));
}

// hbarChart draws one horizontal bar per item, largest first.
export function hbarChart({ title, items, format = String }) {
  const rowH = 24, w = 720, lw = 160;
  const h = Math.max(rowH, items.length * rowH + 8);
  const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, class: "chart", role: "img", "aria-label": title }, el("title", {}, title));
  const max = Math.max(1, ...items.map((i) => i.value));
  items.forEach((it, k) => {
    const y = 4 + k * rowH, bw = (w - lw - 70) * it.value / max;
    svg.appendChild(el("text", { x: lw - 8, y: y + 15, class: "axis", "text-anchor": "end" }, it.label));
    svg.appendChild(el("rect", { x: lw, y: y + 3, width: Math.max(1, bw), height: rowH - 8, class: "bar c1" }));
    svg.appendChild(el("text", { x: lw + bw + 6, y: y + 15, class: "axis" }, format(it.value)));
  });
  return wrap(svg, []);
}

function wrap(svg, items) {
  const d = document.createElement("div");
  d.className = "chart-box";
  d.appendChild(svg);
  if (items.length) d.appendChild(legend(items));
  return d;
}
