// People: members with their roles and reception caps, invitations, custom
// roles with their permissions, and agent groups.
import { h, fill, t, table, field, status } from "./ui.js";
import { api } from "../common/api.js";
import { day } from "../common/dom.js";

const base = (ctx) => `/api/v1/shops/${ctx.shop.id}`;

async function roleNames(ctx) {
  const rs = (await api("GET", base(ctx) + "/roles")).items || [];
  return rs.map((r) => r.name);
}

function roleLabel(r) {
  const k = "a.role." + r;
  return t(k) === k ? r : t(k);
}

export async function members(main, ctx) {
  const [ms, invs, names] = await Promise.all([
    api("GET", base(ctx) + "/members").then((r) => r.items || []),
    api("GET", base(ctx) + "/invitations").then((r) => r.items || []),
    roleNames(ctx)]);
  const msg = status();
  const login = h("input", { placeholder: t("a.mem.login") });
  const role = h("select", {}, names.map((n) => h("option", { value: n, selected: n === "agent" }, roleLabel(n))));
  const link = h("div", {});
  const add = async () => {
    try {
      const r = await api("POST", base(ctx) + "/members", { login: login.value.trim(), role: role.value });
      if (r.bound) { msg.ok(t("a.mem.added")); members(main, ctx); return; }
      msg.ok(t("a.mem.invited"));
      fill(link, h("p", {}, t("a.mem.invite_link")), h("div", { class: "secret" }, r.invitation_url));
    } catch (e) { msg.fail(e); }
  };
  fill(main, h("h2", {}, t("a.s.members")),
    h("div", { class: "bar-row" }, login, role, h("button", { type: "button", class: "primary", on: { click: add } }, t("a.mem.add"))), msg, link,
    table([
      [t("a.mem.name"), (m) => h("div", {}, m.account.display_name || m.account.username, h("div", { class: "muted" }, m.account.username))],
      [t("a.mem.role"), (m) => {
        const sel = h("select", {}, names.map((n) => h("option", { value: n, selected: n === m.role }, roleLabel(n))));
        sel.addEventListener("change", async () => { try { await api("PATCH", base(ctx) + "/members/" + m.account.id, { role: sel.value }); msg.ok(t("a.saved")); } catch (e) { msg.fail(e); sel.value = m.role; } });
        return sel;
      }],
      [t("a.mem.status"), (m) => t("d.st." + (m.status || "offline"))],
      [t("a.mem.cap"), (m) => {
        const n = h("input", { type: "number", min: 0, max: 200, value: m.max_chats, class: "num" });
        n.addEventListener("change", async () => { try { await api("PATCH", base(ctx) + "/members/" + m.account.id, { max_chats: Number(n.value) }); msg.ok(t("a.saved")); } catch (e) { msg.fail(e); } });
        return n;
      }],
      [t("a.mem.since"), (m) => day(m.since)],
      ["", (m) => m.account.id === ctx.me.account.id ? null : h("button", { type: "button", class: "link danger", on: { click: async () => {
        if (!confirm(t("a.confirm_delete", { name: m.account.username }))) return;
        try { await api("DELETE", base(ctx) + "/members/" + m.account.id); members(main, ctx); } catch (e) { msg.fail(e); }
      } } }, t("a.remove"))],
    ], ms),
    h("h3", {}, t("a.mem.invitations")),
    table([
      [t("a.mem.login"), (i) => i.login],
      [t("a.mem.role"), (i) => roleLabel(i.role)],
      [t("a.mem.expires"), (i) => day(i.expires_at)],
      ["", (i) => h("button", { type: "button", class: "link danger", on: { click: async () => {
        try { await api("DELETE", base(ctx) + "/invitations/" + encodeURIComponent(i.id)); members(main, ctx); } catch (e) { msg.fail(e); }
      } } }, t("a.mem.revoke"))],
    ], invs));
}

