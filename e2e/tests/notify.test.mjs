// Workbench alerts (issue 8, internal/notify): the server sends each agent
// an "alert" frame made from their notification preferences, and the
// workbench plays the sound they chose at their volume, shows a desktop
// notification while it is in the background and flashes its title; the
// link a push carries opens the conversation. In Chinese and in English.
import { test } from "node:test";
import http from "node:http";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, DESKTOP, PHONE } from "../lib/browser.mjs";
import { LANGS, openChat, openDesk, openAdmin, ask, expect } from "../lib/flows.mjs";
import { PASSWORD, alwaysOpen } from "../lib/server.mjs";

// The console test's receivers listen on loopback, which the server
// refuses unless allowed (the server inherits this environment).
process.env.XIAOER_NOTIFY_ALLOW_PRIVATE = "127.0.0.1";
const s = suite();
const BUYERS = { zh: "u1005", en: "u1006" };
const VOLUME = { zh: 35, en: 65 };

// asAgent calls the JSON API as one of the demo accounts.
async function asAgent(server, user, method, path, body) {
  const login = await fetch(server.url + "/api/v1/auth/login", { method: "POST",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ login: user, password: PASSWORD }) });
  const me = await login.json();
  const cookie = (login.headers.get("set-cookie") || "").split(";")[0];
  const res = await fetch(server.url + path, { method, headers: { "Content-Type": "application/json", Cookie: cookie,
    "X-CSRF-Token": me.csrf_token }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

for (const [lang, L] of Object.entries(LANGS)) {
  test(`alerts (${lang}): the agent's own sound and volume, a desktop notification and the flashing title`, async () => {
    await alwaysOpen(s.server);
    // 小李 xiaoli is in the after-sales group, where the demo routes "转人工".
    const mine = await asAgent(s.server, "xiaoli", "GET", "/api/v1/shops/1/notifications/me");
    const prefs = mine.preferences;
    prefs.events.handoff = { workbench: true, sound: "bell", push: false };
    prefs.events.queue = { workbench: true, sound: "bell", push: false };
    prefs.events.assigned = { workbench: true, sound: "knock", push: false };
    prefs.volume = VOLUME[lang];
    prefs.desktop = true;
    prefs.flash_title = true;
    await asAgent(s.server, "xiaoli", "PUT", "/api/v1/shops/1/notifications/me", prefs);

    const agentCtx = await context(s.browser, { locale: L.locale, viewport: DESKTOP, permissions: ["notifications"] });
    // The workbench will be in the background: document.hidden follows
    // window.__background, and Notification records what it is asked to show.
    await agentCtx.addInitScript(() => {
      window.__shown = [];
      Object.defineProperty(document, "hidden", { configurable: true, get: () => window.__background === true });
      window.Notification = class {
        static permission = "granted";
        static requestPermission() { return Promise.resolve("granted"); }
        constructor(title, opts) { window.__shown.push({ title, body: opts && opts.body }); }
        close() {}
      };
    });
    const desk = await openDesk(agentCtx, s.server, "xiaoli");
    await desk.click("#alerts");
    await desk.waitForFunction(() => window.xiaoerDesk.alerts.enabled);
    const before = await desk.evaluate(() => window.xiaoerDesk.alerts.log.length);
    await desk.evaluate(() => { window.__background = true; });

    const buyerCtx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const chat = await openChat(buyerCtx, s.server, { buyer: BUYERS[lang] });
    await chat.click("#human");
    await chat.waitForFunction(() => ["queue", "agent"].includes(window.xiaoerChat.owner), null, { timeout: 15000 });

    // The first alert of this conversation: the handoff to her group's
    // queue (a bell) or, when the router gave it to her at once, the
    // assignment (a knock) — at her volume either way.
    await desk.waitForFunction((n) => window.xiaoerDesk.alerts.log.length > n, before, { timeout: 15000 });
    const a = await desk.evaluate((n) => window.xiaoerDesk.alerts.log[n], before);
    const want = { handoff: "bell", queue: "bell", assigned: "knock" }[a.kind];
    expect.ok(want, `an alert of kind ${a.kind}`);
    expect.equal(a.name, want);
    expect.equal(a.volume, VOLUME[lang]);
    expect.equal(a.sound, true);
    expect.equal(a.desktop, true);
    expect.equal(a.flash, true);
    const shown = await desk.evaluate(() => window.__shown);
    expect.ok(shown.some((n) => n.title === a.title), `a desktop notification titled ${a.title}`);
    await desk.waitForFunction(() => document.title.startsWith("【"), null, { timeout: 5000 });

    // Back in front: the title stops flashing.
    await desk.evaluate(() => { window.__background = false; document.dispatchEvent(new Event("visibilitychange")); });
    await desk.waitForFunction(() => !document.title.startsWith("【"));
    // A push's link opens the workbench on the conversation.
    const linked = await agentCtx.newPage();
    await linked.goto(`${s.server.url}/desk?shop=1#conversation=${a.conversation}`);
    await linked.waitForFunction((id) => window.xiaoerDesk && window.xiaoerDesk.current && window.xiaoerDesk.current.id === id,
      a.conversation, { timeout: 15000 });
    noErrors(agentCtx);
    noErrors(buyerCtx);
    await agentCtx.close();
    await buyerCtx.close();
  });
}

// receiver is a local endpoint that records each request and answers with
// the status answer() gives.
function receiver(answer = () => 200) {
  const got = [];
  const srv = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      got.push({ headers: req.headers, body: JSON.parse(body || "{}") });
      res.writeHead(answer(got.length));
      res.end();
    });
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () =>
    resolve({ got, url: `http://127.0.0.1:${srv.address().port}/in`, close: () => srv.close() })));
}

