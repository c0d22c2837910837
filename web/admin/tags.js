// The console's buyer tags page (#tags): the thresholds of the built-in
// tags, the shop's custom tag rules with what each says in words, a count
// of the buyers a rule would tag, and the rule editor (#tags/new,
// #tags/edit/<name>) that shows the server's refusals at the field at
// fault. The tags themselves are kept current by the server.
import { h, fill, table, status } from "./ui.js";
import { api } from "../common/api.js";
import { clock } from "../common/dom.js";
import { loadTagTexts, tt, OPS, fromRule, toRule, fieldLabel, describe, errorPlace, problem } from "./tags-rule.js";

const base = (ctx) => `/api/v1/shops/${ctx.shop.id}`;
const ruleURL = (ctx, name) => `${base(ctx)}/tag-rules/${encodeURIComponent(name)}`;
const MAX_CONDS = 20;

// tagRules draws the page for the part of the hash after "tags/".
export async function tagRules(main, ctx, rest) {
  await loadTagTexts();
  const list = await api("GET", base(ctx) + "/tag-rules");
  if (rest === "new") return editor(main, ctx, list, null);
  if (rest.startsWith("edit/")) {
    const name = decodeURIComponent(rest.slice(5));
    const rule = (list.items || []).find((r) => r.name === name);
    if (rule) return editor(main, ctx, list, rule);
  }
  return overview(main, ctx, list);
}

// fieldErr makes the line under an input where its problem shows.
function fieldErr() {
  return h("div", { class: "field-err", role: "alert" });
}

// showErr marks input as wrong with text (and the server's words as a
// title); clearErrs unmarks everything under root.
function showErr(input, line, text, detail) {
  input.classList.add("bad");
  input.setAttribute("aria-invalid", "true");
  line.textContent = text;
  line.title = detail || "";
}

function clearErrs(root) {
  for (const el of root.querySelectorAll(".bad")) { el.classList.remove("bad"); el.removeAttribute("aria-invalid"); }
  for (const el of root.querySelectorAll(".field-err")) { el.textContent = ""; el.title = ""; }
}

// previewText says what a preview found.
function previewText(p) {
  if (p.scanned >= p.buyers) return tt("tg.preview_all", { matched: p.matched, buyers: p.buyers });
  const estimate = p.scanned ? Math.round((p.matched / p.scanned) * p.buyers) : 0;
  return tt("tg.preview_sampled", { estimate, matched: p.matched, scanned: p.scanned, buyers: p.buyers });
}

async function overview(main, ctx, list, note) {
  const rules = list.items || [];
  const msg = status();
  const full = rules.length >= list.max_rules;
  fill(main, h("h2", {}, tt("tg.title")), h("p", { class: "muted" }, tt("tg.intro")),
    h("h3", {}, tt("tg.builtin")), h("p", { class: "muted" }, tt("tg.builtin_intro")),
    await settingsForm(ctx),
    h("h3", {}, tt("tg.rules")), h("p", { class: "muted" }, tt("tg.rules_intro", { max: list.max_rules })),
    h("div", { class: "bar-row" }, h("button", { type: "button", class: "primary", id: "tag-new", disabled: full,
      on: { click: () => ctx.go("tags/new") } }, tt("tg.new")), full ? h("span", { class: "muted" }, tt("tg.full")) : null),
    msg,
    table([
      [tt("tg.col.name"), (r) => h("span", { class: "tag" }, r.name)],
      [tt("tg.col.rule"), (r) => h("span", { class: "rule-text" }, describe(r.rule))],
      [tt("tg.col.updated"), (r) => clock(r.updated_at)],
      [tt("tg.col.buyers"), (r) => {
        const out = h("span", { class: "muted count" });
        return h("span", {}, h("button", { type: "button", class: "link", on: { click: async () => {
          try { out.textContent = previewText(await api("POST", base(ctx) + "/tag-rules/preview", { rule: r.rule })); } catch (e) { msg.fail(e); }
        } } }, tt("tg.count")), " ", out);
      }],
      ["", (r) => h("span", { class: "acts" },
        h("button", { type: "button", class: "link", on: { click: () => ctx.go("tags/edit/" + encodeURIComponent(r.name)) } }, tt("tg.edit")),
        " ", h("button", { type: "button", class: "link danger", on: { click: async () => {
          if (!confirm(tt("tg.delete_confirm", { name: r.name }))) return;
          try {
            await api("DELETE", ruleURL(ctx, r.name));
            await overview(main, ctx, await api("GET", base(ctx) + "/tag-rules"), tt("tg.deleted", { name: r.name }));
          } catch (e) { msg.fail(e); }
        } } }, tt("tg.delete")))],
    ], rules));
  if (note) msg.ok(note);
}

