// Shop data (API keys with their webhook signing secrets, import and
// export), the widget integration (shop settings, identity secret, the
// script tag), statistics, the audit log and system information (the
// notifications page is notify.js). Parts whose API belongs to a later
// issue say so plainly.
import { h, fill, t, table, field, placeholder, status } from "./ui.js";
import { api, download } from "../common/api.js";
import { day, clock } from "../common/dom.js";

const base = (ctx) => `/api/v1/shops/${ctx.shop.id}`;
const ENTITIES = ["products", "buyers", "orders", "carts", "favourites", "coupons", "reviews"];

export async function shopData(main, ctx) {
  const keys = (await api("GET", base(ctx) + "/api-keys")).items || [];
  const msg = status();
  const fresh = h("div", {});
  const name = h("input", { placeholder: t("a.key.name") });
  const entity = h("select", {}, ENTITIES.map((e) => h("option", { value: e }, t("a.ent." + e))));
  const format = h("select", {}, ["csv", "xlsx", "jsonl"].map((f) => h("option", { value: f }, f.toUpperCase())));
  const applyValid = h("input", { type: "checkbox" });
  const file = h("input", { type: "file", accept: ".csv,.xlsx,.jsonl,.json" });
  const report = h("div", {});
  const doImport = async () => {
    const f = file.files[0];
    if (!f) return;
    const fmt = f.name.endsWith(".xlsx") ? "xlsx" : f.name.endsWith(".csv") ? "csv" : "jsonl";
    try {
      const r = await api("POST", base(ctx) + `/import/${entity.value}?format=${fmt}${applyValid.checked ? "&apply_valid=true" : ""}`, f, { "Content-Type": "application/octet-stream" });
      fill(report, h("div", { class: "result" }, h("pre", {}, JSON.stringify(r.report || r, null, 1).slice(0, 4000))));
    } catch (e) {
      fill(report, h("p", { class: "err" }, e.message));
    }
  };
  fill(main, h("h2", {}, t("a.s.data")),
    h("h3", {}, t("a.key.title")), h("p", { class: "muted" }, t("a.key.intro")),
    h("div", { class: "bar-row" }, name, h("button", { type: "button", class: "primary", on: { click: async () => {
      try {
        const r = await api("POST", base(ctx) + "/api-keys", { name: name.value.trim() || "API" });
        fill(fresh, h("div", { class: "warn" }, t("a.key.once")),
          h("dl", { class: "kv" }, h("dt", {}, t("a.key.key")), h("dd", { class: "secret" }, r.key),
            h("dt", {}, t("a.key.signing")), h("dd", { class: "secret" }, r.signing_secret)));
        const again = (await api("GET", base(ctx) + "/api-keys")).items || [];
        fill(keyTable, drawKeys(again));
      } catch (e) { msg.fail(e); }
    } } }, t("a.key.create"))), msg, fresh);
  const drawKeys = (ks) => table([
    [t("a.key.name"), (k) => k.name],
    [t("a.key.prefix"), (k) => k.prefix + "…"],
    [t("a.key.created"), (k) => day(k.created_at)],
    [t("a.key.used"), (k) => k.last_used_at ? clock(k.last_used_at) : "—"],
    ["", (k) => k.revoked_at ? h("span", { class: "tag grey" }, t("a.key.revoked")) : h("button", { type: "button", class: "link danger", on: { click: async () => {
      if (!confirm(t("a.key.revoke_confirm"))) return;
      try { await api("DELETE", base(ctx) + "/api-keys/" + k.id); shopData(main, ctx); } catch (e) { msg.fail(e); }
    } } }, t("a.key.revoke"))],
  ], ks);
  const keyTable = h("div", {}, drawKeys(keys));
  main.append(keyTable,
    h("h3", {}, t("a.io.title")), h("p", { class: "muted" }, t("a.io.intro")),
    h("div", { class: "form" },
      h("div", { class: "row2" }, field(t("a.io.entity"), entity), field(t("a.io.format"), format)),
      h("div", { class: "actions" }, h("button", { type: "button", on: { click: () =>
        download(base(ctx) + `/export/${entity.value}?format=${format.value}`, `${entity.value}.${format.value}`).catch((e) => msg.fail(e)) } }, t("a.io.export"))),
      field(t("a.io.file"), file),
      h("label", {}, applyValid, " ", t("a.io.apply_valid")),
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary", on: { click: doImport } }, t("a.io.import"))), report));
}

export async function integration(main, ctx) {
  const s = await api("GET", base(ctx));
  const msg = status();
  const name = h("input", { value: s.name || "" });
  const lang = h("select", {}, [["zh-CN", "简体中文"], ["en", "English"]].map(([v, l]) => h("option", { value: v, selected: s.language === v }, l)));
  const tz = h("input", { value: s.timezone || "", placeholder: "Asia/Shanghai" });
  const secret = h("div", {});
  const origin = location.origin;
  fill(main, h("h2", {}, t("a.s.integration")),
    h("form", { class: "form", on: { submit: async (ev) => {
      ev.preventDefault();
      try { await api("PATCH", base(ctx), { name: name.value.trim(), language: lang.value, timezone: tz.value.trim() }); msg.ok(t("a.saved")); } catch (e) { msg.fail(e); }
    } } }, field(t("a.shop.name"), name), h("div", { class: "row2" }, field(t("a.shop.lang"), lang), field(t("a.shop.tz"), tz)),
      h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, t("a.save"))), msg),
    h("h3", {}, t("a.int.widget")), h("p", { class: "muted" }, t("a.int.widget_intro")),
    h("pre", { class: "snippet" }, `<script src="${origin}/widget.js" data-shop="${s.slug}" async></script>`),
    h("p", { class: "muted" }, t("a.int.verified_intro")),
    h("pre", { class: "snippet" }, `<script src="${origin}/widget.js" data-shop="${s.slug}"\n  data-buyer-id="u1001" data-buyer-nick="…"\n  data-signature="HEX(HMAC-SHA256(identity_secret, buyer_id))"\n  data-product="p001" data-product-title="…" async></script>`),
    h("p", {}, t("a.int.chat_link"), " ", h("a", { href: `/chat/${s.slug}`, target: "_blank", rel: "noopener" }, `${origin}/chat/${s.slug}`)),
    h("h3", {}, t("a.int.secret")), h("p", { class: "muted" }, t("a.int.secret_intro")), secret,
    h("button", { type: "button", class: "danger", on: { click: async () => {
      if (!confirm(t("a.int.rotate_confirm"))) return;
      try { const r = await api("POST", base(ctx) + "/identity-secret"); fill(secret, h("div", { class: "secret" }, r.identity_secret)); } catch (e) { msg.fail(e); }
    } } }, t("a.int.rotate")));
}

