// The buyer chat (/chat/{shop}, also inside the widget's frame). It talks
// to /ws/buyer: hello → welcome + the messages not seen yet → live frames.
// What the buyer has seen (token, conversation, last sequence number,
// messages) and what is not yet acknowledged are kept in localStorage, so
// history survives page loads, and a reconnect resumes from the last
// sequence number and resends unacknowledged messages under their client
// ids: nothing is lost and nothing is shown twice.
import { h, fill, $, clientID } from "../common/dom.js";
import { load, t, switcher } from "../common/i18n.js";
import { Live } from "../common/socket.js";
import { renderMessage } from "./render.js";
import { emojiPicker } from "./emoji.js";

await load();

const shop = decodeURIComponent(location.pathname.split("/")[2] || "");
const params = new URLSearchParams(location.search.slice(1) + "&" + location.hash.slice(1));
const buyer = params.get("buyer") ? { id: params.get("buyer"), nickname: params.get("nick") || "", signature: params.get("sig") || "" } : null;
const product = params.get("product") ? { id: params.get("product"), title: params.get("product_title") || "", image: params.get("product_image") || "" } : null;
const embedded = params.get("embed") === "1";
const storeKey = `xiaoer.chat.${shop}.${buyer ? "b:" + buyer.id : "visitor"}`;
const MAX_KEPT = 200;
// MAX_IMAGE is the largest image the server takes (docs/api.md).
const MAX_IMAGE = 5 << 20;

const log = $("#log");
const list = h("div", { class: "list" });
const pendingList = h("div", { class: "pending" });
fill(log, list, pendingList);

let state = restore();
const seen = new Set();
let owner = "";
let live = null;
let stopped = false;
let typingTimer = 0;
let lastTypingSent = 0;
let rateClientID = "";

function restore() {
  try {
    const s = JSON.parse(localStorage.getItem(storeKey) || "null");
    if (s && Array.isArray(s.msgs)) return { token: "", conv: 0, seq: 0, pending: [], rated: {}, ...s };
  } catch { /* fresh start */ }
  return { token: "", conv: 0, seq: 0, msgs: [], pending: [], rated: {} };
}

function save() {
  if (state.msgs.length > MAX_KEPT) state.msgs = state.msgs.slice(-MAX_KEPT);
  try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch { /* full or blocked */ }
}

// --- showing messages ---------------------------------------------------

function atBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 60; }
function scrollDown() { log.scrollTop = log.scrollHeight; }

function show(m) {
  const stick = atBottom();
  list.appendChild(renderMessage(m, { mine: m.sender === "buyer", tap: sendText }));
  if (stick || m.sender === "buyer") scrollDown();
}

// accept takes a message from the server once, by conversation and seq.
function accept(m) {
  const key = m.conversation_id + ":" + m.seq;
  if (seen.has(key)) return;
  seen.add(key);
  if (m.client_id) dropPending(m.client_id);
  if (m.conversation_id === state.conv) state.seq = Math.max(state.seq, m.seq);
  state.msgs.push(m);
  save();
  show(m);
  if (m.sender !== "buyer" && embedded) parent.postMessage({ xiaoer: "message" }, "*");
  if (m.meta && m.meta.invite === "rating" && m.conversation_id === state.conv && !state.rated[state.conv]) showRating();
}

function dropPending(id) {
  const before = state.pending.length;
  state.pending = state.pending.filter((p) => p.client_id !== id);
  const row = pendingList.querySelector(`[data-client="${CSS.escape(id)}"]`);
  if (row) row.remove();
  if (before !== state.pending.length) save();
}

function showPending(p) {
  const row = renderMessage({ sender: "buyer", kind: p.kind, body: p.body, created_at: p.at }, { mine: true, pending: true });
  row.dataset.client = p.client_id;
  pendingList.appendChild(row);
  scrollDown();
}

for (const m of state.msgs) {
  seen.add(m.conversation_id + ":" + m.seq);
  list.appendChild(renderMessage(m, { mine: m.sender === "buyer", tap: sendText }));
}
for (const p of state.pending) showPending(p);
requestAnimationFrame(scrollDown);

// --- sending --------------------------------------------------------------

function sendText(text) {
  text = String(text || "").trim();
  if (!text) return;
  post("text", text);
}

function post(kind, body) {
  const p = { client_id: clientID(), kind, body, at: new Date().toISOString() };
  state.pending.push(p);
  save();
  showPending(p);
  if (live) live.send({ type: "send", client_id: p.client_id, kind, body });
  setTyping(false);
}

