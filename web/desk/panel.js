// The buyer panel beside the chat: what the bot did, the buyer's profile
// and tags, orders with status and logistics, cart, favourites, coupons and
// reviews, all from one call (GET .../conversations/{id}/panel). The phone
// is masked; revealing it is its own audited call, for roles allowed to.
import { h, fill, money, day, clock } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { api } from "../common/api.js";

// showPanel loads and draws the panel of conversation id into box.
export async function showPanel(box, shopID, id, canReveal) {
  fill(box, h("p", { class: "muted pad" }, t("d.loading")));
  let p;
  try {
    p = await api("GET", `/api/v1/shops/${shopID}/conversations/${id}/panel`);
  } catch (e) {
    fill(box, h("section", {}, h("p", { class: "muted" }, e.status === 403 ? t("d.panel_forbidden") : e.message)));
    return null;
  }
  const b = p.buyer || {};
  const phone = h("span", { class: "phone" }, b.phone || "—");
  const reveal = b.phone && b.phone_masked && (p.can_reveal_phone || canReveal)
    ? h("button", { type: "button", class: "link", on: { click: async () => {
      try {
        const r = await api("POST", `/api/v1/shops/${shopID}/buyers/${b.id}/phone`);
        phone.textContent = r.phone || phone.textContent;
        reveal.remove();
      } catch (e) { phone.textContent += " (" + e.message + ")"; }
    } } }, t("d.reveal")) : null;
  const s = p.summary || {};
  fill(box,
    s.handoff_reason || s.bot_replies ? h("section", { class: "summary" }, h("h3", {}, t("d.p.summary")),
      h("div", {}, t("d.p.summary_text", { buyer: s.buyer_messages || 0, bot: s.bot_replies || 0 })),
      s.handoff_reason ? h("div", {}, t("d.p.handoff") + "：", h("b", {}, reasonText(s.handoff_reason))) : null,
      s.last_buyer_text ? h("div", { class: "muted" }, t("d.p.last_ask") + "：" + s.last_buyer_text) : null) : null,
    h("section", { class: "profile" }, h("h3", {}, t("d.p.buyer")),
      h("dl", { class: "kv" },
        h("dt", {}, t("d.p.nick")), h("dd", {}, b.nickname || t("d.visitor"), " ", b.verified ? h("span", { class: "tag green" }, t("d.verified")) : h("span", { class: "tag grey" }, t("d.anonymous"))),
        b.account ? [h("dt", {}, t("d.p.account")), h("dd", {}, b.account)] : null,
        h("dt", {}, t("d.p.phone")), h("dd", {}, phone, " ", reveal),
        b.level_label || b.level ? [h("dt", {}, t("d.p.level")), h("dd", {}, b.level_label || b.level)] : null,
        b.province || b.city ? [h("dt", {}, t("d.p.region")), h("dd", {}, [b.province, b.city].filter(Boolean).join(" "))] : null,
        day(b.first_seen) ? [h("dt", {}, t("d.p.first_seen")), h("dd", {}, day(b.first_seen))] : null),
      h("div", { class: "tags" }, (b.tags || []).map((tg) => h("span", { class: "tag" + (tg.custom ? " blue" : "") }, tg.label || tg.code)))),
    list(t("d.p.orders"), p.orders, orderNode),
    list(t("d.p.cart"), p.cart, (c) => h("div", { class: "item" }, h("span", {}, c.title || c.product_id, c.spec ? " · " + c.spec : "", " ×" + c.qty), h("span", {}, money(c.price_fen)))),
    list(t("d.p.favourites"), p.favourites, (f) => h("div", { class: "item" }, h("span", {}, f.title || f.product_id), h("span", {}, money(f.price_fen)))),
    list(t("d.p.coupons"), p.coupons, (c) => h("div", { class: "item" }, h("span", {}, c.title, " ", h("span", { class: "tag grey" }, c.state_label || c.state)), h("span", {}, money(c.amount_fen)))),
    list(t("d.p.reviews"), p.reviews, (r) => h("div", { class: "item" }, h("span", {}, "★".repeat(r.rating || 0), " ", r.text || ""), h("span", { class: "muted" }, day(r.created_at)))));
  return p;
}

function list(title, items, node) {
  items = items || [];
  return h("section", {}, h("h3", {}, `${title} (${items.length})`), items.length ? items.map(node) : h("div", { class: "muted" }, t("d.none")));
}

function orderNode(o) {
  const lg = o.logistics || [];
  const latest = o.latest_logistics;
  return h("div", { class: "order" },
    h("div", { class: "hd" }, h("span", {}, o.order_id), h("span", { class: "tag" }, o.status_label || o.status)),
    (o.items || []).map((it) => h("div", { class: "item" }, h("span", {}, it.title, it.spec ? " · " + it.spec : "", " ×" + it.qty), h("span", {}, money(it.price_fen)))),
    h("div", { class: "item" }, h("span", { class: "muted" }, day(o.created_at)), h("b", {}, money(o.total_fen))),
    o.refund_label ? h("div", {}, h("span", { class: "tag red" }, o.refund_label)) : null,
    o.carrier || o.tracking_no ? h("div", { class: "lg" }, [o.carrier, o.tracking_no].filter(Boolean).join(" ")) : null,
    latest ? h("div", { class: "lg" }, clock(latest.at) + " " + latest.text) : null,
    lg.length > 1 ? h("details", {}, h("summary", {}, t("d.p.all_logistics", { n: lg.length })),
      h("ol", {}, lg.slice().reverse().map((e) => h("li", {}, clock(e.at) + " " + e.text + (e.location ? " · " + e.location : ""))))) : null);
}

// reasonText names a handoff reason in the agent's language when known.
export function reasonText(r) {
  // A transfer carries its note ("assigned: <note>"), an automatic
  // assignment its strategy ("auto:round_robin").
  const i = r.indexOf(":");
  if (i > 0) return reasonText(r.slice(0, i)) + "：" + reasonText(r.slice(i + 1).trim());
  const k = "d.reason." + r;
  const s = t(k);
  return s === k ? r : s;
}
