// Bot settings: on or off, auto or assist mode, thresholds, the fallback
// and "did you mean" texts, publishing. The reply pipeline and routing have
// their own sections (pipeline.js).
import { h, fill, t, field, status } from "./ui.js";
import { api } from "../common/api.js";

export async function botSettings(main, ctx) {
  const url = `/api/v1/shops/${ctx.shop.id}/bot/settings`;
  const s = await api("GET", url);
  const enabled = h("input", { type: "checkbox", checked: !!s.enabled });
  const mode = h("select", {}, ["auto", "assist"].map((m) => h("option", { value: m, selected: s.mode === m }, t("a.bot.mode." + m))));
  const answerTh = h("input", { type: "number", min: 0, max: 1, step: 0.01, value: s.answer_threshold || "", placeholder: t("a.bot.calibrated") });
  const suggestTh = h("input", { type: "number", min: 0, max: 1, step: 0.01, value: s.suggest_threshold || "", placeholder: t("a.bot.calibrated") });
  const fbZh = h("textarea", { rows: 2 }, (s.fallback_text || {})["zh-CN"] || "");
  const fbEn = h("textarea", { rows: 2 }, (s.fallback_text || {}).en || "");
  const sgZh = h("input", { value: (s.suggest_text || {})["zh-CN"] || "" });
  const sgEn = h("input", { value: (s.suggest_text || {}).en || "" });
  const pub = h("input", { type: "checkbox", checked: !!s.publish_immediately });
  const msg = status();
  const save = async () => {
    try {
      const body = { ...s, enabled: enabled.checked, mode: mode.value, publish_immediately: pub.checked,
        answer_threshold: Number(answerTh.value) || 0, suggest_threshold: Number(suggestTh.value) || 0,
        fallback_text: { ...(s.fallback_text || {}), "zh-CN": fbZh.value.trim(), en: fbEn.value.trim() },
        suggest_text: { ...(s.suggest_text || {}), "zh-CN": sgZh.value.trim(), en: sgEn.value.trim() } };
      Object.assign(s, await api("PUT", url, body));
      msg.ok(t("a.saved"));
    } catch (e) { msg.fail(e); }
  };
  fill(main, h("h2", {}, t("a.s.bot")),
    h("form", { class: "form", on: { submit: (ev) => { ev.preventDefault(); save(); } } },
      h("label", {}, enabled, " ", t("a.bot.enabled")),
      field(t("a.bot.mode"), mode),
      h("div", { class: "row2" }, field(t("a.bot.answer_th"), answerTh), field(t("a.bot.suggest_th"), suggestTh)),
      h("div", { class: "row2" }, field(t("a.bot.fallback") + " (中文)", fbZh), field(t("a.bot.fallback") + " (English)", fbEn)),
      h("div", { class: "row2" }, field(t("a.bot.suggest") + " (中文)", sgZh), field(t("a.bot.suggest") + " (English)", sgEn)),
      h("label", {}, pub, " ", t("a.bot.publish")),
      h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, t("a.save"))), msg),
    h("p", {}, h("a", { href: "#pipeline" }, t("a.s.pipeline") + " ›"), "  ", h("a", { href: "#routing" }, t("a.s.routing") + " ›")));
}
