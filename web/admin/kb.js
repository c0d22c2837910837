// Knowledge: FAQ list with search and categories, the FAQ editor (question,
// similar questions, answers of each type, validity, drafts and
// publishing, history and revert), the test window, categories and answer
// packs with their upgrade diff.
import { h, fill, t, table, field, placeholder, status } from "./ui.js";
import { api, download } from "../common/api.js";
import { day, clock } from "../common/dom.js";

const base = (ctx) => `/api/v1/shops/${ctx.shop.id}/kb`;

async function loadCategories(ctx) {
  try { return (await api("GET", base(ctx) + "/categories")).items || []; } catch { return []; }
}

function statusTag(s) {
  const cls = { published: "tag green", draft: "tag grey", modified: "tag blue" }[s] || "tag";
  return h("span", { class: cls }, t("a.faq.st." + s));
}

export async function faqList(main, ctx) {
  const cats = await loadCategories(ctx);
  const catName = new Map(cats.map((c) => [c.id, c.name]));
  const q = h("input", { type: "search", placeholder: t("a.faq.search"), name: "q" });
  const cat = h("select", {}, h("option", { value: "" }, t("a.faq.all_cats")), cats.map((c) => h("option", { value: c.id }, c.name)));
  const st = h("select", {}, h("option", { value: "" }, t("a.faq.all_status")), ["published", "draft", "modified"].map((s) => h("option", { value: s }, t("a.faq.st." + s))));
  const box = h("div", {});
  const more = h("button", { type: "button", class: "hidden" }, t("a.more"));
  let cursor = "";
  let rows = [];
  const draw = () => fill(box, table([
    [t("a.faq.question"), (f) => h("div", {}, f.content.question, h("div", { class: "muted" }, t("a.faq.n_similar", { n: (f.content.similar || []).length })))],
    [t("a.faq.category"), (f) => catName.get(f.content.category_id) || ""],
    [t("a.faq.status"), (f) => [statusTag(f.status), f.pack_id ? h("span", { class: "tag grey" }, f.pack_id) : null]],
    [t("a.faq.updated"), (f) => day(f.updated_at)],
  ], rows, (f) => ctx.go("faq/" + f.id)));
  const search = async (append) => {
    const p = new URLSearchParams({ limit: "50" });
    if (q.value.trim()) p.set("q", q.value.trim());
    if (cat.value) p.set("category", cat.value);
    if (st.value) p.set("status", st.value);
    if (append && cursor) p.set("before", cursor);
    const res = await api("GET", base(ctx) + "/faqs?" + p);
    rows = append ? rows.concat(res.items || []) : res.items || [];
    cursor = res.next_cursor || "";
    more.classList.toggle("hidden", !cursor);
    draw();
  };
  let timer = 0;
  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => search(false), 250); });
  cat.addEventListener("change", () => search(false));
  st.addEventListener("change", () => search(false));
  more.addEventListener("click", () => search(true));
  const file = h("input", { type: "file", accept: ".csv,.xlsx,.jsonl", class: "hidden" });
  const msg = status();
  file.addEventListener("change", async () => {
    const f = file.files[0];
    file.value = "";
    if (!f) return;
    const format = f.name.endsWith(".xlsx") ? "xlsx" : f.name.endsWith(".jsonl") ? "jsonl" : "csv";
    try {
      const rep = await api("POST", base(ctx) + "/import?format=" + format, f, { "Content-Type": "application/octet-stream" });
      msg.ok(t("a.faq.imported", { n: rep.created ?? rep.applied ?? rep.rows ?? "" }));
      search(false);
    } catch (e) { msg.fail(e); }
  });
  fill(main, h("h2", {}, t("a.s.faqs")),
    h("div", { class: "bar-row" }, q, cat, st,
      h("button", { type: "button", class: "primary", on: { click: () => ctx.go("faq/new") } }, t("a.faq.new")),
      h("button", { type: "button", on: { click: () => file.click() } }, t("a.faq.import")), file,
      h("button", { type: "button", on: { click: () => download(base(ctx) + "/export?format=csv", "faqs.csv").catch((e) => msg.fail(e)) } }, t("a.faq.export_csv")),
      h("button", { type: "button", on: { click: () => download(base(ctx) + "/export?format=xlsx", "faqs.xlsx").catch((e) => msg.fail(e)) } }, t("a.faq.export_xlsx"))),
    msg, box, more);
  await search(false);
}