// until polls cond (which may be async) until it holds, for 15 seconds.
async function until(cond) {
  for (const end = Date.now() + 15000; Date.now() < end;) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("condition not met in 15 s: " + cond);
}

// failedDeliveries counts the demo shop's failed deliveries, asked from
// the page with its session.
function failedDeliveries(page) {
  return page.evaluate(async () => (await (await fetch("/api/v1/shops/1/deliveries?status=failed")).json()).items.length);
}

const CONSOLE = {
  zh: { add: "添加渠道", test: "发送测试消息", ok: /测试成功/, hook: "添加 Webhook", failed: "失败", retry: "重试", retried: "已重新排队", mine: "我的提醒设置", save: "保存", saved: "已保存" },
  en: { add: "Add channel", test: "Send test message", ok: /Test sent/, hook: "Add webhook", failed: "Failed", retry: "Retry", retried: "Back in line", mine: "My notifications", save: "Save", saved: "Saved" },
};

for (const [lang, L] of Object.entries(LANGS)) {
  const C = CONSOLE[lang];
  test(`notifications console (${lang}): a channel with a test message, a webhook's secret once, a failed delivery retried; an agent's own settings`, async () => {
    const channelIn = await receiver();
    const hookIn = await receiver((n) => (n === 1 ? 400 : 204));
    const ctx = await context(s.browser, { locale: L.locale, viewport: DESKTOP });
    const admin = await openAdmin(ctx, s.server, "admin");
    await admin.goto(s.server.url + "/admin#notify");
    await admin.locator(".notify-prefs").first().waitFor();

    // A plain webhook channel, signed, and its test message.
    const form = admin.locator(".form", { has: admin.locator('select[name="kind"]') });
    await form.locator('select[name="kind"]').selectOption("webhook");
    await form.locator('input[name="name"]').fill("值班系统 " + lang);
    await form.locator('input[name="url"]').fill(channelIn.url);
    await form.locator('input[name="secret"]').fill("s3cret-" + lang);
    await form.locator(`button:has-text("${C.add}")`).click();
    const row = admin.locator("tr", { hasText: "值班系统 " + lang });
    await row.waitFor();
    await row.locator(`button:has-text("${C.test}")`).click();
    await admin.locator(".ok-text", { hasText: C.ok }).waitFor();
    expect.equal(channelIn.got.length, 1);
    expect.equal(channelIn.got[0].body.type, "test");
    expect.match(channelIn.got[0].headers["x-xiaoer-signature"], /^v1=[0-9a-f]{64}$/);
    expect.ok(!(await admin.locator("body").innerText()).includes("s3cret-" + lang), "the channel's secret is not shown");

    // A webhook: its secret shown once.
    const hookForm = admin.locator(".form", { has: admin.locator(`button:has-text("${C.hook}")`) });
    await hookForm.locator('input[name="name"]').fill("ERP " + lang);
    await hookForm.locator('input[name="url"]').fill(hookIn.url);
    await hookForm.locator(`button:has-text("${C.hook}")`).click();
    expect.match(await admin.locator(".secret").last().innerText(), /^whsec_[0-9a-f]{48}$/);
    await shot(admin, `admin-notify-${lang}-desktop`);

    // A buyer starts a conversation: the ERP refuses it (400), so the
    // delivery fails at once; the console shows it and retries it.
    const buyerCtx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    await ask(await openChat(buyerCtx, s.server, {}), L.faq); // the first message opens the conversation
    await until(async () => (await failedDeliveries(admin)) > 0);
    await admin.reload();
    const failed = admin.locator("tr", { hasText: "HTTP 400" }).first();
    await failed.waitFor();
    await failed.locator(`button:has-text("${C.retry}")`).click();
    await admin.locator(".ok-text", { hasText: C.retried }).waitFor();
    await until(async () => (await failedDeliveries(admin)) === 0);
    expect.ok(hookIn.got.length >= 2, "the retried delivery reached the ERP");

    // An agent's own settings in the workbench: a quieter volume, saved.
    const deskCtx = await context(s.browser, { locale: L.locale, viewport: DESKTOP });
    const desk = await openDesk(deskCtx, s.server, "xiaomei");
    await desk.click("#alert-prefs");
    await desk.locator(".dialog h3", { hasText: C.mine }).waitFor();
    await desk.locator('.dialog input[name="volume"]').evaluate((el) => { el.value = "20"; });
    await desk.locator('.dialog select[name="message.sound"]').selectOption("knock");
    await desk.locator(`.dialog button:has-text("${C.save}")`).click();
    await desk.locator(".dialog .ok-text", { hasText: C.saved }).waitFor();
    const mine = await desk.evaluate(async () => (await fetch(location.origin + "/api/v1/shops/1/notifications/me")).json());
    expect.equal(mine.inherited, false);
    expect.equal(mine.preferences.volume, 20);
    expect.equal(mine.preferences.events.message.sound, "knock");
    await shot(desk, `desk-notify-prefs-${lang}-desktop`);

    noErrors(ctx);
    noErrors(deskCtx);
    for (const c of [ctx, buyerCtx, deskCtx]) await c.close();
    channelIn.close();
    hookIn.close();
  });
}
