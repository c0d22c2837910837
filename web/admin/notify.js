// The console's notifications page (docs/notifications.md): the shop's
// default preferences, the channels pushes go to (each with a test
// message that shows the answer), webhooks to the merchant's systems (the
// secret shown once), and the deliveries, failed ones with their last
// error and a retry.
import { h, fill, table, field, status } from "./ui.js";
import { api } from "../common/api.js";
import { day, clock } from "../common/dom.js";
import { loadNotifyTexts, nt } from "../common/notify-text.js";
import { prefsForm } from "../common/notify-prefs.js";

const base = (ctx) => `/api/v1/shops/${ctx.shop.id}`;
const KINDS = ["dingtalk", "wecom", "feishu", "email", "webhook"];

export async function notifications(main, ctx) {
  await loadNotifyTexts();
  const defaults = await api("GET", base(ctx) + "/notifications/defaults");
  const chans = h("div", {});
  const hooks = h("div", {});
  const dels = h("div", {});
  fill(main, h("h2", {}, nt("n.page")),
    h("h3", {}, nt("n.defaults")), h("p", { class: "muted" }, nt("n.defaults_intro")),
    prefsForm(defaults, { save: (p) => api("PUT", base(ctx) + "/notifications/defaults", p) }),
    h("h3", {}, nt("n.ch.title")), h("p", { class: "muted" }, nt("n.ch.intro")), chans,
    h("h3", {}, nt("n.wh.title")), h("p", { class: "muted" }, nt("n.wh.intro")), hooks,
    h("h3", {}, nt("n.dl.title")), h("p", { class: "muted" }, nt("n.dl.intro")), dels);
  const redraw = async () => {
    await Promise.all([channels(chans, ctx, redraw), webhooks(hooks, ctx, redraw), deliveries(dels, ctx, "failed")]);
  };
  await redraw();
}

// channels lists the shop's channels with their actions and a form to add
// one.
async function channels(box, ctx, redraw) {
  const list = (await api("GET", base(ctx) + "/notifications/channels")).items || [];
  const msg = status();
  const act = (label, fn, cls = "link") => h("button", { type: "button", class: cls, on: { click: async () => {
    try { await fn(); } catch (e) { msg.fail(e); }
  } } }, label);
  fill(box, table([
    [nt("n.ch.name"), (c) => c.name],
    [nt("n.ch.kind"), (c) => nt("n.kind." + c.kind)],
    ["URL", (c) => c.url || (c.email ? c.email.host + " → " + c.email.to.join(", ") : "")],
    [nt("n.ch.enabled"), (c) => h("span", { class: "tag" + (c.enabled ? "" : " grey") }, nt(c.enabled ? "n.ch.on" : "n.ch.off"))],
    ["", (c) => h("span", { class: "acts" },
      act(nt("n.ch.test"), async () => {
        const r = await api("POST", `${base(ctx)}/notifications/channels/${c.id}/test`);
        if (r.ok) msg.ok(nt("n.ch.test_ok", { status: r.status || "" }));
        else msg.fail(nt("n.ch.test_fail", { error: r.error || r.answer || r.status }));
      }),
      " ", act(nt(c.enabled ? "n.ch.disable" : "n.ch.enable"), async () => {
        await api("PATCH", `${base(ctx)}/notifications/channels/${c.id}`, { enabled: !c.enabled });
        await redraw();
      }),
      " ", act(nt("n.ch.delete"), async () => {
        if (!confirm(nt("n.ch.delete_confirm"))) return;
        await api("DELETE", `${base(ctx)}/notifications/channels/${c.id}`);
        await redraw();
      }, "link danger"))],
  ], list), msg, channelForm(ctx, redraw));
}

// channelForm adds a channel: a robot or webhook URL with its secret, or
// an SMTP server with its addresses.
function channelForm(ctx, redraw) {
  const msg = status();
  const kind = h("select", { name: "kind" }, KINDS.map((k) => h("option", { value: k }, nt("n.kind." + k))));
  const name = h("input", { name: "name", placeholder: nt("n.ch.name") });
  const url = h("input", { name: "url", placeholder: "https://oapi.dingtalk.com/robot/send?access_token=…" });
  const secret = h("input", { name: "secret", type: "password", autocomplete: "off" });
  const mail = { host: h("input", { name: "host" }), port: h("input", { name: "port", type: "number", value: 587, class: "short" }),
    username: h("input", { name: "username" }), from: h("input", { name: "from" }), to: h("input", { name: "to" }) };
  const urlRow = h("div", {}, field(nt("n.ch.url"), url));
  const mailRows = h("div", { class: "hidden" }, field(nt("n.ch.host"), mail.host), field(nt("n.ch.port"), mail.port),
    field(nt("n.ch.user"), mail.username), field(nt("n.ch.from"), mail.from), field(nt("n.ch.to"), mail.to));
  const secretLabel = h("span", {}, nt("n.ch.secret"));
  const show = () => {
    const email = kind.value === "email";
    urlRow.classList.toggle("hidden", email);
    mailRows.classList.toggle("hidden", !email);
    secretLabel.textContent = nt(email ? "n.ch.pass" : "n.ch.secret");
  };
  kind.addEventListener("change", show);
  return h("div", { class: "form" },
    h("div", { class: "row2" }, field(nt("n.ch.kind"), kind), field(nt("n.ch.name"), name)),
    urlRow, mailRows, h("label", {}, secretLabel, secret),
    h("div", { class: "actions" }, h("button", { type: "button", class: "primary", on: { click: async () => {
      const body = { kind: kind.value, name: name.value.trim() };
      if (secret.value) body.secret = secret.value;
      if (kind.value === "email") {
        body.email = { host: mail.host.value.trim(), port: Number(mail.port.value) || 587, username: mail.username.value.trim(),
          from: mail.from.value.trim(), to: mail.to.value.split(/[,，\s]+/).filter(Boolean) };
      } else {
        body.url = url.value.trim();
      }
      try { await api("POST", base(ctx) + "/notifications/channels", body); await redraw(); } catch (e) { msg.fail(e.field ? `${e.field}: ${e.message}` : e); }
    } } }, nt("n.ch.add"))), msg);
}