export async function stats(main, ctx) {
  const cards = h("div", { class: "stat-cards" });
  fill(main, h("h2", {}, t("a.s.stats")), h("h3", {}, t("a.stats.live")), cards, h("h3", {}, t("a.stats.reports")), placeholder("a.stats.wait", 9));
  if (!ctx.perms.has("conversations.read_all") && !ctx.perms.has("conversations.read_assigned")) return;
  const [queue, all] = await Promise.all([
    api("GET", base(ctx) + "/conversations?view=queue&limit=200").then((r) => r.items || []).catch(() => []),
    api("GET", base(ctx) + "/conversations?view=all&limit=200").then((r) => r.items || []).catch(() => [])]);
  let members = [];
  if (ctx.perms.has("agents.manage")) members = (await api("GET", base(ctx) + "/members").catch(() => ({ items: [] }))).items || [];
  const longest = queue.reduce((m, c) => Math.max(m, Date.now() - new Date(c.updated_at)), 0);
  const stat = (label, n) => h("div", { class: "stat" }, h("div", { class: "muted" }, label), h("div", { class: "n" }, String(n)));
  fill(cards,
    stat(t("a.stats.waiting"), queue.length),
    stat(t("a.stats.longest"), queue.length ? Math.round(longest / 60000) + " " + t("a.stats.min") : "—"),
    stat(t("a.stats.bot"), all.filter((c) => c.owner === "bot").length),
    stat(t("a.stats.agent"), all.filter((c) => c.owner === "agent").length),
    stat(t("a.stats.online"), members.filter((m) => m.status === "online").length));
}

export async function audit(main, ctx) {
  const res = await api("GET", base(ctx) + "/audit?limit=100");
  fill(main, h("h2", {}, t("a.s.audit")), table([
    [t("a.faq.when"), (e) => clock(e.created_at)],
    [t("a.audit.actor"), (e) => "#" + e.actor_id],
    [t("a.audit.action"), (e) => e.action],
    [t("a.audit.target"), (e) => e.target || ""],
    [t("a.audit.detail"), (e) => e.detail || ""],
  ], res.items || []));
}

export async function system(main, ctx) {
  const hz = await fetch("/healthz").then((r) => r.json()).catch(() => ({}));
  // Without settings.manage the API would refuse (and the browser log it).
  const sys = ctx.perms.has("settings.manage") ? await api("GET", base(ctx) + "/system").catch(() => null) : null;
  const msg = status();
  const list = h("div", {});
  const show = (backups) => fill(list, backups.length ? table([
    [t("a.sys.file"), (b) => b.name],
    [t("a.sys.size"), (b) => (b.bytes / 1048576).toFixed(1) + " MB"],
    [t("a.sys.made"), (b) => day(b.created_at) + " " + clock(b.created_at)],
  ], backups) : h("p", { class: "muted" }, t("a.sys.none")));
  const backups = sys ? sys.backups || [] : [];
  show(backups);
  const owner = ctx.shop.role === "owner";
  fill(main, h("h2", {}, t("a.s.system")),
    h("dl", { class: "kv result" },
      h("dt", {}, t("a.sys.version")), h("dd", { id: "sys-version" }, hz.version || "?"),
      h("dt", {}, t("a.sys.health")), h("dd", {}, hz.status || "?"),
      h("dt", {}, t("a.sys.db")), h("dd", {}, sys ? sys.database : "?"),
      h("dt", {}, t("a.sys.schema")), h("dd", { id: "sys-schema" }, sys ? `${sys.schema_version} / ${sys.latest_schema}` : "?")),
    h("h3", {}, t("a.sys.backups")),
    sys && sys.backups_enabled && owner ? h("button", { type: "button", class: "primary", on: { click: async () => {
      try {
        const b = await api("POST", base(ctx) + "/system/backups");
        backups.unshift(b);
        show(backups);
        msg.ok(t("a.sys.done"));
      } catch (e) {
        msg.fail(e);
      }
    } } }, t("a.sys.backup")) : h("p", { class: "muted" }, t(!owner ? "a.sys.owner" : sys && !sys.installation ? "a.sys.tenant" : "a.sys.cli")),
    msg, list);
}
