// The statistics dashboard (/admin#stats): the live overview, the period's
// headline measures, charts of each day (or hour), handoff reasons, and the
// agent, intent and FAQ tables, each downloadable as CSV. Every figure
// comes from /api/v1/shops/{shop}/stats/... (docs/metrics.md).
import { h, fill } from "../common/dom.js";
import { api, download } from "../common/api.js";
import { barChart, lineChart, hbarChart } from "./chart.js";
import { loadTexts, st, value, duration } from "./stats-text.js";

const base = (ctx) => `/api/v1/shops/${ctx.shop.id}/stats`;

// The headline measures, from the overview report.
const KPIS = ["conversations", "bot_resolution_rate", "answer_rate", "suggestion_rate", "fallback_rate", "handoff_rate",
  "click_through", "satisfaction", "response_rate", "rating_avg", "first_response_bot_ms", "first_response_human_ms",
  "queue_wait_ms", "handle_time_ms"];

// isoDay is a date as YYYY-MM-DD in the browser's zone (the server reads
// it in the shop's).
function isoDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// column reads a report's column by key, for all rows.
function column(rep, key) {
  const i = rep.columns.findIndex((c) => c.key === key);
  return rep.rows.map((r) => (i < 0 ? null : r[i]));
}

// byKey is one row of a report as an object.
function byKey(rep, row) {
  const o = {};
  rep.columns.forEach((c, i) => { o[c.key] = row[i]; });
  return o;
}

export async function stats(main, ctx) {
  await loadTexts();
  if (!ctx.perms.has("reports.read")) {
    fill(main, h("h2", {}, st("s.title")), h("p", { class: "muted" }, st("s.noperm")));
    return;
  }
  const now = new Date();
  const from = h("input", { type: "date", value: isoDay(new Date(now.getTime() - 29 * 86400000)) });
  const to = h("input", { type: "date", value: isoDay(now) });
  const gran = h("select", {}, h("option", { value: "day" }, st("s.day")), h("option", { value: "hour" }, st("s.hour")));
  const channel = h("select", {}, h("option", { value: "" }, st("s.all")),
    ["web", "mobile", "other"].map((c) => h("option", { value: c }, st("s.ch." + c))));
  const group = h("select", {}, h("option", { value: "" }, st("s.all")), h("option", { value: "0" }, st("s.no_group")));
  const agent = h("select", {}, h("option", { value: "" }, st("s.all")), h("option", { value: "0" }, st("s.bot_only")));
  const body = h("div", {});
  const live = h("div", { class: "stats-live" });
  const go = () => draw(body, ctx, { from: from.value, to: to.value, granularity: gran.value, channel: channel.value, group: group.value, agent: agent.value });
  fill(main, h("h2", {}, st("s.title")),
    h("h3", {}, st("s.live")), live,
    h("div", { class: "stats-filters" },
      h("label", {}, st("s.from"), from), h("label", {}, st("s.to"), to), h("label", {}, st("s.by"), gran),
      h("label", {}, st("s.channel"), channel), h("label", {}, st("s.group"), group), h("label", {}, st("s.agent"), agent),
      h("button", { type: "button", class: "primary", on: { click: go } }, st("s.apply"))),
    body);
  const shop = `/api/v1/shops/${ctx.shop.id}`;
  api("GET", shop + "/groups").then((r) => group.append(...(r.items || []).map((g) => h("option", { value: g.id }, g.name)))).catch(() => {});
  api("GET", shop + "/members").then((r) => agent.append(...(r.items || []).map((m) =>
    h("option", { value: m.account.id }, m.account.display_name || m.account.username)))).catch(() => {});
  drawLive(live, ctx).catch((e) => fill(live, h("p", { class: "err" }, e.message)));
  await go();
}

// drawLive shows who waits and which agents are at work now.
async function drawLive(el, ctx) {
  const l = await api("GET", base(ctx) + "/live");
  const stat = (label, n) => h("div", { class: "stat" }, h("div", { class: "muted" }, label), h("div", { class: "n" }, String(n)));
  fill(el, h("div", { class: "stat-cards" },
    stat(st("s.waiting"), l.waiting), stat(st("s.longest"), l.waiting ? duration(l.longest_wait_ms) : "—"),
    stat(st("s.online"), l.agents_online), stat(st("s.with_agents"), l.with_agents)),
    l.queues.length ? simpleTable([st("s.queue"), st("s.waiting"), st("s.longest")],
      l.queues.map((q) => [q.group || (q.group_id ? "#" + q.group_id : st("s.general")), q.waiting, duration(q.longest_wait_ms)])) : null,
    l.agents.rows.length ? simpleTable([st("s.agent"), st("s.status"), st("s.load")],
      l.agents.rows.map((r) => [r[1], st("s.st." + r[2]), `${r[3]} / ${r[4]}`])) : null);
}

