// The admin console (/admin): knowledge, the bot, people, shop data,
// notifications, statistics and system information, one section per
// #hash. Each section calls the JSON API; the server checks every call.
import { h, fill, $ } from "../common/dom.js";
import { load, t, switcher, translate } from "../common/i18n.js";
import { me as getMe, logout } from "../common/api.js";
import { loginForm } from "../common/login.js";
import { faqList, faqEdit, kbTest, packs, categories } from "./kb.js";
import { gaps } from "./gaps.js";
import { botSettings } from "./bot.js";
import { pipelineForm, routingForm } from "./pipeline.js";
import { members, roles, groups } from "./people.js";
import { shopData, integration, system, audit } from "./shop.js";
import { notifications } from "./notify.js";
import { tagRules } from "./tags.js";
import { stats } from "./stats.js";

await load();
const root = $("#root");
let me = await getMe();
if (!me) me = await loginForm(root, t("a.login_title"));
if (!me.shops || me.shops.length === 0) {
  fill(root, h("p", { class: "boot" }, t("d.no_shop")));
  throw new Error("no shop");
}
const shop = me.shops[0];
const perms = new Set(shop.permissions || []);
root.replaceChildren($("#shell").content.cloneNode(true));
translate(root);
$("#shop-name").textContent = shop.name;
$("#me-name").textContent = me.account.display_name || me.account.username;
$("#lang").appendChild(switcher());
$("#logout").addEventListener("click", async () => { await logout(); location.reload(); });
$("#menu").addEventListener("click", () => $(".admin").classList.toggle("menu-open"));

// sections: [hash, group, perm, render]. A section whose permission the
// role lacks is not listed (the API would refuse it anyway).
const sections = [
  ["faqs", "a.g.kb", "kb.manage", faqList],
  ["faq", null, "kb.manage", faqEdit],
  ["test", "a.g.kb", "kb.manage", kbTest],
  ["categories", "a.g.kb", "kb.manage", categories],
  ["packs", "a.g.kb", "kb.manage", packs],
  ["gaps", "a.g.kb", "kb.manage", gaps],
  ["bot", "a.g.bot", "settings.manage", botSettings],
  ["pipeline", "a.g.bot", "settings.manage", pipelineForm],
  ["routing", "a.g.bot", "settings.manage", routingForm],
  ["members", "a.g.people", "agents.manage", members],
  ["roles", "a.g.people", "agents.manage", roles],
  ["groups", "a.g.people", "agents.manage", groups],
  ["data", "a.g.shop", "shopdata.manage", shopData],
  ["tags", "a.g.shop", "shopdata.manage", tagRules],
  ["integration", "a.g.shop", "settings.manage", integration],
  ["notify", "a.g.shop", "settings.manage", notifications],
  ["stats", "a.g.report", "reports.read", stats],
  ["audit", "a.g.report", "audit.read", audit],
  ["system", "a.g.report", "settings.manage", system],
];
const allowed = sections.filter(([, , p]) => !p || perms.has(p));

function drawNav(active) {
  const out = [];
  let group = "";
  for (const [id, g] of allowed) {
    if (!g) continue;
    if (g !== group) { group = g; out.push(h("div", { class: "grp" }, t(g))); }
    out.push(h("a", { href: "#" + id, class: id === active || (active === "faq" && id === "faqs") ? "active" : "", dataset: { section: id } }, t("a.s." + id)));
  }
  fill($("#nav"), out);
}

const ctx = { shop, perms, me, go: (hash) => { location.hash = hash; } };

async function route() {
  if (allowed.length === 0) {
    // An agent's role grants no console section: point them to their workbench.
    fill($("#main"), h("p", { class: "no-sections" }, t("a.no_sections"), " ", h("a", { href: "/desk" }, t("a.to_desk"))));
    return;
  }
  const [id, ...rest] = (location.hash.slice(1) || allowed[0][0]).split("/");
  const sec = allowed.find(([s]) => s === id) || allowed[0];
  drawNav(sec[0]);
  $(".admin").classList.remove("menu-open");
  const main = $("#main");
  fill(main, h("p", { class: "muted" }, t("d.loading")));
  try {
    await sec[3](main, ctx, rest.join("/"));
  } catch (e) {
    fill(main, h("p", { class: "err" }, e.message || String(e)));
  }
}
addEventListener("hashchange", route);
route();
