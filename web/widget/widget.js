/*
 * xiaoer buyer widget: one tag on any page of the shop's site.
 *
 *   <script src="https://YOUR-XIAOER/widget.js" data-shop="demo" async></script>
 *
 * Optional attributes: data-buyer-id, data-buyer-nick and data-signature
 * (hex HMAC-SHA256 of the buyer id with the shop's identity secret, made by
 * the merchant's server) for a verified buyer; data-product,
 * data-product-title and data-product-image for the product being viewed;
 * data-lang (zh-CN or en); data-open="1" to open at once.
 *
 * It adds a button and, when opened, a frame showing /chat/{shop}. Identity
 * goes in the frame's #fragment, which never reaches a server log.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__xiaoerWidget) return;
  window.__xiaoerWidget = true;
  var d = script.dataset;
  var origin = new URL(script.src, location.href).origin;
  var shop = d.shop || "";
  if (!shop) return;
  var zh = (d.lang || navigator.language || "zh").toLowerCase().indexOf("zh") === 0;
  var frag = new URLSearchParams();
  frag.set("embed", "1");
  if (d.buyerId) { frag.set("buyer", d.buyerId); frag.set("sig", d.signature || ""); if (d.buyerNick) frag.set("nick", d.buyerNick); }
  if (d.product) { frag.set("product", d.product); if (d.productTitle) frag.set("product_title", d.productTitle); if (d.productImage) frag.set("product_image", d.productImage); }
  if (d.lang) frag.set("lang", d.lang);

  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", zh ? "在线客服" : "Chat with us");
  button.textContent = zh ? "客服" : "Chat";
  css(button, { position: "fixed", right: "20px", bottom: "20px", zIndex: 2147483000, width: "56px", height: "56px",
    borderRadius: "50%", border: "0", background: "#ff5000", color: "#fff", fontSize: "15px", fontWeight: "600",
    boxShadow: "0 4px 14px rgba(0,0,0,.2)", cursor: "pointer" });
  var badge = document.createElement("span");
  css(badge, { position: "absolute", top: "-2px", right: "-2px", minWidth: "18px", height: "18px", borderRadius: "9px",
    background: "#d03050", color: "#fff", fontSize: "11px", lineHeight: "18px", display: "none" });
  button.appendChild(badge);

  var frame = null;
  var unread = 0;
  function place() {
    if (!frame) return;
    var phone = window.innerWidth < 600;
    css(frame, phone
      ? { right: "0", bottom: "0", width: "100%", height: "100%", borderRadius: "0" }
      : { right: "20px", bottom: "88px", width: "380px", height: "min(640px, calc(100vh - 110px))", borderRadius: "12px" });
  }
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = zh ? "在线客服" : "Customer service";
      frame.src = origin + "/chat/" + encodeURIComponent(shop) + "#" + frag.toString();
      frame.setAttribute("allow", "clipboard-write");
      css(frame, { position: "fixed", zIndex: 2147483001, border: "0", background: "#fff", boxShadow: "0 8px 30px rgba(0,0,0,.25)" });
      document.body.appendChild(frame);
    }
    place();
    frame.style.display = "block";
    unread = 0;
    badge.style.display = "none";
  }
  function close() { if (frame) frame.style.display = "none"; }
  button.addEventListener("click", function () { if (frame && frame.style.display !== "none") close(); else open(); });
  window.addEventListener("resize", place);
  window.addEventListener("message", function (ev) {
    if (ev.origin !== origin || !ev.data) return;
    if (ev.data.xiaoer === "close") close();
    if (ev.data.xiaoer === "message" && (!frame || frame.style.display === "none")) {
      unread++;
      badge.textContent = String(unread);
      badge.style.display = "block";
    }
  });
  function css(el, s) { for (var k in s) el.style[k] = s[k]; }
  function start() {
    document.body.appendChild(button);
    if (d.open === "1") open();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