function simpleTable(head, rows) {
  return h("div", { class: "tbl-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, head.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, String(c))))))));
}

// draw loads every report of the period and shows them.
async function draw(el, ctx, q) {
  fill(el, h("p", { class: "muted" }, "…"));
  const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== ""));
  const get = (name) => api("GET", `${base(ctx)}/${name}?${params}`);
  try {
    const [ov, conv, bot, sat, times, hand, agents, intents, faqs] = await Promise.all(
      ["overview", "conversations", "bot", "satisfaction", "times", "handoffs", "agents", "intents", "faqs"].map(get));
    const o = byKey(ov, ov.rows[0]);
    const kinds = Object.fromEntries(ov.columns.map((c) => [c.key, c.kind]));
    const labels = column(conv, "bucket");
    fill(el,
      h("p", { class: "muted" }, st("s.tz", { tz: ov.timezone })),
      h("h3", {}, st("s.kpi")),
      h("div", { class: "kpis stat-cards" }, KPIS.map((k) => h("div", { class: "stat" },
        h("div", { class: "muted" }, st("s.m." + k)), h("div", { class: "n" }, value(o[k], kinds[k]) || "0")))),
      h("h3", {}, st("s.charts")),
      h("div", { class: "charts" },
        box(st("s.c.volume"), barChart({ title: st("s.c.volume"), labels,
          bars: [{ name: st("s.m.conversations"), values: column(conv, "conversations"), cls: "c1" }],
          line: { name: st("s.m.bot_resolution_rate"), values: column(conv, "bot_resolution_rate"), cls: "c5" } })),
        box(st("s.c.bot"), barChart({ title: st("s.c.bot"), labels, bars: [
          { name: st("s.m.answered"), values: column(bot, "answered"), cls: "c1" },
          { name: st("s.m.suggested"), values: column(bot, "suggested"), cls: "c2" },
          { name: st("s.m.fallback"), values: column(bot, "fallback"), cls: "c3" },
          { name: st("s.m.handoff"), values: column(bot, "handoff"), cls: "c4" }],
          line: { name: st("s.m.answer_rate"), values: column(bot, "answer_rate"), cls: "c5" } })),
        box(st("s.c.sat"), barChart({ title: st("s.c.sat"), labels,
          bars: [{ name: st("s.m.ratings"), values: column(sat, "ratings"), cls: "c2" }],
          line: { name: st("s.m.satisfaction"), values: column(sat, "satisfaction"), cls: "c5" } })),
        box(st("s.c.times"), lineChart({ title: st("s.c.times"), labels, yFormat: (v) => duration(v),
          series: [{ name: st("s.m.first_response_bot_ms"), values: column(times, "first_response_bot_ms"), cls: "c1" },
            { name: st("s.m.first_response_human_ms"), values: column(times, "first_response_human_ms"), cls: "c2" },
            { name: st("s.m.queue_wait_ms"), values: column(times, "queue_wait_ms"), cls: "c3" }] })),
        box(st("s.c.handoffs"), hbarChart({ title: st("s.c.handoffs"),
          items: hand.rows.map((r) => ({ label: st("s.r." + r[0]), value: r[1] })), format: (v) => String(v) }))),
      h("h3", {}, st("s.tables")),
      reportTable(ctx, params, agents, "s.t.agents"),
      reportTable(ctx, params, intents, "s.t.intents"),
      reportTable(ctx, params, faqs, "s.t.faqs", 30),
      reportTable(ctx, params, hand, "s.t.handoffs"),
      // The day-by-day tables behind the charts, folded away.
      [[conv, "s.t.conversations"], [bot, "s.t.bot"], [sat, "s.t.satisfaction"], [times, "s.t.times"]].map(([rep, key]) =>
        h("details", {}, h("summary", {}, st(key)), reportTable(ctx, params, rep, key))));
  } catch (e) {
    fill(el, h("p", { class: "err" }, e.message));
  }
}

function box(title, chart) {
  chart.prepend(h("h4", {}, title));
  return chart;
}

// reportTable shows a report's rows (at most limit) and totals, with a
// button that downloads all of it as CSV.
function reportTable(ctx, params, rep, titleKey, limit = 0) {
  const csv = new URLSearchParams(params);
  csv.set("format", "csv");
  const rows = limit ? rep.rows.slice(0, limit) : rep.rows;
  const num = (c) => c.kind !== "label" && c.kind !== "id";
  const cell = (c, v) => {
    if (c.key === "reason") return st("s.r." + v);
    if (c.key.endsWith("_ms") && c.kind === "count") return duration(v);
    return value(v, c.kind);
  };
  return h("div", {},
    h("div", { class: "tbl-head" }, h("h3", {}, st(titleKey)),
      h("button", { type: "button", on: { click: () => download(`${base(ctx)}/${rep.name}?${csv}`, `${rep.name}-${rep.from}-${rep.to}.csv`) } }, st("s.csv"))),
    h("div", { class: "tbl-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, rep.columns.map((c) => h("th", { class: num(c) ? "num" : "" }, st("s.m." + c.key))))),
      h("tbody", {}, rows.map((r) => h("tr", {}, rep.columns.map((c, i) => h("td", { class: num(c) ? "num" : "" }, cell(c, r[i])))))),
      rep.totals ? h("tfoot", {}, h("tr", {}, rep.columns.map((c, i) => h("th", { class: num(c) ? "num" : "" },
        rep.totals[i] === "total" ? st("s.total") : cell(c, rep.totals[i]))))) : null)));
}
