// One message in the workbench: buyer left; bot and agents right, each bot
// reply with its "why" (the engine's decision and reasons, agents only).
import { h, clock } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { bodyNodes, metaOf } from "../common/body.js";

export function messageRow(m, myID) {
  if (m.sender === "system" || m.kind === "event") return h("div", { class: "sys" }, h("span", {}, m.body));
  const out = m.sender !== "buyer";
  const label = m.sender === "buyer" ? t("d.buyer") : m.sender === "bot" ? t("w.bot") : m.sender_id === myID ? t("d.me") : t("w.agent");
  return h("div", { class: `row ${m.sender}${out ? " out" : ""}`, dataset: m.seq ? { seq: m.seq } : {} },
    h("div", { class: "av", "aria-hidden": "true" }, label.slice(0, 1)),
    h("div", { class: "bubble-wrap" },
      h("div", { class: "meta-line" }, label + " " + clock(m.created_at)),
      h("div", { class: "bubble" }, bodyNodes(m, null)),
      m.sender === "bot" ? why(metaOf(m).explain) : null));
}

function why(x) {
  if (!x) return null;
  const pct = (v) => (typeof v === "number" ? (v * 100).toFixed(0) + "%" : "");
  const rows = [
    [t("d.why.step"), t("d.step." + x.step) === "d.step." + x.step ? x.step : t("d.step." + x.step)],
    [t("d.why.decision"), x.decision ? `${x.decision} ${pct(x.confidence)}` : ""],
    [t("d.why.intent"), x.intent && x.intent.id ? `${x.intent.id} ${pct(x.intent.confidence)}` : ""],
    [t("d.why.detail"), x.detail || ""],
    [t("d.why.messages"), x.messages ? t("d.why.messages_n", { n: x.messages }) : ""],
    [t("d.why.threshold"), x.thresholds && x.thresholds.answer ? `${t("d.why.answer")} ${pct(x.thresholds.answer)} · ${t("d.why.suggest")} ${pct(x.thresholds.suggest)}` : ""],
    [t("d.why.reason"), x.reason || ""],
    [t("d.why.candidates"), (x.candidates || []).slice(0, 3).map((c) => `${c.question} (${pct(c.fused)})`).join("；")],
  ].filter((r) => r[1]);
  return h("details", { class: "why" }, h("summary", {}, t("d.why")), h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
}
