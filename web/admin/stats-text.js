// Texts of the statistics pages, from their own catalogues beside them
// (/ui/admin/i18n/stats.<lang>.json, zh-CN and en), loaded once; the
// stylesheet of the charts too. A key missing there falls back to the
// console's catalogue.
import { t, current } from "../common/i18n.js";

let texts = null;

// loadTexts fetches the catalogue of the page's language and links the
// statistics stylesheet, once.
export async function loadTexts() {
  if (texts) return;
  if (!document.querySelector("link[data-stats]")) {
    const l = document.createElement("link");
    l.rel = "stylesheet";
    l.href = "/ui/admin/stats.css";
    l.dataset.stats = "1";
    document.head.appendChild(l);
  }
  const res = await fetch(`/ui/admin/i18n/stats.${current()}.json`);
  texts = res.ok ? await res.json() : {};
}

// st returns the text of key with {name} replaced by vars.name.
export function st(key, vars = {}) {
  let s = texts && texts[key] !== undefined ? texts[key] : t(key);
  for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
  return s;
}

// duration reads milliseconds as seconds, minutes or hours.
export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return Math.round(ms) + " " + st("s.ms");
  if (ms < 60000) return (ms / 1000).toFixed(1) + " " + st("s.sec");
  if (ms < 3600000) return (ms / 60000).toFixed(1) + " " + st("s.min");
  return (ms / 3600000).toFixed(1) + " " + st("s.h");
}

// percent reads a rate (0..1) as a percentage.
export function percent(r) {
  return r === null || r === undefined ? "—" : (r * 100).toFixed(1) + "%";
}

// value formats a report value by its column kind.
export function value(v, kind) {
  switch (kind) {
    case "rate": return percent(v);
    case "ms": return duration(v);
    case "avg": return v === null || v === undefined ? "—" : Number(v).toFixed(2);
    default: return v === null || v === undefined ? "" : String(v);
  }
}