function answerEditor(a = { type: "text", lang: "", text: "" }) {
  const type = h("select", { name: "type" }, ["text", "image", "link", "product"].map((x) => h("option", { value: x, selected: a.type === x }, t("a.ans." + x))));
  const lang = h("select", { name: "lang" }, [["", "a.ans.any"], ["zh-CN", "a.ans.zh"], ["en", "a.ans.en"]].map(([v, k]) => h("option", { value: v, selected: (a.lang || "") === v }, t(k))));
  const text = h("textarea", { name: "text", rows: 3, placeholder: t("a.ans.text") }, a.text || "");
  const url = h("input", { name: "url", placeholder: t("a.ans.url"), value: a.url || "" });
  const title = h("input", { name: "title", placeholder: t("a.ans.title"), value: a.title || "" });
  const pid = h("input", { name: "product_id", placeholder: t("a.ans.product"), value: a.product_id || "" });
  const el = h("div", { class: "answer" });
  const show = () => {
    url.classList.toggle("hidden", !["image", "link"].includes(type.value));
    title.classList.toggle("hidden", !["link", "product"].includes(type.value));
    pid.classList.toggle("hidden", type.value !== "product");
  };
  type.addEventListener("change", show);
  fill(el, h("div", { class: "row3" }, type, lang, h("span"), h("button", { type: "button", class: "link danger", on: { click: () => el.remove() } }, t("a.remove"))), text, url, title, pid);
  show();
  el.value = () => {
    const out = { type: type.value, lang: lang.value || undefined, text: text.value.trim() || undefined };
    if (!url.classList.contains("hidden")) out.url = url.value.trim() || undefined;
    if (!title.classList.contains("hidden")) out.title = title.value.trim() || undefined;
    if (!pid.classList.contains("hidden")) out.product_id = pid.value.trim() || undefined;
    return out;
  };
  return el;
}

const toLocal = (s) => (s && !s.startsWith("0001") ? new Date(s).toISOString().slice(0, 16) : "");

export async function faqEdit(main, ctx, arg) {
  const cats = await loadCategories(ctx);
  const isNew = arg === "new" || !arg;
  const f = isNew ? { revision: 0, status: "draft", content: { question: "", similar: [], answers: [{ type: "text", text: "" }] } } : await api("GET", base(ctx) + "/faqs/" + arg);
  const c = f.content;
  const q = h("input", { name: "question", required: true, maxlength: 200, value: c.question || "" });
  const similar = h("textarea", { name: "similar", rows: 5 }, (c.similar || []).join("\n"));
  const answers = h("div", {}, (c.answers || []).map((a) => answerEditor(a)));
  const cat = h("select", { name: "category" }, h("option", { value: "0" }, t("a.faq.no_cat")), cats.map((x) => h("option", { value: x.id, selected: x.id === c.category_id }, x.name)));
  const tags = h("input", { name: "tags", value: (c.tags || []).join(", ") });
  const from = h("input", { type: "datetime-local", name: "valid_from", value: toLocal(c.valid_from) });
  const until = h("input", { type: "datetime-local", name: "valid_until", value: toLocal(c.valid_until) });
  const msg = status();
  const warn = h("div", {});
  const content = () => ({
    question: q.value.trim(),
    similar: similar.value.split("\n").map((s) => s.trim()).filter(Boolean),
    answers: [...answers.children].map((a) => a.value()),
    tags: tags.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean),
    category_id: Number(cat.value) || undefined,
    valid_from: from.value ? new Date(from.value).toISOString() : undefined,
    valid_until: until.value ? new Date(until.value).toISOString() : undefined,
  });
  const save = async (publish) => {
    msg.clear();
    try {
      const body = { ...content(), publish, key: f.key || undefined };
      const res = isNew ? await api("POST", base(ctx) + "/faqs", body) : await api("PUT", base(ctx) + "/faqs/" + f.id, { ...body, revision: f.revision });
      fill(warn, (res.warnings || []).map((w) => h("div", { class: "warn" }, w.message)));
      msg.ok(publish ? t("a.faq.published") : t("a.faq.saved"));
      if (isNew) ctx.go("faq/" + res.faq.id);
      else { Object.assign(f, res.faq); drawState(); }
    } catch (e) { msg.fail(e); if (e.field) { const el = main.querySelector(`[name="${e.field}"]`); if (el) el.focus(); } }
  };
  const stateBox = h("span", {});
  const drawState = () => fill(stateBox, statusTag(f.status), " ", t("a.faq.revision", { n: f.revision }));
  drawState();
  const hist = h("div", {});
  fill(main, h("h2", {}, isNew ? t("a.faq.new") : t("a.faq.edit"), " ", isNew ? null : stateBox),
    h("p", {}, h("a", { href: "#faqs" }, "‹ " + t("a.s.faqs"))),
    h("form", { class: "form", on: { submit: (ev) => ev.preventDefault() } },
      field(t("a.faq.question"), q),
      field(t("a.faq.similar"), similar),
      h("div", {}, h("span", { class: "muted" }, t("a.faq.answers")), answers,
        h("button", { type: "button", on: { click: () => answers.appendChild(answerEditor()) } }, t("a.faq.add_answer"))),
      h("div", { class: "row2" }, field(t("a.faq.category"), cat), field(t("a.faq.tags"), tags)),
      h("div", { class: "row2" }, field(t("a.faq.valid_from"), from), field(t("a.faq.valid_until"), until)),
      warn,
      h("div", { class: "actions" },
        h("button", { type: "button", id: "save-draft", on: { click: () => save(false) } }, t("a.faq.save_draft")),
        h("button", { type: "button", class: "primary", id: "save-publish", on: { click: () => save(true) } }, t("a.faq.save_publish")),
        isNew ? null : h("button", { type: "button", on: { click: async () => {
          try { Object.assign(f, await api("POST", base(ctx) + `/faqs/${f.id}/unpublish`)); drawState(); msg.ok(t("a.faq.unpublished")); } catch (e) { msg.fail(e); }
        } } }, t("a.faq.unpublish")),
        isNew ? null : h("button", { type: "button", class: "danger", on: { click: async () => {
          if (!confirm(t("a.faq.delete_confirm"))) return;
          try { await api("DELETE", base(ctx) + "/faqs/" + f.id); ctx.go("faqs"); } catch (e) { msg.fail(e); }
        } } }, t("a.delete"))),
      msg),
    isNew ? null : h("h3", {}, t("a.faq.history")), hist);
  if (!isNew) {
    const revs = (await api("GET", base(ctx) + `/faqs/${f.id}/history`)).items || [];
    fill(hist, table([
      [t("a.faq.revision_col"), (r) => "#" + r.revision],
      [t("a.faq.action"), (r) => r.action],
      [t("a.faq.question"), (r) => r.content.question],
      [t("a.faq.when"), (r) => clock(r.created_at)],
      ["", (r) => r.revision === f.revision ? h("span", { class: "muted" }, t("a.faq.current")) : h("button", { type: "button", class: "link", on: { click: async () => {
        try { await api("POST", base(ctx) + `/faqs/${f.id}/revert`, { revision: r.revision }); faqEdit(main, ctx, String(f.id)); } catch (e) { msg.fail(e); }
      } } }, t("a.faq.revert"))],
    ], revs.slice().reverse()));
  }
}

