// Canned replies (快捷短语): the shop's and the agent's own, from the API,
// with their variables ({buyer}, {order_no}…) filled for the conversation.
// Typing "/" and a shortcut in the reply box searches them.
import { h, fill } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { api } from "../common/api.js";

export class Canned {
  constructor(shopID) {
    this.shopID = shopID;
    this.items = [];
  }

  // load reads the shop's canned replies and the agent's own; with a
  // conversation, the server fills their variables for it.
  async load(convID) {
    try {
      const path = convID ? `/api/v1/shops/${this.shopID}/conversations/${convID}/canned-replies` : `/api/v1/shops/${this.shopID}/canned-replies`;
      const res = await api("GET", path);
      this.items = (res.items || []).map((c) => ({ shortcut: c.shortcut || "", title: c.title || "", text: c.text || c.body || "", mine: !!c.personal }));
      this.remote = true;
    } catch {
      // No canned-reply API on this server: a starter set from the catalogue.
      this.remote = false;
      this.items = [];
      for (let i = 1; t("d.canned." + i) !== "d.canned." + i; i++) {
        const [shortcut, text] = t("d.canned." + i).split("|");
        this.items.push({ shortcut, text });
      }
    }
  }

  async addMine(shortcut, text) {
    if (this.remote) {
      await api("POST", `/api/v1/shops/${this.shopID}/canned-replies`, { shortcut, title: text.slice(0, 20), body: text, personal: true });
    }
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
        h("span", { class: "sc" }, "/" + c.shortcut), c.mine ? h("span", { class: "tag blue" }, t("d.canned_mine")) : null, fillVars(c.text))) : h("li", { class: "muted" }, t("d.canned_none")));
    };
    input.addEventListener("input", () => { sel = 0; draw(); });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown") { sel = Math.min(sel + 1, shown.length - 1); draw(); ev.preventDefault(); }
      if (ev.key === "ArrowUp") { sel = Math.max(sel - 1, 0); draw(); ev.preventDefault(); }
      if (ev.key === "Enter" && shown[sel]) { pick(fillVars(shown[sel].text)); ev.preventDefault(); }
      if (ev.key === "Escape") pick(null);
    });
    const save = h("button", { type: "button", class: "link", on: { click: async () => {
      const text = prompt(t("d.canned_new_text"));
      if (!text) return;
      const sc = prompt(t("d.canned_new_shortcut")) || "";
      try { await this.addMine(sc.replace(/^\//, ""), text); } catch (e) { alert(e.message); }
      draw();
    } } }, t("d.canned_add"));
    fill(box, input, ul, h("div", { class: "muted canned-foot" }, save));
    box.classList.remove("hidden");
    draw();
    input.focus();
  }
}