// settingsForm edits the thresholds of the built-in tags.
async function settingsForm(ctx) {
  const set = await api("GET", base(ctx) + "/tag-settings");
  const msg = status();
  const inputs = {
    high_value_fen: h("input", { name: "high_value_fen", type: "number", min: 0, step: "0.01", value: (set.high_value_fen / 100).toFixed(2) }),
    refund_days: h("input", { name: "refund_days", type: "number", min: 1, value: set.refund_days }),
    inactive_days: h("input", { name: "inactive_days", type: "number", min: 1, value: set.inactive_days }),
    bad_rating: h("input", { name: "bad_rating", type: "number", min: 1, max: 4, value: set.bad_rating }),
  };
  const lines = Object.fromEntries(Object.keys(inputs).map((k) => [k, fieldErr()]));
  const form = h("form", { class: "form tag-settings", novalidate: true, on: { submit: async (ev) => {
    ev.preventDefault();
    clearErrs(form);
    msg.clear();
    const n = (k) => (inputs[k].value.trim() === "" ? NaN : Number(inputs[k].value));
    const body = { high_value_fen: Math.round(n("high_value_fen") * 100), refund_days: n("refund_days"),
      inactive_days: n("inactive_days"), bad_rating: n("bad_rating") };
    for (const [k, v] of Object.entries(body)) {
      if (!Number.isFinite(v)) { showErr(inputs[k], lines[k], tt("tg.err." + k)); return; }
    }
    try {
      const r = await api("PUT", base(ctx) + "/tag-settings", body);
      msg.ok(r.retagging ? tt("tg.saved_retag", { n: r.retagging }) : tt("tg.saved"));
    } catch (e) {
      if (inputs[e.field]) showErr(inputs[e.field], lines[e.field], tt("tg.err." + e.field), e.message);
      else msg.fail(e);
    }
  } } },
  h("div", { class: "row2" },
    h("label", {}, h("span", {}, tt("tg.set.high_value")), inputs.high_value_fen, lines.high_value_fen),
    h("label", {}, h("span", {}, tt("tg.set.refund_days")), inputs.refund_days, lines.refund_days)),
  h("div", { class: "row2" },
    h("label", {}, h("span", {}, tt("tg.set.inactive_days")), inputs.inactive_days, lines.inactive_days),
    h("label", {}, h("span", {}, tt("tg.set.bad_rating")), inputs.bad_rating, lines.bad_rating)),
  h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, tt("tg.save"))), msg);
  return form;
}