export async function kbTest(main, ctx) {
  const q = h("input", { name: "text", placeholder: t("a.test.ph") });
  const out = h("div", {});
  const run = async () => {
    if (!q.value.trim()) return;
    try {
      const r = await api("POST", base(ctx) + "/test", { text: q.value.trim() });
      const pct = (v) => (typeof v === "number" ? (v * 100).toFixed(1) + "%" : "");
      fill(out, h("div", { class: "result", id: "test-result" },
        h("div", { class: "big" }, t("a.test.decision." + r.decision) !== "a.test.decision." + r.decision ? t("a.test.decision." + r.decision) : r.decision, " · ", pct(r.confidence)),
        h("dl", { class: "kv" },
          h("dt", {}, t("d.why.reason")), h("dd", {}, r.reason || ""),
          h("dt", {}, t("d.why.intent")), h("dd", {}, r.analysis && r.analysis.intent ? `${r.analysis.intent.id} ${pct(r.analysis.intent.confidence)}` : ""),
          h("dt", {}, t("d.why.threshold")), h("dd", {}, r.thresholds ? `${t("d.why.answer")} ${pct(r.thresholds.answer)} · ${t("d.why.suggest")} ${pct(r.thresholds.suggest)}` : ""),
          h("dt", {}, t("a.test.lang")), h("dd", {}, r.lang || "")),
        h("h3", {}, t("d.why.candidates")),
        table([
          [t("a.faq.question"), (c) => c.question],
          [t("a.test.answer"), (c) => (c.answer || "").slice(0, 80)],
          ["BM25", (c) => (c.bm25 || 0).toFixed(2)],
          [t("a.test.neighbour"), (c) => (c.neighbour || 0).toFixed(2)],
          [t("a.test.classifier"), (c) => (c.classifier || 0).toFixed(2)],
          [t("a.test.fused"), (c) => (c.fused || 0).toFixed(2)],
        ], r.candidates || [], (c) => ctx.go("faq/" + c.faq_id))));
    } catch (e) { fill(out, h("p", { class: "err" }, e.message)); }
  };
  q.addEventListener("keydown", (ev) => { if (ev.key === "Enter") run(); });
  fill(main, h("h2", {}, t("a.s.test")), h("p", { class: "muted" }, t("a.test.intro")),
    h("div", { class: "bar-row" }, q, h("button", { type: "button", class: "primary", on: { click: run } }, t("a.test.run"))), out);
}

