// Canned replies (快捷短语): the shop's, from the API when the shop has them,
// else a starter set from the catalogue, plus the agent's own saved in this
// browser. Typing "/" and a shortcut in the reply box searches them.
import { h, fill } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { api } from "../common/api.js";

const KEY = "xiaoer.desk.canned";

export class Canned {
  constructor(shopID) {
    this.shopID = shopID;
    this.items = [];
  }

  async load() {
    let shop = [];
    try {
      const res = await api("GET", `/api/v1/shops/${this.shopID}/canned-replies`);
      shop = (res.items || []).map((c) => ({ shortcut: c.shortcut || "", text: c.text || c.body || "" }));
    } catch {
      for (let i = 1; t("d.canned." + i) !== "d.canned." + i; i++) {
        const [shortcut, text] = t("d.canned." + i).split("|");
        shop.push({ shortcut, text });
      }
    }
    let mine = [];
    try { mine = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { /* none */ }
    this.items = [...mine.map((c) => ({ ...c, mine: true })), ...shop];
  }

  addMine(shortcut, text) {
    let mine = [];
    try { mine = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { /* none */ }
    mine.push({ shortcut, text });
    try { localStorage.setItem(KEY, JSON.stringify(mine)); } catch { /* full */ }
    this.items.unshift({ shortcut, text, mine: true });
  }

  search(q) {
    q = q.trim().toLowerCase();
    if (!q) return this.items;
    return this.items.filter((c) => c.shortcut.toLowerCase().startsWith(q) || c.text.toLowerCase().includes(q));
  }

  // picker shows the search box and list in box; pick(text) gets the chosen
  // reply with its variables filled by vars.
  picker(box, query, vars, pick) {
    const input = h("input", { type: "search", value: query, placeholder: t("d.canned_search") });
    const ul = h("ul", {});
    let sel = 0;
    let shown = [];
    const fillVars = (s) => s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? vars[k] : m));
    const draw = () => {
      shown = this.search(input.value).slice(0, 50);
      sel = Math.min(sel, Math.max(0, shown.length - 1));
      fill(ul, shown.length ? shown.map((c, i) => h("li", { class: i === sel ? "sel" : "", on: { click: () => pick(fillVars(c.text)) } },
        h("span", { class: "sc" }, "/" + c.shortcut), fillVars(c.text))) : h("li", { class: "muted" }, t("d.canned_none")));
    };
    input.addEventListener("input", () => { sel = 0; draw(); });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown") { sel = Math.min(sel + 1, shown.length - 1); draw(); ev.preventDefault(); }
      if (ev.key === "ArrowUp") { sel = Math.max(sel - 1, 0); draw(); ev.preventDefault(); }
      if (ev.key === "Enter" && shown[sel]) { pick(fillVars(shown[sel].text)); ev.preventDefault(); }
      if (ev.key === "Escape") pick(null);
    });
    const save = h("button", { type: "button", class: "link", on: { click: () => {
      const text = prompt(t("d.canned_new_text"));
      if (!text) return;
      const sc = prompt(t("d.canned_new_shortcut")) || "";
      this.addMine(sc.replace(/^\//, ""), text);
      draw();
    } } }, t("d.canned_add"));
    fill(box, input, ul, h("div", { class: "muted canned-foot" }, save));
    box.classList.remove("hidden");
    draw();
    input.focus();
  }
}