// editor creates a rule (existing null) or edits one.
function editor(main, ctx, list, existing) {
  const fields = list.fields || [];
  const byName = (n) => fields.find((f) => f.name === n) || fields[0];
  const msg = status();
  const name = h("input", { name: "name", maxlength: 30, value: existing ? existing.name : "", readonly: !!existing,
    placeholder: tt("tg.name_hint") });
  const nameErr = fieldErr();
  const match = h("select", { name: "match" }, ["all", "any"].map((m) => h("option", { value: m }, tt("tg.match." + m))));
  const rowsBox = h("div", { class: "conds" });
  const json = h("textarea", { name: "json", rows: 10, spellcheck: "false" });
  const jsonErr = fieldErr();
  const jsonBox = h("div", { class: "hidden" }, json, jsonErr);
  const builderBox = h("div", {}, h("label", { class: "inline" }, h("span", {}, tt("tg.match")), match), rowsBox);
  const result = h("div", { id: "tag-preview", class: "result hidden", role: "status" });
  const rows = [];
  let asJSON = false;

  const addRow = (c = { field: fields[0].name, op: ">=", value: "", days: "" }) => {
    const inputs = {
      field: h("select", { name: "field" }, fields.map((f) => h("option", { value: f.name, selected: f.name === c.field }, fieldLabel(f.name)))),
      days: h("input", { name: "days", type: "number", min: 1, class: "days", placeholder: tt("tg.all_time"), value: c.days }),
      op: h("select", { name: "op" }),
      value: null,
    };
    const errs = { field: fieldErr(), days: fieldErr(), op: fieldErr(), value: fieldErr() };
    const valueBox = h("span", { class: "value" });
    const daysBox = h("span", { class: "window" }, h("span", { class: "muted" }, tt("tg.last")), inputs.days, h("span", { class: "muted" }, tt("tg.days")));
    const row = { inputs, errs, el: null };
    const shape = (keep) => {
      const f = byName(inputs.field.value);
      const ops = OPS[f.kind];
      const op = ops.includes(keep.op) ? keep.op : ops[0];
      fill(inputs.op, ops.map((o) => h("option", { value: o, selected: o === op }, tt("tg.op." + o))));
      inputs.value = f.values && f.values.length && op !== "in"
        ? h("select", { name: "value" }, f.values.map((v) => h("option", { value: v, selected: v === keep.value }, tt("tg.lv." + v))))
        : h("input", { name: "value", type: f.kind === "number" ? "number" : "text", step: "any", value: keep.value ?? "",
          placeholder: op === "in" ? tt("tg.in_hint") : "" });
      fill(valueBox, inputs.value, errs.value);
      daysBox.classList.toggle("hidden", !f.windowed);
    };
    inputs.field.addEventListener("change", () => shape({ op: inputs.op.value, value: "" }));
    inputs.op.addEventListener("change", () => shape({ op: inputs.op.value, value: inputs.value.value }));
    row.el = h("div", { class: "cond" },
      h("span", {}, inputs.field, errs.field), h("span", {}, daysBox, errs.days), h("span", {}, inputs.op, errs.op), valueBox,
      h("button", { type: "button", class: "link danger", title: tt("tg.remove_cond"), on: { click: () => {
        if (rows.length === 1) return;
        rows.splice(rows.indexOf(row), 1);
        row.el.remove();
      } } }, "✕"));
    shape(c);
    rows.push(row);
    rowsBox.appendChild(row.el);
  };
  const form = () => ({ match: match.value, conds: rows.map((r) => ({ field: r.inputs.field.value, op: r.inputs.op.value,
    value: r.inputs.value.value, days: r.inputs.days.value })) });
  const rule = () => (asJSON ? parseJSON() : toRule(form(), fields));
  const parseJSON = () => {
    try { return JSON.parse(json.value); } catch { throw Object.assign(new Error(tt("tg.err.json")), { field: "rule" }); }
  };
  const toJSONMode = () => {
    json.value = JSON.stringify(rule(), null, 2);
    asJSON = true;
    builderBox.classList.add("hidden");
    jsonBox.classList.remove("hidden");
    modeBtn.textContent = tt("tg.builder");
  };
  const modeBtn = h("button", { type: "button", class: "link", on: { click: () => {
    clearErrs(main);
    if (!asJSON) { toJSONMode(); return; }
    let shaped;
    try { shaped = fromRule(parseJSON()); } catch (e) { showErr(json, jsonErr, e.message); return; }
    if (!shaped) { showErr(json, jsonErr, tt("tg.json_only")); return; }
    match.value = shaped.match;
    rows.length = 0;
    rowsBox.replaceChildren();
    shaped.conds.forEach(addRow);
    asJSON = false;
    jsonBox.classList.add("hidden");
    builderBox.classList.remove("hidden");
    modeBtn.textContent = tt("tg.json");
  } } }, tt("tg.json"));

  // showFailure puts a refusal where it belongs: at the name, at a row's
  // input, or under the rule.
  const showFailure = (e) => {
    const text = problem(e.field, e.code);
    const place = errorPlace(e.field);
    if (e.field === "name") showErr(name, nameErr, text, e.message);
    else if (place && !asJSON && rows[place.row]) showErr(rows[place.row].inputs[place.input], rows[place.row].errs[place.input], text, e.message);
    else if (asJSON && (e.field || "").startsWith("rule")) showErr(json, jsonErr, `${text} (${e.field})`, e.message);
    else msg.fail(e.code ? { message: text + (e.field ? ` (${e.field})` : "") } : e);
  };
  const preview = async () => {
    clearErrs(main);
    msg.clear();
    try {
      const p = await api("POST", base(ctx) + "/tag-rules/preview", { rule: rule() });
      fill(result, h("div", { class: "big" }, previewText(p)),
        p.sample.length ? h("div", { class: "muted" }, tt("tg.sample"), " ", p.sample.join(tt("tg.d.list"))) : null);
      result.classList.remove("hidden");
    } catch (e) { showFailure(e); }
  };
  const save = async (ev) => {
    ev.preventDefault();
    clearErrs(main);
    msg.clear();
    const n = name.value.trim();
    if (!n) { showErr(name, nameErr, tt("tg.err.name")); return; }
    try {
      const r = await api("PUT", ruleURL(ctx, n), { rule: rule() });
      const note = r.retagging ? tt("tg.saved_rule_later", { name: r.name, n: r.retagging }) : tt("tg.saved_rule", { name: r.name });
      history.replaceState(null, "", "#tags");
      await overview(main, ctx, await api("GET", base(ctx) + "/tag-rules"), note);
    } catch (e) { showFailure(e); }
  };

  const shaped = existing ? fromRule(existing.rule) : { match: "all", conds: [{ field: "orders", op: ">=", value: "", days: 90 }] };
  fill(main, h("h2", {}, tt(existing ? "tg.edit_title" : "tg.new_title")),
    h("form", { class: "form tag-editor", novalidate: true, on: { submit: save } },
      h("label", {}, h("span", {}, tt("tg.name")), name, nameErr),
      h("div", { class: "muted small" }, tt("tg.name_note")),
      builderBox, jsonBox,
      h("div", { class: "actions" },
        h("button", { type: "button", id: "add-cond", on: { click: () => { if (rows.length < MAX_CONDS) addRow(); } } }, tt("tg.add_cond")),
        modeBtn),
      h("div", { class: "actions" },
        h("button", { type: "button", id: "tag-preview-btn", on: { click: preview } }, tt("tg.preview")),
        h("button", { type: "submit", class: "primary", id: "tag-save" }, tt("tg.save")),
        h("button", { type: "button", on: { click: () => ctx.go("tags") } }, tt("tg.cancel"))),
      msg, result));
  if (shaped) {
    match.value = shaped.match;
    shaped.conds.forEach(addRow);
  } else {
    // Nested deeper than rows show: JSON only.
    addRow();
    json.value = JSON.stringify(existing.rule, null, 2);
    asJSON = true;
    builderBox.classList.add("hidden");
    jsonBox.classList.remove("hidden");
    modeBtn.textContent = tt("tg.builder");
  }
}

