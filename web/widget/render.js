// One row of the buyer chat: avatar, who and when, and the bubble.
import { h, clock } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { bodyNodes } from "../common/body.js";

// renderMessage returns the row of a message. opts: mine (the buyer's own),
// pending (not yet acknowledged), tap (send a tapped choice or card).
export function renderMessage(m, opts = {}) {
  if (m.sender === "system" || m.kind === "event") {
    return h("div", { class: "sys" }, h("span", {}, m.body));
  }
  const who = opts.mine ? "me" : m.sender === "agent" ? "agent" : "bot";
  const label = opts.mine ? t("w.me") : m.sender === "agent" ? t("w.agent") : t("w.bot");
  return h("div", { class: `row ${who}${opts.pending ? " pending" : ""}`, dataset: m.seq ? { seq: m.seq } : {} },
    h("div", { class: "av", "aria-hidden": "true" }, label.slice(0, 1)),
    h("div", { class: "bubble-wrap" },
      h("div", { class: "meta-line" }, label + " " + clock(m.created_at)),
      h("div", { class: "bubble" }, bodyNodes(m, opts.mine ? null : opts.tap)),
      opts.pending ? h("div", { class: "state" }, t("w.sending")) : null));
}