export async function roles(main, ctx) {
  const [rs, all] = await Promise.all([api("GET", base(ctx) + "/roles").then((r) => r.items || []), api("GET", "/api/v1/permissions")]);
  const permList = all.permissions || Object.values(all.builtin_roles || {}).flat().filter((p, i, a) => a.indexOf(p) === i).sort();
  const msg = status();
  const editor = h("div", {});
  const edit = (r) => {
    const name = h("input", { value: r ? r.name : "", disabled: !!r, placeholder: t("a.role.name") });
    const boxes = permList.map((p) => {
      const id = typeof p === "string" ? p : p.name || p.id;
      const cb = h("input", { type: "checkbox", value: id, checked: r ? (r.permissions || []).includes(id) : false });
      return h("label", {}, cb, " ", t("a.perm." + id) === "a.perm." + id ? id : t("a.perm." + id));
    });
    fill(editor, h("form", { class: "form", on: { submit: async (ev) => {
      ev.preventDefault();
      const perms = boxes.map((b) => b.querySelector("input")).filter((c) => c.checked).map((c) => c.value);
      try { await api("PUT", base(ctx) + "/roles/" + encodeURIComponent(name.value.trim()), { permissions: perms }); roles(main, ctx); } catch (e) { msg.fail(e); }
    } } }, field(t("a.role.name"), name), h("div", { class: "perm-grid" }, boxes),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("a.save")))));
  };
  fill(main, h("h2", {}, t("a.s.roles")), h("p", { class: "muted" }, t("a.role.intro")),
    h("div", { class: "bar-row" }, h("button", { type: "button", class: "primary", on: { click: () => edit(null) } }, t("a.role.new"))), msg, editor,
    table([
      [t("a.role.name"), (r) => [roleLabel(r.name), r.builtin ? h("span", { class: "tag grey" }, t("a.role.builtin")) : null]],
      [t("a.role.perms"), (r) => (r.permissions || []).map((p) => h("span", { class: "tag blue" }, t("a.perm." + p) === "a.perm." + p ? p : t("a.perm." + p)))],
      ["", (r) => r.builtin ? null : [h("button", { type: "button", class: "link", on: { click: () => edit(r) } }, t("a.edit")),
        h("button", { type: "button", class: "link danger", on: { click: async () => {
          try { await api("DELETE", base(ctx) + "/roles/" + encodeURIComponent(r.name)); roles(main, ctx); } catch (e) { msg.fail(e); }
        } } }, t("a.delete"))]],
    ], rs));
}

export async function groups(main, ctx) {
  const [gs, ms] = await Promise.all([api("GET", base(ctx) + "/groups").then((r) => r.items || []), api("GET", base(ctx) + "/members").then((r) => r.items || [])]);
  const who = new Map(ms.map((m) => [m.account.id, m.account.display_name || m.account.username]));
  const msg = status();
  const name = h("input", { placeholder: t("a.grp.name") });
  const editor = h("div", {});
  const editMembers = (g) => {
    const boxes = ms.map((m) => h("label", {}, h("input", { type: "checkbox", value: m.account.id, checked: (g.members || []).includes(m.account.id) }), " ", who.get(m.account.id)));
    fill(editor, h("form", { class: "form", on: { submit: async (ev) => {
      ev.preventDefault();
      const ids = boxes.map((b) => b.querySelector("input")).filter((c) => c.checked).map((c) => Number(c.value));
      try { await api("PUT", base(ctx) + `/groups/${g.id}/members`, { members: ids }); groups(main, ctx); } catch (e) { msg.fail(e); }
    } } }, h("b", {}, g.name), h("div", { class: "perm-grid" }, boxes), h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("a.save")))));
  };
  fill(main, h("h2", {}, t("a.s.groups")), h("p", { class: "muted" }, t("a.grp.intro")),
    h("div", { class: "bar-row" }, name, h("button", { type: "button", class: "primary", on: { click: async () => {
      try { await api("POST", base(ctx) + "/groups", { name: name.value.trim() }); groups(main, ctx); } catch (e) { msg.fail(e); }
    } } }, t("a.add"))), msg, editor,
    table([
      [t("a.grp.name"), (g) => g.name],
      [t("a.grp.members"), (g) => (g.members || []).map((id) => h("span", { class: "tag" }, who.get(id) || "#" + id))],
      ["", (g) => [h("button", { type: "button", class: "link", on: { click: () => editMembers(g) } }, t("a.grp.edit")),
        h("button", { type: "button", class: "link danger", on: { click: async () => {
          if (!confirm(t("a.confirm_delete", { name: g.name }))) return;
          try { await api("DELETE", base(ctx) + "/groups/" + g.id); groups(main, ctx); } catch (e) { msg.fail(e); }
        } } }, t("a.delete"))]],
    ], gs));
}
