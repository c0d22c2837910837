// Workbench alerts (issue 8, internal/notify): the server sends each agent
// an "alert" frame made from their notification preferences, and the
// workbench plays the sound they chose at their volume, shows a desktop
// notification while it is in the background and flashes its title; the
// link a push carries opens the conversation. In Chinese and in English.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, DESKTOP, PHONE } from "../lib/browser.mjs";
import { LANGS, openChat, openDesk, expect } from "../lib/flows.mjs";
import { PASSWORD, alwaysOpen } from "../lib/server.mjs";

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
