// Message catalogues: every text the UI shows comes from
// /ui/common/i18n/<lang>.json. The language follows the browser (Chinese
// browsers get zh-CN, all others en) until the person picks one with the
// switch, which is remembered.

const KEY = "xiaoer.lang";
export const languages = ["zh-CN", "en"];

let lang = pick();
let texts = {};

function pick() {
  const params = new URLSearchParams(location.search + "&" + location.hash.slice(1));
  const forced = params.get("lang");
  if (languages.includes(forced)) return forced;
  let saved = "";
  try { saved = localStorage.getItem(KEY) || ""; } catch { /* storage blocked */ }
  if (languages.includes(saved)) return saved;
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || "zh-CN";
  return nav.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

// load fetches the catalogue of the current language and translates the
// page's [data-t], [data-t-placeholder], [data-t-title] and [data-t-aria] elements.
export async function load() {
  const res = await fetch(`/ui/common/i18n/${lang}.json`);
  texts = await res.json();
  document.documentElement.lang = lang;
  translate(document);
  return lang;
}

// current is the language in use.
export function current() { return lang; }

// t returns the text of key with {name} replaced by vars.name.
export function t(key, vars = {}) {
  let s = texts[key];
  if (s === undefined) s = key;
  for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
  return s;
}

// translate fills the texts of root's marked elements.
export function translate(root) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  for (const el of root.querySelectorAll("[data-t-title]")) el.title = t(el.dataset.tTitle);
  for (const el of root.querySelectorAll("[data-t-aria]")) el.setAttribute("aria-label", t(el.dataset.tAria));
}

// switcher makes the language switch: a button showing the other language.
export function switcher(onChange) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "lang-switch";
  b.textContent = lang === "en" ? "中文" : "EN";
  b.title = lang === "en" ? "切换到中文" : "Switch to English";
  b.addEventListener("click", () => {
    const next = lang === "en" ? "zh-CN" : "en";
    try { localStorage.setItem(KEY, next); } catch { /* storage blocked */ }
    if (onChange) onChange(next);
    else location.reload();
  });
  return b;
}
