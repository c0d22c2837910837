// Texts of the setup and invitation pages, Simplified Chinese first.
const texts = {
  en: {
    title_setup: "Create the owner account", intro: "This is a new xiaoer. Create the owner account and the first shop.",
    shop_name: "Shop name", shop_slug: "Shop slug (for URLs: lowercase letters, digits, -)", language: "Bot language",
    username: "Username", display_name: "Display name", password: "Password (8 or more characters)",
    submit_setup: "Create", title_invite: "Join the shop", submit_invite: "Join",
    done: "Done. You are logged in.", bad_link: "This link is not valid or has expired.", invited: "You are invited to {shop} as {role}.",
  },
};

// lang is "en" for English browsers, else Simplified Chinese.
export const lang = (navigator.language || "zh-CN").toLowerCase().startsWith("zh") ? "zh-CN" : "en";

// translate replaces the text of every [data-t] element for English.
export function translate(page) {
  if (lang !== "en") return;
  document.documentElement.lang = "en";
  for (const el of document.querySelectorAll("[data-t]")) {
    const key = el.dataset.t;
    el.textContent = texts.en[key + "_" + page] || texts.en[key] || el.textContent;
  }
}

// t returns an English text, or the Chinese one given.
export function t(key, zh, vars = {}) {
  let s = lang === "en" ? texts.en[key] : zh;
  for (const [k, v] of Object.entries(vars)) s = s.replace("{" + k + "}", v);
  return s;
}

// post sends JSON and returns [status, body].
export async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return [res.status, await res.json().catch(() => ({}))];
}
