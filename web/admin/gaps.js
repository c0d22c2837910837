// The knowledge-gap loop (/admin#gaps): the questions the bot could not
// answer, grouped by meaning and ranked by how many buyers asked, each with
// a FAQ draft whose answer comes from what agents replied. An admin edits
// and approves a draft (it is live at once) or dismisses it. The questions
// are kept for the shop's retention (stats settings); drafts stay.
import { h, fill } from "../common/dom.js";
import { api } from "../common/api.js";
import { loadTexts, st } from "./stats-text.js";

const base = (ctx) => `/api/v1/shops/${ctx.shop.id}/stats/gaps`;

export async function gaps(main, ctx, status = "open") {
  await loadTexts();
  if (!["open", "approved", "dismissed"].includes(status)) status = "open";
  const list = h("div", {});
  const msg = h("p", { class: "err", role: "status" });
  const tabs = ["open", "approved", "dismissed"].map((s) =>
    h("button", { type: "button", class: s === status ? "primary" : "", on: { click: () => ctx.go("gaps/" + s) } }, st("g.status." + s)));
  const refresh = h("button", { type: "button", on: { click: async () => {
    refresh.disabled = true;
    try { show(list, ctx, (await api("POST", base(ctx) + "/refresh")).items || [], msg); } catch (e) { msg.textContent = e.message; }
    refresh.disabled = false;
  } } }, st("g.refresh"));
  const retention = h("div", {});
  fill(main, h("h2", {}, st("g.title")), h("p", { class: "muted" }, st("g.intro")), retention,
    h("div", { class: "bar-row" }, tabs, status === "open" ? refresh : null), msg, list);
  keep(retention, ctx, msg).catch((e) => { msg.textContent = e.message; });
  const res = await api("GET", `${base(ctx)}?status=${status}`);
  show(list, ctx, res.items || [], msg);
}

// keep says how long unanswered questions are kept; a member who manages
// the shop's settings can change it.
async function keep(el, ctx, msg) {
  const url = `/api/v1/shops/${ctx.shop.id}/stats/settings`;
  const set = await api("GET", url);
  const text = h("span", { class: "muted keep-text" }, st("g.keep", { n: set.unanswered_days }));
  if (!ctx.perms.has("settings.manage")) {
    fill(el, h("p", {}, text));
    return;
  }
  const days = h("input", { type: "number", min: "30", max: "3650", value: String(set.unanswered_days), class: "keep-days" });
  const save = h("button", { type: "button", on: { click: async () => {
    try {
      const saved = await api("PUT", url, { unanswered_days: Number(days.value) });
      text.textContent = st("g.keep", { n: saved.unanswered_days });
      msg.textContent = "";
    } catch (e) { msg.textContent = e.message; }
  } } }, st("g.keep_save"));
  fill(el, h("div", { class: "bar-row" }, text, h("label", {}, st("g.keep_days") + " ", days), save));
}

function show(list, ctx, items, msg) {
  if (!items.length) {
    fill(list, h("p", { class: "muted" }, st("g.empty")));
    return;
  }
  fill(list, items.map((g) => card(ctx, g, msg)));
}

// card is one draft: what buyers asked, why, and the editable FAQ.
function card(ctx, g, msg) {
  const d = g.draft || {};
  const why = Object.entries(d.why || {}).map(([k, n]) => `${st("g.why." + k)} ${n}`).join(" · ");
  const head = h("div", { class: "head" },
    h("span", { class: "tag " + (g.kind === "similar" ? "blue" : "") }, st("g.kind." + g.kind)),
    h("span", { class: "q" }, d.question || ""),
    h("span", { class: "muted" }, st("g.buyers", { n: g.buyers }) + " · " + st("g.asks", { n: g.asks })),
    why ? h("span", { class: "muted" }, st("g.why") + ": " + why) : null);
  const examples = h("div", {}, h("div", { class: "muted" }, st("g.examples")),
    h("ul", {}, (d.examples || []).map((e) => h("li", {}, `${e.text} ×${e.count}`))));
  if (g.status !== "open") {
    return h("div", { class: "gap" }, head, examples,
      h("p", { class: "ok-text" }, g.status === "approved" ? st("g.approved", { id: g.faq_id }) : st("g.dismissed")));
  }
  const question = h("input", { value: d.question || "", disabled: g.kind === "similar" });
  const similar = h("textarea", { rows: Math.min(8, (d.similar || []).length + 1) }, (d.similar || []).join("\n"));
  const answer = h("textarea", { rows: 3 }, d.answer || "");
  const replies = (d.answers || []).length ? h("div", {}, h("div", { class: "muted" }, st("g.answers")),
    h("ul", {}, d.answers.map((a) => h("li", {}, h("button", { type: "button", class: "link", on: { click: () => { answer.value = a; } } }, a))))) : null;
  const fields = g.kind === "similar"
    ? [h("p", {}, st("g.faq", { q: d.faq_question || "" }) + " (" + st("g.closeness", { n: d.closeness }) + ")"), label(st("g.similar"), similar)]
    : [label(st("g.question"), question), label(st("g.similar"), similar), label(st("g.answer"), answer), replies];
  const el = h("div", { class: "gap form" }, head, examples, fields);
  const decide = async (action, body) => {
    try {
      const res = await api("POST", `${base(ctx)}/${g.id}/${action}`, body);
      el.replaceWith(card(ctx, action === "approve" ? res.gap : res, msg));
    } catch (e) { msg.textContent = e.message; }
  };
  el.appendChild(h("div", { class: "actions" },
    h("button", { type: "button", class: "primary", on: { click: () => decide("approve", {
      question: question.value, answer: answer.value,
      similar: similar.value.split("\n").map((s) => s.trim()).filter(Boolean) }) } }, st("g.approve")),
    h("button", { type: "button", class: "danger", on: { click: () => decide("dismiss") } }, st("g.dismiss"))));
  return el;
}

function label(text, input) {
  return h("label", {}, h("span", {}, text), input);
}
