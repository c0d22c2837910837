// Texts of the notification settings (the workbench's own preferences and
// the console's notifications page), from their own catalogues
// (/ui/common/i18n/notify.<lang>.json, zh-CN and en), loaded once, with the
// settings' stylesheet. A key missing there falls back to the main
// catalogue.
import { t, current } from "./i18n.js";

let texts = null;

// loadNotifyTexts fetches the catalogue of the page's language and links
// the settings' stylesheet, once.
export async function loadNotifyTexts() {
  if (texts) return;
  if (!document.querySelector("link[data-notify]")) {
    const l = document.createElement("link");
    l.rel = "stylesheet";
    l.href = "/ui/common/notify.css";
    l.dataset.notify = "1";
    document.head.appendChild(l);
  }
  const res = await fetch(`/ui/common/i18n/notify.${current()}.json`);
  texts = res.ok ? await res.json() : {};
}

// nt returns the text of key with {name} replaced by vars.name.
export function nt(key, vars = {}) {
  let s = texts && texts[key] !== undefined ? texts[key] : t(key);
  for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
  return s;
}