function resendPending() {
  for (const p of state.pending) live.send({ type: "send", client_id: p.client_id, kind: p.kind, body: p.body });
}

function setTyping(on) {
  if (!live || !live.open) return;
  const now = Date.now();
  if (on && now - lastTypingSent < 3000) return;
  lastTypingSent = on ? now : 0;
  live.send({ type: "typing", typing: on });
}

// --- state of the conversation -------------------------------------------

function notice(text, cls = "") {
  const el = $("#notice");
  el.className = "notice " + cls + (text ? "" : " hidden");
  el.textContent = text || "";
}

let queueText = "";
let queuePos = 0;
function setOwner(o, extra = {}, announce = true) {
  const was = owner;
  owner = o;
  queueText = "";
  if (o === "queue") {
    const pos = extra.queue_position ?? extra.position ?? queuePos;
    queueText = pos ? t("w.queue_pos", { n: pos }) : t("w.queue");
  }
  if (o === "agent" && was && was !== "agent" && announce) sysLine(t("w.agent_joined"));
  if (o === "bot" && was === "agent" && announce) sysLine(t("w.back_to_bot"));
  refreshNotice();
  if (o === "closed" && !state.rated[state.conv]) showRating();
  else if (o !== "closed") $("#rating").classList.add("hidden");
}

function sysLine(text) {
  list.appendChild(h("div", { class: "sys" }, h("span", {}, text)));
  scrollDown();
}

let connState = "connecting";
function refreshNotice() {
  if (connState === "offline") notice(navigator.onLine ? t("w.reconnecting") : t("w.offline"), "offline");
  else notice(queueText);
}

function setConn(s) {
  connState = s;
  $("#dot").className = "dot " + s;
  $("#status-text").textContent = t(s === "online" ? "w.online" : s === "offline" ? "w.offline_short" : "w.connecting");
  refreshNotice();
}

// --- rating -----------------------------------------------------------------

function showRating() {
  const box = $("#rating");
  if (!box.classList.contains("hidden") && box.dataset.conv === String(state.conv)) return;
  box.dataset.conv = String(state.conv);
  let score = 0;
  const stars = [1, 2, 3, 4, 5].map((n) => h("button", { type: "button", "aria-label": t("w.stars", { n }), dataset: { score: n },
    on: { click: () => { score = n; stars.forEach((s, i) => s.classList.toggle("on", i < n)); submit.disabled = false; } } }, "★"));
  const comment = h("textarea", { rows: 2, maxlength: 500, placeholder: t("w.rate_comment") });
  const status = h("div", { class: "muted" });
  const submit = h("button", { class: "primary", type: "button", disabled: true, on: { click: () => {
    rateClientID = clientID();
    status.textContent = t("w.rate_sending");
    live.send({ type: "rate", client_id: rateClientID, conversation_id: state.conv, rating: score, score, comment: comment.value.trim() });
  } } }, t("w.rate_submit"));
  fill(box, h("div", {}, t("w.rate_title")), h("div", { class: "stars" }, stars), comment, h("div", { class: "rate-actions" }, submit), status);
  box.classList.remove("hidden");
}

function rated() {
  state.rated[state.conv] = true;
  save();
  fill($("#rating"), h("div", { class: "ok-text" }, t("w.rate_thanks")));
  setTimeout(() => $("#rating").classList.add("hidden"), 4000);
}

// --- the socket -------------------------------------------------------------

function hello() {
  const f = { type: "hello", shop, conversation_id: state.conv || undefined, last_seq: state.seq || undefined };
  if (buyer) f.buyer = buyer;
  else if (state.token) f.visitor_token = state.token;
  if (product) f.context = { product_id: product.id };
  live.send(f);
}