export async function categories(main, ctx) {
  const cats = await loadCategories(ctx);
  const name = h("input", { placeholder: t("a.cat.name") });
  const msg = status();
  fill(main, h("h2", {}, t("a.s.categories")),
    h("div", { class: "bar-row" }, name, h("button", { type: "button", class: "primary", on: { click: async () => {
      try { await api("POST", base(ctx) + "/categories", { name: name.value.trim() }); categories(main, ctx); } catch (e) { msg.fail(e); }
    } } }, t("a.add"))), msg,
    table([
      [t("a.cat.name"), (c) => c.name],
      ["", (c) => [h("button", { type: "button", class: "link", on: { click: async () => {
        const n = prompt(t("a.cat.rename"), c.name);
        if (!n) return;
        try { await api("PATCH", base(ctx) + "/categories/" + c.id, { name: n }); categories(main, ctx); } catch (e) { msg.fail(e); }
      } } }, t("a.rename")), h("button", { type: "button", class: "link danger", on: { click: async () => {
        if (!confirm(t("a.confirm_delete", { name: c.name }))) return;
        try { await api("DELETE", base(ctx) + "/categories/" + c.id); categories(main, ctx); } catch (e) { msg.fail(e); }
      } } }, t("a.delete"))]],
    ], cats));
}

export async function packs(main, ctx) {
  const list = (await api("GET", base(ctx) + "/packs")).items || [];
  const lang = document.documentElement.lang;
  const name = (m) => (m && (m[lang] || m["zh-CN"] || m.en)) || "";
  const msg = status();
  const plan = h("div", {});
  const showPlan = async (p) => {
    try {
      const pl = await api("GET", base(ctx) + `/packs/${p.id}/upgrade`);
      fill(plan, h("div", { class: "result diff" }, h("div", { class: "big" }, t("a.pack.plan", { name: name(p.name), from: pl.from_version, to: pl.to_version })),
        table([
          [t("a.pack.change"), (c) => h("span", { class: c.kind }, t("a.pack.kind." + c.kind))],
          [t("a.faq.question"), (c) => c.question],
          [t("a.pack.fields"), (c) => (c.fields || []).join(", ")],
        ], pl.changes || []),
        h("div", { class: "actions" }, h("button", { type: "button", class: "primary", on: { click: async () => {
          try { await api("POST", base(ctx) + `/packs/${p.id}/upgrade`); msg.ok(t("a.pack.upgraded")); packs(main, ctx); } catch (e) { msg.fail(e); }
        } } }, t("a.pack.upgrade")))));
    } catch (e) { msg.fail(e); }
  };
  fill(main, h("h2", {}, t("a.s.packs")), h("p", { class: "muted" }, t("a.pack.intro")), msg,
    table([
      [t("a.pack.name"), (p) => h("div", {}, h("b", {}, name(p.name)), h("div", { class: "muted" }, name(p.description)))],
      [t("a.pack.version"), (p) => p.enabled ? `v${p.version} / v${p.latest_version}` : `v${p.latest_version}`],
      [t("a.pack.faqs"), (p) => String(p.faqs)],
      ["", (p) => [
        !p.enabled ? h("button", { type: "button", class: "link", on: { click: async () => {
          try { await api("POST", base(ctx) + `/packs/${p.id}/enable`); packs(main, ctx); } catch (e) { msg.fail(e); }
        } } }, t("a.pack.enable")) : null,
        p.can_upgrade ? h("button", { type: "button", class: "link", on: { click: () => showPlan(p) } }, t("a.pack.see_upgrade")) : null,
        p.can_rollback ? h("button", { type: "button", class: "link", on: { click: async () => {
          try { await api("POST", base(ctx) + `/packs/${p.id}/rollback`); packs(main, ctx); } catch (e) { msg.fail(e); }
        } } }, t("a.pack.rollback")) : null]],
    ], list), plan);
}

export async function gaps(main) {
  fill(main, h("h2", {}, t("a.s.gaps")), h("p", { class: "muted" }, t("a.gaps.intro")), placeholder("a.gaps.wait", 9));
}