// webhooks lists the webhooks to the merchant's systems and adds one,
// showing its secret this once (made, when given, the one just made).
async function webhooks(box, ctx, redraw, made) {
  const res = await api("GET", base(ctx) + "/webhooks");
  const list = res.items || [];
  const msg = status();
  const fresh = h("div", {});
  const once = (w) => fill(fresh, h("div", { class: "warn" }, nt("n.wh.secret_once")), h("dl", { class: "kv" },
    h("dt", {}, w.name), h("dd", { class: "secret" }, w.secret)));
  const act = (label, fn, cls = "link") => h("button", { type: "button", class: cls, on: { click: async () => {
    try { await fn(); } catch (e) { msg.fail(e); }
  } } }, label);
  const name = h("input", { name: "name", placeholder: nt("n.ch.name") });
  const url = h("input", { name: "url", placeholder: "https://erp.example.com/xiaoer" });
  const picks = (res.events || []).map((e) => {
    const x = h("input", { type: "checkbox", value: e, checked: e.startsWith("conversation.") });
    return [x, h("label", { class: "check" }, x, " ", nt("n.event." + e))];
  });
  fill(box, table([
    [nt("n.ch.name"), (w) => w.name],
    ["URL", (w) => w.url],
    [nt("n.wh.events"), (w) => w.events.map((e) => nt("n.event." + e)).join("、")],
    [nt("n.ch.enabled"), (w) => h("span", { class: "tag" + (w.enabled ? "" : " grey") }, nt(w.enabled ? "n.ch.on" : "n.ch.off"))],
    ["", (w) => h("span", { class: "acts" },
      act(nt("n.wh.test"), async () => {
        const r = await api("POST", `${base(ctx)}/webhooks/${w.id}/test`);
        if (r.ok) msg.ok(nt("n.ch.test_ok", { status: r.status || "" }));
        else msg.fail(nt("n.ch.test_fail", { error: r.error || r.answer || r.status }));
      }),
      " ", act(nt("n.wh.rotate"), async () => {
        if (!confirm(nt("n.wh.rotate_confirm"))) return;
        once(await api("POST", `${base(ctx)}/webhooks/${w.id}/secret`));
      }),
      " ", act(nt(w.enabled ? "n.ch.disable" : "n.ch.enable"), async () => {
        await api("PATCH", `${base(ctx)}/webhooks/${w.id}`, { enabled: !w.enabled });
        await redraw();
      }),
      " ", act(nt("n.ch.delete"), async () => {
        if (!confirm(nt("n.wh.delete_confirm"))) return;
        await api("DELETE", `${base(ctx)}/webhooks/${w.id}`);
        await redraw();
      }, "link danger"))],
  ], list), msg, fresh, h("div", { class: "form" },
    h("div", { class: "row2" }, field(nt("n.ch.name"), name), field("URL", url)),
    h("div", {}, h("span", {}, nt("n.wh.events")), picks.map(([, l]) => l)),
    h("div", { class: "actions" }, h("button", { type: "button", class: "primary", on: { click: async () => {
      const events = picks.filter(([x]) => x.checked).map(([x]) => x.value);
      try {
        const w = await api("POST", base(ctx) + "/webhooks", { name: name.value.trim(), url: url.value.trim(), events });
        await webhooks(box, ctx, redraw, w);
      } catch (e) { msg.fail(e.field ? `${e.field}: ${e.message}` : e); }
    } } }, nt("n.wh.add")))));
  if (made) once(made);
}

// deliveries lists the shop's deliveries of one status, with a retry for
// the failed ones, and the note of what was just done.
async function deliveries(box, ctx, which, note) {
  const q = which ? "?status=" + which : "";
  const list = (await api("GET", base(ctx) + "/deliveries" + q)).items || [];
  const msg = status();
  const tabs = h("div", { class: "bar-row" }, ["failed", "pending", "delivered", ""].map((s) =>
    h("button", { type: "button", class: s === which ? "primary" : "", on: { click: () => deliveries(box, ctx, s) } }, nt(s ? "n.dl." + s : "n.dl.all"))));
  fill(box, tabs, table([
    [nt("n.dl.when"), (d) => day(d.created_at) + " " + clock(d.created_at)],
    [nt("n.dl.target"), (d) => d.target_name],
    [nt("n.dl.event"), (d) => d.purpose === "webhook" ? nt("n.event." + d.event) : nt("n.ev." + d.event)],
    [nt("n.dl.status"), (d) => h("span", { class: "tag" + (d.status === "failed" ? " red" : d.status === "pending" ? " grey" : "") }, nt("n.dl." + d.status))],
    [nt("n.dl.attempts"), (d) => String(d.attempts)],
    [nt("n.dl.error"), (d) => d.last_error || ""],
    ["", (d) => d.status === "failed" ? h("button", { type: "button", class: "link", on: { click: async () => {
      try { await api("POST", `${base(ctx)}/deliveries/${d.id}/retry`); await deliveries(box, ctx, which, nt("n.dl.retried")); } catch (e) { msg.fail(e); }
    } } }, nt("n.dl.retry")) : ""],
  ], list), msg);
  if (note) msg.ok(note);
}
