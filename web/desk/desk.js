// The agent workbench (/desk): log in, set a status, see conversations
// (mine, queue, all for supervisors) live over /ws/agent, chat with the
// buyer with the bot's history and reasons in view, and the buyer panel
// beside. Everything shown from the server goes in as text (dom.js).
import { h, fill, $, clock, since, clientID } from "../common/dom.js";
import { load, t, switcher, translate } from "../common/i18n.js";
import { api, me as getMe, logout } from "../common/api.js";
import { loginForm } from "../common/login.js";
import { Live } from "../common/socket.js";
import { Alerts } from "./alerts.js";
import { loadNotifyTexts, nt } from "../common/notify-text.js";
import { prefsForm } from "../common/notify-prefs.js";
import { Canned } from "./canned.js";
import { showPanel, reasonText } from "./panel.js";
import { messageRow } from "./message.js";

await load();
const root = $("#root");
let me = await getMe();
if (!me) me = await loginForm(root, t("d.login_title"));
if (!me.shops || me.shops.length === 0) {
  fill(root, h("p", { class: "boot" }, t("d.no_shop")));
  throw new Error("no shop");
}
let shopPick = "";
try { shopPick = localStorage.getItem("xiaoer.desk.shop") || ""; } catch { /* none */ }
// A push's link names its shop (?shop=) and conversation (#conversation=).
shopPick = new URLSearchParams(location.search).get("shop") || shopPick;
let linked = Number(new URLSearchParams(location.hash.slice(1)).get("conversation")) || 0;
const shop = me.shops.find((s) => String(s.id) === shopPick) || me.shops[0];
const perms = new Set(shop.permissions || []);
const myID = me.account.id;

root.replaceChildren($("#shell").content.cloneNode(true));
translate(root);
const desk = $(".desk");
$("#shop-name").textContent = shop.name;
$("#me-name").textContent = me.account.display_name || me.account.username;
$("#lang").appendChild(switcher());
if (perms.has("kb.manage") || perms.has("settings.manage") || perms.has("agents.manage") || perms.has("shopdata.manage")) $("#admin-link").classList.remove("hidden");
$("#logout").addEventListener("click", async () => { await logout(); location.reload(); });
if (perms.has("conversations.read_all")) $('[data-tab="all"]').classList.remove("hidden");

const alerts = new Alerts($("#alerts"));
// The agent's own notification preferences (docs/notifications.md): what
// the server alerts them of, with which sound, and what it pushes.
await loadNotifyTexts();
const prefsButton = h("button", { type: "button", id: "alert-prefs", title: nt("n.title.mine"), "aria-label": nt("n.title.mine") }, "⚙");
$("#alerts").after(prefsButton);
prefsButton.addEventListener("click", async () => {
  const path = `/api/v1/shops/${shop.id}/notifications/me`;
  let view;
  try { view = await api("GET", path); } catch (e) { alert(e.message); return; }
  const dlg = h("div", { class: "dialog" }, h("div", { class: "box wide" },
    h("h3", {}, nt("n.title.mine")),
    prefsForm(view, { save: (p) => api("PUT", path, p), reset: () => api("DELETE", path), tryTone: (name, v) => alerts.tone(name, v) }),
    h("div", { class: "btns" }, h("button", { type: "button", on: { click: () => dlg.remove() } }, t("d.cancel")))));
  document.body.appendChild(dlg);
});
const canned = new Canned(shop.id);

// --- status -------------------------------------------------------------------

async function setStatus(s) {
  try {
    await api("PUT", `/api/v1/shops/${shop.id}/status`, { status: s });
    $("#status").value = s;
    $("#status-dot").className = "sdot " + s;
    if ($("#conn").textContent === t("d.offline_dropped")) $("#conn").textContent = "";
  } catch (e) { alert(e.message); }
}
$("#status").addEventListener("change", (ev) => setStatus(ev.target.value));
// Logging in to the workbench puts an offline agent online, as Qianniu does.
await setStatus(shop.status && shop.status !== "offline" ? shop.status : "online");

// --- the conversation list ------------------------------------------------------

// convs holds what the workbench knows of each conversation it may see.
const convs = new Map();
let tab = "mine";
let current = null; // the open conversation's view state

