// DOM helpers. Everything shown goes in as text nodes or attributes set one
// by one: nothing is ever parsed as HTML, so buyer text cannot inject markup.

// h makes an element: h("div", {class: "x", on: {click: fn}}, "text", child).
// Attribute values are set with setAttribute; children that are strings or
// numbers become text nodes; null, false and undefined are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (k === "text") {
      el.textContent = v;
    } else if (k in el && typeof v !== "string") {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// clear removes every child of el and appends the given ones.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// $ finds one element.
export const $ = (sel, root = document) => root.querySelector(sel);

// safeURL returns u when it is an http(s) or same-site URL, else "".
export function safeURL(u) {
  if (typeof u !== "string" || u === "") return "";
  try {
    const url = new URL(u, location.href);
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch { /* not a URL */ }
  return "";
}

// money formats an amount in fen as yuan.
export function money(fen) {
  if (fen === undefined || fen === null) return "";
  return "¥" + (Number(fen) / 100).toFixed(2);
}

// clock formats a time as HH:MM (today) or MM-DD HH:MM.
export function clock(t) {
  if (!t) return "";
  const d = new Date(t);
  if (isNaN(d)) return "";
  const p = (n) => String(n).padStart(2, "0");
  const hm = p(d.getHours()) + ":" + p(d.getMinutes());
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return hm;
  return p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + hm;
}

// day formats a time as YYYY-MM-DD.
export function day(t) {
  if (!t) return "";
  const d = new Date(t);
  if (isNaN(d) || d.getFullYear() < 1971) return "";
  return d.toISOString().slice(0, 10);
}

// since formats the time from t to now as m:ss or h:mm:ss.
export function since(t, now = Date.now()) {
  const s = Math.max(0, Math.floor((now - new Date(t).getTime()) / 1000));
  const p = (n) => String(n).padStart(2, "0");
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh > 0 ? `${hh}:${p(mm)}:${p(ss)}` : `${mm}:${p(ss)}`;
}

// clientID makes a random id for a message, so that a resend is stored once.
export function clientID() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return "c" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
