// How a message body is shown, the same in the buyer chat and the
// workbench: text, image, link, "did you mean" choices, order and product
// cards. Every value from a message goes in as text or a checked URL.
import { h, safeURL, money, clock } from "./dom.js";
import { t } from "./i18n.js";

// meta decodes a message's meta (an object already, or absent).
export function metaOf(m) {
  return m && m.meta && typeof m.meta === "object" ? m.meta : {};
}

// bodyNodes returns the content of a message's bubble. tap(text) is called
// when the reader taps a choice or a card; without it they do nothing.
export function bodyNodes(m, tap) {
  const meta = metaOf(m);
  const out = [];
  switch (m.kind) {
    case "image": {
      const src = safeURL(m.body);
      out.push(src ? h("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, h("img", { class: "pic", src, alt: t("c.image"), loading: "lazy", width: 180, height: 180 })) : m.body);
      break;
    }
    case "link": {
      const href = safeURL((meta.answer && meta.answer.url) || meta.url || "");
      out.push(href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, m.body || href) : m.body);
      break;
    }
    default:
      if (m.body) out.push(h("div", { class: "text" }, m.body));
  }
  const choices = Array.isArray(meta.choices) ? meta.choices : [];
  if (choices.length) {
    out.push(h("div", { class: "choices" }, choices.map((c) => h("button", { type: "button", class: "choice",
      on: { click: () => tap && tap(c.question || c.text || "") } }, c.question || c.text || ""))));
  }
  const cards = cardsOf(meta);
  if (cards.length) out.push(h("div", { class: "cards" }, cards.map((c) => cardNode(c, tap))));
  return out;
}

// cardsOf collects the cards a bot message carries, whatever the shape:
// meta.cards, meta.card, meta.orders, meta.products, or a product answer.
export function cardsOf(meta) {
  const cards = [];
  const add = (c, kind) => { if (c && typeof c === "object") cards.push({ kind: c.kind || c.type || kind, ...c }); };
  if (Array.isArray(meta.cards)) meta.cards.forEach((c) => add(c, "card"));
  add(meta.card, "card");
  if (Array.isArray(meta.orders)) meta.orders.forEach((c) => add(c, "order"));
  add(meta.order, "order");
  if (Array.isArray(meta.products)) meta.products.forEach((c) => add(c, "product"));
  add(meta.product, "product");
  if (meta.answer && meta.answer.type === "product") add({ product_id: meta.answer.product_id, title: meta.answer.title || meta.answer.text }, "product");
  return cards;
}

function cardNode(c, tap) {
  const orderNo = c.order_no || c.order_id || "";
  const isOrder = c.kind === "order" || orderNo;
  const img = safeURL(c.image || c.image_url || (c.items && c.items[0] && c.items[0].image) || "");
  const title = c.title || (c.items && c.items[0] && c.items[0].title) || (isOrder ? t("c.order") + " " + orderNo : c.product_id || "");
  const lines = [];
  if (isOrder) {
    if (orderNo) lines.push(h("div", { class: "s" }, t("c.order_no") + " " + orderNo + (c.created_at ? " · " + clock(c.created_at) : "")));
    const status = c.status_label || c.status;
    if (status) lines.push(h("div", { class: "s" }, h("span", { class: "tag" }, status)));
    const lg = c.logistics || {};
    const ev = lg.latest || (Array.isArray(lg.events) && lg.events[lg.events.length - 1]) || null;
    if (lg.carrier || lg.tracking_no) lines.push(h("div", { class: "s" }, [lg.carrier, lg.tracking_no].filter(Boolean).join(" ")));
    if (ev) lines.push(h("div", { class: "s logistics" }, [clock(ev.time || ev.at), ev.text || ev.description || ev.status].filter(Boolean).join(" ")));
    if (c.total) lines.push(h("div", { class: "price" }, c.total));
    else if (c.amount_fen || c.total_fen) lines.push(h("div", { class: "price" }, money(c.amount_fen || c.total_fen)));
  } else {
    if (c.spec) lines.push(h("div", { class: "s" }, c.spec));
    if (c.stock !== undefined) lines.push(h("div", { class: "s" }, t("c.stock", { n: c.stock })));
    if (c.price_fen) lines.push(h("div", { class: "price" }, money(c.price_fen)));
  }
  const inner = [img ? h("img", { src: img, alt: "", width: 56, height: 56 }) : null, h("div", {}, h("div", { class: "t" }, title), lines)];
  const pick = c.reply || (isOrder ? orderNo : title);
  return tap ? h("button", { type: "button", class: "pcard", on: { click: () => tap(pick) } }, inner) : h("div", { class: "pcard" }, inner);
}