function entry(c) {
  let e = convs.get(c.id);
  if (!e) {
    e = { c, buyer: null, preview: "", unread: 0, waitSince: null, loaded: false };
    convs.set(c.id, e);
  } else {
    e.c = c;
  }
  if (c.owner === "queue" && !e.waitSince) e.waitSince = c.updated_at;
  return e;
}

function inTab(e, name) {
  const c = e.c;
  if (name === "mine") return c.owner === "agent" && c.agent_id === myID;
  if (name === "queue") return c.owner === "queue";
  return c.owner !== "closed" || (current && current.id === c.id);
}

async function details(e) {
  if (e.loaded) return;
  e.loaded = true;
  try {
    const [d, ms] = await Promise.all([
      api("GET", `/api/v1/shops/${shop.id}/conversations/${e.c.id}`),
      api("GET", `/api/v1/shops/${shop.id}/conversations/${e.c.id}/messages?limit=1`)]);
    e.buyer = d.buyer;
    const last = (ms.items || ms.messages || [])[0];
    if (last && !e.preview) { e.preview = previewOf(last); if (last.sender === "buyer" && !e.waitSince) e.waitSince = last.created_at; }
    drawList();
  } catch { e.loaded = false; }
}

function previewOf(m) {
  if (m.kind === "image") return "[" + t("c.image") + "]";
  if (m.kind === "choices") return t("d.bot_choices");
  return (m.body || "").slice(0, 60);
}

function buyerName(e) {
  if (!e.buyer) return t("d.buyer_n", { n: e.c.buyer_id });
  return e.buyer.nickname || (e.buyer.verified ? t("d.buyer_n", { n: e.c.buyer_id }) : t("d.visitor_n", { n: e.c.buyer_id }));
}

function drawList() {
  const all = [...convs.values()];
  for (const name of ["mine", "queue", "all"]) {
    const n = all.filter((e) => inTab(e, name)).length;
    $(`[data-count="${name}"]`).textContent = n;
  }
  for (const b of document.querySelectorAll("[data-tab]")) b.classList.toggle("active", b.dataset.tab === tab);
  let items = all.filter((e) => inTab(e, tab));
  items.sort((a, b) => tab === "queue"
    ? (b.c.priority - a.c.priority) || (new Date(a.c.updated_at) - new Date(b.c.updated_at))
    : new Date(b.c.updated_at) - new Date(a.c.updated_at));
  const list = $("#list");
  if (!items.length) { fill(list, h("li", { class: "empty-li" }, t("d.list_empty"))); return; }
  fill(list, items.map((e) => {
    details(e);
    const name = buyerName(e);
    return h("li", { class: current && current.id === e.c.id ? "active" : "", dataset: { id: e.c.id }, on: { click: () => openConv(e.c.id) } },
      h("span", { class: "av" }, name.slice(0, 1)),
      h("span", { class: "nm" }, name),
      h("span", { class: "tm" }, e.waitSince ? h("span", { class: "wait", dataset: { since: e.waitSince } }, since(e.waitSince)) : clock(e.c.updated_at)),
      h("span", { class: "pv" }, ownerBadge(e.c), e.c.owner === "queue" && e.position ? h("span", { class: "tag grey" }, "#" + e.position) : null, e.preview),
      h("span", { class: "badge" }, e.unread ? String(e.unread) : ""));
  }));
}

function ownerBadge(c) {
  const cls = { bot: "tag", queue: "tag red", agent: "tag blue", closed: "tag grey" }[c.owner] || "tag";
  if (c.owner === "agent" && c.agent_id === myID) return null;
  return h("span", { class: cls }, t("d.owner." + c.owner));
}

// The waiting times tick without redrawing the list.
setInterval(() => {
  for (const el of document.querySelectorAll(".wait[data-since]")) {
    el.textContent = since(el.dataset.since);
    el.classList.toggle("long", Date.now() - new Date(el.dataset.since) > 3 * 60 * 1000);
  }
}, 1000);

for (const b of document.querySelectorAll("[data-tab]")) b.addEventListener("click", () => { tab = b.dataset.tab; drawList(); });

async function loadLists() {
  const views = ["mine", "queue"];
  if (perms.has("conversations.read_all")) views.push("all");
  for (const v of views) {
    try {
      const res = await api("GET", `/api/v1/shops/${shop.id}/conversations?view=${v}&limit=100`);
      for (const c of res.items || []) entry(c);
    } catch { /* shown as empty */ }
  }
  drawList();
}

