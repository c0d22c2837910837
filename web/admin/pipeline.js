// The bot's reply pipeline (welcome, keyword rules, business hours,
// handoff, small talk, answer templates) and routing (groups by intent
// category, strategies, escalation, timers): forms over
// GET/PUT /bot/pipeline and /routing.
import { h, fill, t, field, status } from "./ui.js";
import { api } from "../common/api.js";

const list = (s) => s.split(/[,，\n]/).map((x) => x.trim()).filter(Boolean);
// texts is a text by language; a language left empty is left out.
const texts = (zh, en) => Object.fromEntries([["zh-CN", zh.value.trim()], ["en", en.value.trim()]].filter(([, v]) => v));

function textPair(label, v = {}) {
  const zh = h("textarea", { rows: 2 }, v["zh-CN"] || "");
  const en = h("textarea", { rows: 2 }, v.en || "");
  return { el: h("div", { class: "row2" }, field(label + " (中文)", zh), field(label + " (English)", en)), get: () => texts(zh, en) };
}

function ruleEditor(r = { name: "", match: "contains", patterns: [], reply: {}, priority: 0 }) {
  const name = h("input", { value: r.name, placeholder: t("a.rule.name") });
  const match = h("select", {}, ["exact", "contains", "regexp"].map((m) => h("option", { value: m, selected: r.match === m }, t("a.rule.match." + m))));
  const prio = h("input", { type: "number", value: r.priority || 0 });
  const patterns = h("textarea", { rows: 2, placeholder: t("a.rule.patterns") }, (r.patterns || []).join("\n"));
  const reply = textPair(t("a.rule.reply"), r.reply);
  const el = h("div", { class: "answer rule" });
  fill(el, h("div", { class: "row3" }, name, match, prio, h("button", { type: "button", class: "link danger", on: { click: () => el.remove() } }, t("a.remove"))),
    patterns, reply.el);
  el.value = () => ({ name: name.value.trim(), match: match.value, priority: Number(prio.value) || 0, patterns: list(patterns.value), reply: reply.get() });
  return el;
}

function periodEditor(p = { days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }) {
  const days = [1, 2, 3, 4, 5, 6, 7].map((d) => h("label", { class: "day" }, h("input", { type: "checkbox", value: d, checked: (p.days || []).includes(d) }), t("a.day." + d)));
  const from = h("input", { type: "time", value: p.from });
  const to = h("input", { type: "time", value: p.to });
  const el = h("div", { class: "period" }, days, from, "–", to);
  el.appendChild(h("button", { type: "button", class: "link danger", on: { click: () => el.remove() } }, t("a.remove")));
  el.value = () => ({ days: days.map((d) => d.querySelector("input")).filter((c) => c.checked).map((c) => Number(c.value)), from: from.value, to: to.value });
  return el;
}

export async function pipelineForm(main, ctx) {
  const url = `/api/v1/shops/${ctx.shop.id}/bot/pipeline`;
  const { pipeline: p, catalogue } = await api("GET", url);
  const msg = status();
  const welcome = textPair(t("a.pipe.welcome"), p.welcome);
  const rules = h("div", {}, (p.rules || []).map((r) => ruleEditor(r)));
  const hoursOn = h("input", { type: "checkbox", checked: !!(p.hours && p.hours.enabled) });
  const periods = h("div", {}, ((p.hours && p.hours.periods) || []).map((x) => periodEditor(x)));
  const closed = h("input", { value: ((p.hours && p.hours.closed_dates) || []).join(", "), placeholder: "2026-02-17, 2026-10-01" });
  const ho = p.handoff || {};
  const words = h("input", { value: (ho.human_words || []).join(", ") });
  const keywords = h("input", { value: (ho.keywords || []).join(", ") });
  const always = h("input", { value: (ho.always_human || []).join(", ") });
  const misses = h("input", { type: "number", min: 0, value: ho.max_misses ?? 2 });
  const frus = h("input", { type: "number", min: 0, max: 1, step: 0.05, value: ho.frustration ?? 0.6 });
  const vip = h("select", {}, ["", "vip1", "vip2", "vip3"].map((v) => h("option", { value: v, selected: (ho.vip_level || "") === v }, v || t("a.pipe.vip_none"))));
  const small = h("input", { type: "checkbox", checked: !!p.small_talk });
  const tpl = Object.entries(catalogue || {}).map(([key, c]) => {
    const cur = (p.templates || {})[key] || {};
    const zh = h("textarea", { rows: 2, placeholder: (c.texts || {})["zh-CN"] || "" }, cur["zh-CN"] || "");
    const en = h("textarea", { rows: 2, placeholder: (c.texts || {}).en || "" }, cur.en || "");
    return { key, el: h("div", { class: "tpl" }, h("div", {}, h("b", {}, key), " ", h("span", { class: "muted" }, (c.fields || []).map((f) => "{" + f + "}").join(" "))),
      h("div", { class: "row2" }, zh, en)), get: () => ({ "zh-CN": zh.value.trim(), en: en.value.trim() }) };
  });
  const save = async () => {
    const templates = {};
    for (const x of tpl) { const v = x.get(); if (v["zh-CN"] || v.en) templates[x.key] = Object.fromEntries(Object.entries(v).filter(([, s]) => s)); }
    const body = { ...p, welcome: welcome.get(), rules: [...rules.children].map((r) => r.value()),
      hours: { ...(p.hours || {}), enabled: hoursOn.checked, periods: [...periods.children].map((x) => x.value()), closed_dates: list(closed.value) },
      handoff: { ...ho, human_words: list(words.value), keywords: list(keywords.value), always_human: list(always.value),
        max_misses: Number(misses.value) || 0, frustration: Number(frus.value) || 0, vip_level: vip.value },
      small_talk: small.checked, templates };
    try { await api("PUT", url, body); msg.ok(t("a.saved")); } catch (e) { msg.fail(e.field ? `${e.field}: ${e.message}` : e); }
  };
  fill(main, h("h2", {}, t("a.s.pipeline")),
    h("form", { class: "form", on: { submit: (ev) => { ev.preventDefault(); save(); } } },
      h("h3", {}, t("a.pipe.welcome")), welcome.el,
      h("h3", {}, t("a.pipe.rules")), h("p", { class: "muted" }, t("a.pipe.rules_intro")), rules,
      h("button", { type: "button", on: { click: () => rules.appendChild(ruleEditor()) } }, t("a.pipe.add_rule")),
      h("h3", {}, t("a.pipe.hours")), h("label", {}, hoursOn, " ", t("a.pipe.hours_on")), periods,
      h("button", { type: "button", on: { click: () => periods.appendChild(periodEditor()) } }, t("a.pipe.add_period")),
      field(t("a.pipe.closed"), closed),
      h("h3", {}, t("a.pipe.handoff")),
      field(t("a.pipe.words"), words), field(t("a.pipe.keywords"), keywords), field(t("a.pipe.always"), always),
      h("div", { class: "row2" }, field(t("a.pipe.misses"), misses), field(t("a.pipe.frustration"), frus)),
      field(t("a.pipe.vip"), vip),
      h("label", {}, small, " ", t("a.pipe.small_talk")),
      h("h3", {}, t("a.pipe.templates")), h("p", { class: "muted" }, t("a.pipe.templates_intro")), tpl.map((x) => x.el),
      h("div", { class: "actions sticky" }, h("button", { class: "primary", type: "submit" }, t("a.save"))), msg));
}

