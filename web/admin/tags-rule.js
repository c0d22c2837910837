// Buyer tag rules as the console edits them. A rule (docs/integration.md)
// is a condition on a buyer field, or all / any / not of rules. The editor
// shows the common shape — all or any of plain conditions — as rows; a
// rule nested deeper is edited as JSON. Texts come from the tag pages'
// own catalogues (/ui/admin/i18n/tags.<lang>.json).
import { t, current } from "../common/i18n.js";

let texts = null;

// loadTagTexts fetches the catalogue of the page's language and links the
// pages' stylesheet, once.
export async function loadTagTexts() {
  if (texts) return;
  if (!document.querySelector("link[data-tags]")) {
    const l = document.createElement("link");
    l.rel = "stylesheet";
    l.href = "/ui/admin/tags.css";
    l.dataset.tags = "1";
    document.head.appendChild(l);
  }
  const res = await fetch(`/ui/admin/i18n/tags.${current()}.json`);
  texts = res.ok ? await res.json() : {};
}

// tt returns the text of key with {name} replaced by vars.name; a key
// missing there falls back to the console's catalogue.
export function tt(key, vars = {}) {
  let s = texts && texts[key] !== undefined ? texts[key] : t(key);
  for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
  return s;
}

// OPS are the operators of each kind of field.
export const OPS = { number: ["=", "!=", ">", ">=", "<", "<="], text: ["=", "!=", "in", "contains"] };

const isCond = (r) => r && typeof r === "object" && typeof r.field === "string";

// fromRule turns a rule into the editor's rows: {match, conds: [{field, op,
// value, days}]}, or null when it is nested deeper than rows can show.
export function fromRule(rule) {
  if (isCond(rule)) return { match: "all", conds: [condRow(rule)] };
  for (const match of ["all", "any"]) {
    const list = rule && rule[match];
    if (Array.isArray(list) && Object.keys(rule).length === 1 && list.length > 0 && list.every(isCond)) {
      return { match, conds: list.map(condRow) };
    }
  }
  return null;
}

// Spend is kept in fen and edited in yuan.
const YUAN = "spend_fen";

function condRow(c) {
  let value = Array.isArray(c.value) ? c.value.join(", ") : c.value ?? "";
  if (c.field === YUAN && typeof value === "number") value = value / 100;
  return { field: c.field, op: c.op || "=", value, days: c.days || "" };
}

// toRule turns the editor's rows into a rule. A value that is not a number
// where one is wanted is sent as it is, for the server to point at.
export function toRule(form, fields) {
  const conds = form.conds.map((c) => {
    const f = fields.find((x) => x.name === c.field) || { kind: "text" };
    const out = { field: c.field, op: c.op };
    const raw = String(c.value ?? "").trim();
    if (f.kind === "number") out.value = raw !== "" && !isNaN(Number(raw)) ? Number(raw) : raw;
    else if (c.op === "in") out.value = raw.split(/[,，、\s]+/).filter(Boolean);
    else out.value = raw;
    if (c.field === YUAN && typeof out.value === "number") out.value = Math.round(out.value * 100);
    const days = String(c.days ?? "").trim();
    if (f.windowed && days !== "") out.days = !isNaN(Number(days)) ? Number(days) : days;
    return out;
  });
  return { [form.match]: conds };
}

// fieldLabel names a field in the page's language.
export function fieldLabel(name) {
  const k = "tg.f." + name;
  const s = tt(k);
  return s === k ? name : s;
}

function valueText(c) {
  if (c.field === "level") {
    const vs = Array.isArray(c.value) ? c.value : [c.value];
    return vs.map((v) => tt("tg.lv." + v)).join(tt("tg.d.list"));
  }
  if (c.field === "spend_fen" && typeof c.value === "number") return "¥" + (c.value / 100).toFixed(2);
  return Array.isArray(c.value) ? c.value.join(tt("tg.d.list")) : String(c.value);
}

// describe reads a rule in words: "orders in the last 90 days ≥ 2 and city
// is 上海".
export function describe(rule, nested = false) {
  if (isCond(rule)) {
    const field = rule.days ? tt("tg.d.window", { n: rule.days, field: fieldLabel(rule.field) }) : fieldLabel(rule.field);
    return `${field} ${tt("tg.op." + rule.op)} ${valueText(rule)}`;
  }
  if (rule && rule.not) return tt("tg.d.not", { rule: describe(rule.not, true) });
  for (const match of ["all", "any"]) {
    if (rule && Array.isArray(rule[match])) {
      const s = rule[match].map((r) => describe(r, true)).join(tt("tg.d." + match));
      return nested && rule[match].length > 1 ? `(${s})` : s;
    }
  }
  return JSON.stringify(rule);
}

// errorPlace splits an error's field (rule.all[1].value) into the row and
// the input it names; null when it names the rule as a whole.
export function errorPlace(field) {
  const m = /^rule\.(?:all|any)\[(\d+)\]\.(field|op|value|days)$/.exec(field || "");
  return m ? { row: Number(m[1]), input: m[2] } : null;
}

// problem says what is wrong with a field in the page's language; the
// server's own words stay in the element's title.
export function problem(field, code) {
  if (code === "too_many_rules") return tt("tg.err.too_many");
  const place = errorPlace(field);
  const key = place ? "tg.err." + place.input : "tg.err." + (field || "rule").replace(/^rule.*/, "rule");
  const s = tt(key);
  return s === key ? tt("tg.err.rule") : s;
}