// openLinked opens, once, the conversation a push linked to.
async function openLinked() {
  const id = linked;
  linked = 0;
  if (!id) return;
  if (!convs.has(id)) {
    try { const d = await api("GET", `/api/v1/shops/${shop.id}/conversations/${id}`); entry(d.conversation); } catch { return; }
  }
  openConv(id);
}

// --- the chat pane ------------------------------------------------------------------

function openConv(id) {
  const e = convs.get(id);
  if (!e) return;
  if (current && current.id !== id) live.send({ type: "unwatch", conversation_id: current.id });
  e.unread = 0;
  current = { id, seq: 0, seen: new Set(), pending: new Map(), lastBuyerSeq: 0 };
  desk.classList.add("open");
  desk.classList.remove("show-panel");
  drawChat(e);
  drawList();
  live.send({ type: "watch", conversation_id: id, last_seq: 0 });
  if (e.c.owner === "closed") setTimeout(() => loadRating(id), 500);
  showPanel($("#panel"), shop.id, id, perms.has("buyers.phone.reveal"));
  loadSuggestions(id);
  loadNote(id);
}

// loadRating shows the buyer's rating of a closed conversation.
async function loadRating(id) {
  try {
    const sv = await api("GET", `/api/v1/shops/${shop.id}/conversations/${id}/service`);
    if (sv.rating && current && current.id === id) sysLine(t("d.rated", { stars: "★".repeat(sv.rating) }) + (sv.rating_comment ? " " + sv.rating_comment : ""));
  } catch { /* no service view */ }
}

// loadNote shows why the conversation came to a person and the latest
// transfer note, above the messages.
async function loadNote(id) {
  try {
    const evs = (await api("GET", `/api/v1/shops/${shop.id}/conversations/${id}/events`)).items || [];
    const lines = evs.filter((e) => e.reason && (e.to === "queue" || e.to === "agent") && !["taken"].includes(e.reason))
      .slice(-2).map((e) => `${clock(e.created_at)} ${e.to === "queue" ? t("d.owner.queue") : e.agent_id === myID ? t("d.owner.mine") : t("d.owner.agent")} · ${reasonText(e.reason)}`);
    const box = $("#note");
    if (!box || !current || current.id !== id || !lines.length) return;
    fill(box, lines.map((l) => h("div", {}, l)));
    box.classList.remove("hidden");
  } catch { /* no events to show */ }
}

function canReply(c) { return c.owner === "agent" && c.agent_id === myID && perms.has("conversations.reply"); }