export async function routingForm(main, ctx) {
  const url = `/api/v1/shops/${ctx.shop.id}/routing`;
  const [{ categories, routing: r }, groups] = await Promise.all([api("GET", url),
    api("GET", `/api/v1/shops/${ctx.shop.id}/groups`).then((x) => x.items || []).catch(() => [])]);
  const msg = status();
  const strategies = ["round_robin", "least_busy", "sticky"];
  const stratSel = (v, empty) => h("select", {}, empty ? h("option", { value: "" }, t("a.route.inherit")) : null,
    strategies.map((s) => h("option", { value: s, selected: v === s }, t("d.reason." + s))));
  const groupSel = (v) => h("select", {}, h("option", { value: "0" }, t("a.route.no_group")), groups.map((g) => h("option", { value: g.id, selected: g.id === v }, g.name)));
  const rows = groups.map((g) => {
    const gr = (r.groups || []).find((x) => x.group_id === g.id) || { group_id: g.id, categories: [], intents: [] };
    const cats = (categories || []).map((c) => h("label", { class: "day" }, h("input", { type: "checkbox", value: c, checked: (gr.categories || []).includes(c) }), t("a.cat." + c) === "a.cat." + c ? c : t("a.cat." + c)));
    const intents = h("input", { value: (gr.intents || []).join(", "), placeholder: "complaint" });
    const strat = stratSel(gr.strategy || "", true);
    return { el: h("div", { class: "answer" }, h("b", {}, g.name), h("div", {}, cats), h("div", { class: "row2" }, field(t("a.route.intents"), intents), field(t("a.route.strategy"), strat))),
      get: () => ({ group_id: g.id, categories: cats.map((c) => c.querySelector("input")).filter((c) => c.checked).map((c) => c.value), intents: list(intents.value), strategy: strat.value || undefined }) };
  });
  const def = groupSel(r.default_group);
  const strat = stratSel(r.strategy, false);
  const esc = h("input", { type: "number", min: 0, value: r.escalate_minutes });
  const fb = groupSel(r.fallback_group);
  const silent = h("input", { type: "number", min: 0, value: r.agent_silent_minutes });
  const idle = h("input", { type: "number", min: 0, value: r.idle_close_minutes });
  fill(main, h("h2", {}, t("a.s.routing")), h("p", { class: "muted" }, t("a.route.intro")),
    h("form", { class: "form", on: { submit: async (ev) => {
      ev.preventDefault();
      const body = { ...r, groups: rows.map((x) => x.get()).filter((g) => g.categories.length || g.intents.length),
        default_group: Number(def.value), strategy: strat.value, escalate_minutes: Number(esc.value), fallback_group: Number(fb.value),
        agent_silent_minutes: Number(silent.value), idle_close_minutes: Number(idle.value) };
      try { await api("PUT", url, body); msg.ok(t("a.saved")); } catch (e) { msg.fail(e); }
    } } },
      rows.map((x) => x.el),
      h("div", { class: "row2" }, field(t("a.route.default_group"), def), field(t("a.route.strategy"), strat)),
      h("div", { class: "row2" }, field(t("a.route.escalate"), esc), field(t("a.route.fallback"), fb)),
      h("div", { class: "row2" }, field(t("a.route.silent"), silent), field(t("a.route.idle"), idle)),
      h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, t("a.save"))), msg));
}