function onFrame(f) {
  switch (f.type) {
    case "welcome": {
      if (f.visitor_token) state.token = f.visitor_token;
      if (f.shop && f.shop.name) $("#shop-name").textContent = f.shop.name;
      const c = f.conversation;
      if (!c) {
        if (state.conv) { state.conv = 0; state.seq = 0; }
      } else if (c.id !== state.conv) {
        state.conv = c.id;
        state.seq = 0;
      }
      save();
      setOwner(c ? c.owner : "", c || {}, false);
      resendPending();
      break;
    }
    case "conversation":
      if (f.conversation_id !== state.conv) { state.conv = f.conversation_id; state.seq = 0; save(); }
      setOwner(f.owner, f);
      break;
    case "message":
      accept(f.message);
      break;
    case "ack":
      if (f.message) accept(f.message);
      if (f.client_id === rateClientID) rated();
      break;
    case "rated":
      rated();
      break;
    case "queue":
      if (f.conversation_id === state.conv && owner === "queue") { queuePos = f.position; setOwner("queue", { queue_position: f.position }, false); }
      break;
    case "typing":
      $("#typing").classList.toggle("on", !!f.typing);
      clearTimeout(typingTimer);
      if (f.typing) typingTimer = setTimeout(() => $("#typing").classList.remove("on"), 8000);
      break;
    case "error":
      onError(f);
      break;
  }
}

function onError(f) {
  if (f.code === "unknown_shop" || f.code === "bad_identity") {
    stopped = true;
    live.stop();
    notice(t(f.code === "unknown_shop" ? "w.no_shop" : "w.bad_identity"), "offline");
    return;
  }
  if (f.client_id && f.client_id === rateClientID) {
    if (f.code === "already_rated") rated();
    else fill($("#rating"), h("div", { class: "err" }, t("w.rate_failed")));
    return;
  }
  if (!f.client_id) return;
  // Worth a resend later: the server was busy or restarting.
  if (["rate_limited", "shutting_down", "internal"].includes(f.code)) {
    setTimeout(() => { if (live.open) resendPending(); }, 1500);
    return;
  }
  const row = pendingList.querySelector(`[data-client="${CSS.escape(f.client_id)}"]`);
  if (row) {
    row.classList.add("failed");
    row.appendChild(h("div", { class: "state err" }, t("w.send_failed")));
  }
  state.pending = state.pending.filter((p) => p.client_id !== f.client_id);
  save();
}

// --- wiring -------------------------------------------------------------------

if (product) {
  const box = $("#product");
  fill(box, product.image ? h("img", { src: product.image, alt: "" }) : null,
    h("div", {}, h("div", { class: "muted" }, t("w.viewing")), h("div", {}, product.title || product.id)));
  box.classList.remove("hidden");
}
$("#lang").appendChild(switcher());
if (embedded) {
  $("#close").classList.remove("hidden");
  $("#close").addEventListener("click", () => parent.postMessage({ xiaoer: "close" }, "*"));
}
const text = $("#text");
$("#form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sendText(text.value);
  text.value = "";
  text.style.height = "";
});
text.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    $("#form").requestSubmit();
  }
});
text.addEventListener("input", () => {
  text.style.height = "";
  text.style.height = Math.min(120, text.scrollHeight) + "px";
  setTyping(text.value.length > 0);
});
text.addEventListener("blur", () => setTyping(false));
$("#human").addEventListener("click", () => sendText(t("w.human_text")));
$("#emoji-btn").addEventListener("click", () => $("#emoji").classList.toggle("hidden"));
emojiPicker($("#emoji"), (e) => { text.value += e; text.focus(); });
$("#image").addEventListener("change", async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = "";
  if (!file) return;
  if (file.size > MAX_IMAGE) {
    sysLine(t("w.upload_too_large"));
    return;
  }
  try {
    post("image", await upload(file));
  } catch (e) {
    sysLine(e.text || t("w.upload_failed"));
  }
});

// upload sends an image and returns its URL; a refusal is an Error whose
// text says why in the buyer's language.
async function upload(file) {
  const headers = { "Content-Type": file.type };
  if (buyer) { headers["X-Buyer-Id"] = buyer.id; headers["X-Buyer-Signature"] = buyer.signature; }
  else headers["X-Visitor-Token"] = state.token;
  const res = await fetch(`/chat/${encodeURIComponent(shop)}/uploads`, { method: "POST", headers, body: file });
  if (res.ok) return (await res.json()).url;
  const err = new Error("upload " + res.status);
  if (res.status === 413) err.text = t("w.upload_too_large");
  if (res.status === 429) {
    const mins = Math.max(1, Math.ceil(Number(res.headers.get("Retry-After") || 60) / 60));
    err.text = t("w.upload_limit", { n: mins });
  }
  throw err;
}

live = new Live("/ws/buyer", { open: hello, frame: onFrame, state: setConn });
if (!stopped) live.start();
// For the browser tests and for debugging: what the widget believes.
window.xiaoerChat = { get state() { return state; }, get owner() { return owner; }, get conn() { return connState; } };