function drawChat(e) {
  const c = e.c;
  const acts = [];
  acts.push(h("button", { type: "button", class: "back", on: { click: () => desk.classList.remove("open") } }, "‹ " + t("d.back")));
  if (c.owner === "queue" && perms.has("conversations.reply")) acts.push(action("d.take", "primary", () => ownerCall("take")));
  if ((c.owner === "bot" || (c.owner === "agent" && c.agent_id !== myID)) && perms.has("conversations.assign")) acts.push(action("d.take_over", "", () => ownerCall("take")));
  if (c.owner === "agent" && (c.agent_id === myID || perms.has("conversations.assign")) && (perms.has("conversations.transfer") || perms.has("conversations.assign"))) acts.push(action("d.transfer", "", () => transferDialog(c)));
  if ((c.owner === "agent" || c.owner === "queue") && (perms.has("conversations.reply") || perms.has("conversations.assign"))) acts.push(action("d.to_bot", "", () => ownerCall("release")));
  if (c.owner !== "closed" && perms.has("conversations.close")) acts.push(action("d.close", "danger", () => { if (confirm(t("d.close_confirm"))) ownerCall("close"); }));
  acts.push(h("button", { type: "button", class: "back", on: { click: () => desk.classList.add("show-panel") } }, t("d.buyer_info") + " ›"));

  const text = h("textarea", { id: "reply", maxlength: 5000, placeholder: canReply(c) ? t("d.reply_ph") : t("d.reply_disabled"), disabled: !canReply(c) });
  const cannedBox = h("div", { class: "canned hidden" });
  const vars = { buyer: buyerName(e) };
  const openCanned = async (q) => {
    await canned.load(c.id);
    canned.picker(cannedBox, q, vars, (s) => {
      cannedBox.classList.add("hidden");
      if (s !== null) { text.value = s; }
      text.focus();
    });
  };
  text.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
  });
  text.addEventListener("input", () => {
    if (text.value.startsWith("/")) { openCanned(text.value.slice(1)); text.value = ""; }
    typing(true);
  });
  const file = h("input", { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" });
  file.addEventListener("change", async () => {
    const f = file.files[0];
    file.value = "";
    if (!f) return;
    try {
      const r = await api("POST", `/api/v1/shops/${shop.id}/uploads`, f, { "Content-Type": f.type });
      sendMessage("image", r.url);
    } catch (err) { sysLine(t("d.upload_failed") + " " + err.message); }
  });
  const send = () => {
    const body = text.value.trim();
    if (!body) return;
    text.value = "";
    sendMessage("text", body);
  };
  fill($("#chat"),
    h("div", { class: "chead" },
      h("div", {}, h("span", { class: "who" }, buyerName(e)), " ", e.buyer && e.buyer.verified ? h("span", { class: "tag green" }, t("d.verified")) : null,
        " ", h("span", { class: "tag grey", id: "owner-tag" }, ownerText(c))),
      h("div", { class: "acts" }, acts)),
    h("div", { class: "note hidden", id: "note" }),
    h("div", { class: "msgs", id: "msgs" }),
    h("div", { class: "typing", id: "ctyping" }, t("d.buyer_typing")),
    h("div", { class: "suggest", id: "suggest" }, h("span", { class: "lbl" }, t("d.suggest"))),
    h("div", { class: "composer" }, cannedBox,
      h("div", { class: "tools" },
        h("button", { type: "button", disabled: !canReply(c), on: { click: () => openCanned("") } }, t("d.canned")),
        h("label", { class: "file" + (canReply(c) ? "" : " hidden") }, t("d.image"), file),
        h("span", { class: "muted" }, t("d.canned_hint"))),
      text,
      h("div", { class: "send-row" }, h("span", { class: "muted", id: "send-err" }),
        h("button", { type: "button", class: "primary", disabled: !canReply(c), on: { click: send } }, t("d.send")))));
}

function ownerText(c) {
  if (c.owner === "agent") return c.agent_id === myID ? t("d.owner.mine") : t("d.owner.agent");
  return t("d.owner." + c.owner);
}

function action(key, cls, fn) { return h("button", { type: "button", class: cls, on: { click: fn } }, t(key)); }

async function ownerCall(what, body) {
  try {
    const res = await api("POST", `/api/v1/shops/${shop.id}/conversations/${current.id}/${what}`, body || {});
    const c = res.conversation || res;
    if (c && c.id) { entry(c); redrawCurrent(); drawList(); }
  } catch (e) {
    // A code the workbench has words for (at_capacity) is said in the
    // agent's language; anything else as the server put it.
    const k = "d.err." + e.code;
    alert(e.code && t(k) !== k ? t(k) : e.message);
  }
}

function redrawCurrent() {
  if (!current) return;
  const e = convs.get(current.id);
  const keep = $("#msgs");
  const suggest = $("#suggest");
  const note = $("#note");
  drawChat(e);
  $("#msgs").replaceWith(keep);
  $("#suggest").replaceWith(suggest);
  $("#note").replaceWith(note);
}

async function transferDialog(c) {
  let members = [];
  let groups = [];
  try {
    [members, groups] = await Promise.all([
      api("GET", `/api/v1/shops/${shop.id}/members`).then((r) => r.items || []),
      api("GET", `/api/v1/shops/${shop.id}/groups`).then((r) => r.items || []).catch(() => [])]);
  } catch (e) { alert(e.message); return; }
  const sel = h("select", {},
    h("optgroup", { label: t("d.transfer_agents") }, members.filter((m) => m.account.id !== c.agent_id).map((m) =>
      h("option", { value: "a:" + m.account.id }, `${m.account.display_name || m.account.username} · ${t("d.st." + (m.status || "offline"))}`))),
    groups.length ? h("optgroup", { label: t("d.transfer_groups") }, groups.map((g) => h("option", { value: "g:" + g.id }, g.name))) : null);
  const note = h("textarea", { rows: 3, maxlength: 500, placeholder: t("d.transfer_note") });
  const dlg = h("div", { class: "dialog" }, h("div", { class: "box" },
    h("h3", {}, t("d.transfer")),
    h("label", {}, h("span", {}, t("d.transfer_to")), sel),
    h("label", {}, h("span", {}, t("d.note")), note),
    h("div", { class: "btns" },
      h("button", { type: "button", on: { click: () => dlg.remove() } }, t("d.cancel")),
      h("button", { type: "button", class: "primary", on: { click: async () => {
        const [kind, id] = sel.value.split(":");
        const body = { note: note.value.trim(), [kind === "g" ? "group_id" : "agent_id"]: Number(id) };
        await ownerCall("transfer", body);
        dlg.remove();
      } } }, t("d.transfer")))));
  document.body.appendChild(dlg);
}

function sysLine(text) {
  const box = $("#msgs");
  if (!box) return;
  box.appendChild(h("div", { class: "sys" }, h("span", {}, text)));
  box.scrollTop = box.scrollHeight;
}

function showMessage(m) {
  if (!current || m.conversation_id !== current.id || current.seen.has(m.seq)) return;
  current.seen.add(m.seq);
  current.seq = Math.max(current.seq, m.seq);
  const box = $("#msgs");
  const stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  if (m.client_id && current.pending.has(m.client_id)) { current.pending.get(m.client_id).remove(); current.pending.delete(m.client_id); }
  box.appendChild(messageRow(m, myID));
  if (stick || m.sender !== "buyer") box.scrollTop = box.scrollHeight;
  if (m.sender === "buyer") {
    current.lastBuyerSeq = m.seq;
    if (!document.hidden) live.send({ type: "read", conversation_id: m.conversation_id, seq: m.seq });
  }
}

function sendMessage(kind, body) {
  if (!current) return;
  const id = clientID();
  const row = messageRow({ sender: "agent", sender_id: myID, kind, body, created_at: new Date().toISOString() }, myID);
  row.classList.add("pending");
  current.pending.set(id, row);
  $("#msgs").appendChild(row);
  $("#msgs").scrollTop = $("#msgs").scrollHeight;
  $("#send-err").textContent = "";
  typing(false);
  if (!live.send({ type: "send", conversation_id: current.id, client_id: id, kind, body })) {
    $("#send-err").textContent = t("d.offline");
  }
}

let typingSent = 0;
function typing(on) {
  if (!current || !live.open) return;
  if (on && Date.now() - typingSent < 3000) return;
  typingSent = on ? Date.now() : 0;
  live.send({ type: "typing", conversation_id: current.id, typing: on });
}

function showSuggestions(items) {
  const box = $("#suggest");
  if (!box) return;
  const c = convs.get(current.id).c;
  fill(box, h("span", { class: "lbl" }, t("d.suggest")), (items || []).slice(0, 5).map((s) =>
    h("button", { type: "button", title: s.answer, disabled: !canReply(c), on: { click: () => sendMessage("text", s.answer) } }, s.answer)));
}

async function loadSuggestions(id) {
  if (!perms.has("conversations.reply")) return;
  try {
    const r = await api("GET", `/api/v1/shops/${shop.id}/conversations/${id}/suggestions`);
    if (current && current.id === id) showSuggestions(r.suggestions || r.items || []);
  } catch { /* none yet */ }
}

// --- the socket ------------------------------------------------------------------------

function onFrame(f) {
  switch (f.type) {
    case "welcome":
      // A reconnect past the grace period finds the agent set offline by
      // the server (docs/bot.md, "Presence"): say so; going online again
      // is the agent's choice.
      if (f.status === "offline" && $("#status").value !== "offline") $("#conn").textContent = t("d.offline_dropped");
      if (f.status) { $("#status").value = f.status; $("#status-dot").className = "sdot " + f.status; }
      break;
    case "conversation": onConversation(f); break;
    case "message": onMessage(f.message); break;
    case "ack":
      if (f.message) { showMessage(f.message); onMessage(f.message); }
      break;
    case "suggestions":
      if (current && f.conversation_id === current.id) showSuggestions(f.suggestions);
      break;
    case "typing":
      if (current && f.conversation_id === current.id && f.sender === "buyer") {
        $("#ctyping").classList.toggle("on", f.typing);
        clearTimeout(onFrame.typingTimer);
        if (f.typing) onFrame.typingTimer = setTimeout(() => $("#ctyping") && $("#ctyping").classList.remove("on"), 8000);
      }
      break;
    case "error":
      if (f.client_id && current && current.pending.has(f.client_id)) {
        current.pending.get(f.client_id).classList.add("failed");
        $("#send-err").textContent = t("d.send_failed") + " " + f.message;
        current.pending.delete(f.client_id);
      }
      break;
    case "queue": {
      const e = convs.get(f.conversation_id);
      if (e) { e.position = f.position; drawList(); }
      break;
    }
    case "alert":
      // The server decides who hears of what, and how, from each agent's
      // notification preferences (internal/notify). A message in the
      // conversation the agent is reading needs no alert.
      if ((f.event === "message" || f.event === "new_buyer") && current && current.id === f.conversation_id && !document.hidden) break;
      alerts.play(f, () => openConv(f.conversation_id));
      break;
    case "permissions": {
      // Sent after any change of membership in the shop; only a change of
      // this agent's own permissions needs the page rebuilt.
      const now = new Set(f.permissions || []);
      if (now.size !== perms.size || [...now].some((p) => !perms.has(p))) { location.reload(); break; }
      if (f.status) { $("#status").value = f.status; $("#status-dot").className = "sdot " + f.status; }
      break;
    }
  }
}

function onConversation(f) {
  const c = f.conversation;
  const before = convs.get(c.id);
  const was = before ? { ...before.c } : null;
  if (!f.visible) {
    convs.delete(c.id);
    if (current && current.id === c.id) { sysLine(t("d.moved_away")); }
    drawList();
    return;
  }
  const e = entry(c);
  if (c.owner !== "queue") e.waitSince = null;
  if (c.owner === "queue" && (!was || was.owner !== "queue")) {
    e.waitSince = c.updated_at;
    details(e);
  }
  if (c.owner === "agent" && c.agent_id === myID && (!was || was.owner !== "agent" || was.agent_id !== myID)) {
    if (f.event && f.event.reason && f.event.reason !== "taken" && current && current.id === c.id) sysLine(reasonText(f.event.reason));
  }
  if (current && current.id === c.id) {
    redrawCurrent();
    const ev = f.event || {};
    sysLine(t("d.event", { to: t("d.owner." + c.owner), reason: ev.reason ? reasonText(ev.reason) : "" }));
    showPanel($("#panel"), shop.id, c.id, perms.has("buyers.phone.reveal"));
    loadNote(c.id);
  }
  drawList();
}

function onMessage(m) {
  // A conversation not listed yet is listed by its conversation frame,
  // which comes when it becomes visible to this agent.
  const e = convs.get(m.conversation_id);
  if (current && current.id === m.conversation_id) showMessage(m);
  if (!e) return;
  e.preview = previewOf(m);
  e.c = { ...e.c, updated_at: m.created_at, last_seq: Math.max(e.c.last_seq || 0, m.seq) };
  if (m.sender === "buyer") {
    if (!e.waitSince) e.waitSince = m.created_at;
    const looking = current && current.id === m.conversation_id && !document.hidden;
    if (!looking) e.unread++;
  } else if (m.sender === "agent" || m.sender === "bot") {
    e.waitSince = e.c.owner === "queue" ? e.waitSince : null;
  }
  drawList();
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && current && current.lastBuyerSeq) {
    live.send({ type: "read", conversation_id: current.id, seq: current.lastBuyerSeq });
    const e = convs.get(current.id);
    if (e) { e.unread = 0; drawList(); }
  }
});

const live = new Live(`/ws/agent?shop=${shop.id}`, {
  open: () => {
    if (current) live.send({ type: "watch", conversation_id: current.id, last_seq: current.seq });
    loadLists().then(openLinked);
  },
  frame: onFrame,
  state: (s) => { $("#conn").textContent = s === "online" ? "" : t(s === "offline" ? "d.reconnecting" : "w.connecting"); },
  forbidden: () => location.reload(),
});
live.start();
drawList();
window.xiaoerDesk = { alerts, convs, get current() { return current; }, open: openConv };
