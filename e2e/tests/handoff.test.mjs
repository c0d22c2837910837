// Flow 2: a buyer asks for a human; an agent in a second browser context
// gets the conversation with the buyer panel filled, replies, and the
// buyer sees the reply; the agent closes and the buyer rates the service.
// The workbench alerts the agent (sound) when the conversation arrives.
// In Chinese and in English.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, PHONE, DESKTOP } from "../lib/browser.mjs";
import { LANGS, openChat, openDesk, reply, expect } from "../lib/flows.mjs";
import { fixme } from "../lib/fixme.mjs";

const s = suite();
// Verified buyers, one per language, so each run has its own conversation
// and a panel full of orders.
const BUYERS = { zh: "u1001", en: "u1002" };

for (const [lang, L] of Object.entries(LANGS)) {
  test(`flow 2 (${lang}): handoff to an agent, reply, close and rating`, async (t) => {
    const agentCtx = await context(s.browser, { locale: L.locale, viewport: DESKTOP, permissions: ["notifications"] });
    // 小李 xiaoli is in the after-sales group, where the demo routes "转人工".
    const desk = await openDesk(agentCtx, s.server, "xiaoli");
    await desk.click("#alerts");
    await desk.waitForFunction(() => window.xiaoerDesk.alerts.enabled);

    const buyerCtx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const chat = await openChat(buyerCtx, s.server, { buyer: BUYERS[lang] });
    await chat.click("#human");
    await chat.waitForFunction(() => ["queue", "agent"].includes(window.xiaoerChat.owner), null, { timeout: 15000 });
    await shot(chat, `chat-handoff-${lang}-phone`);

    // The conversation reaches the agent: assigned to them, or waiting in
    // the queue for them to take.
    await desk.waitForFunction(() => [...window.xiaoerDesk.convs.values()].some((e) => e.c.owner === "queue" || e.c.owner === "agent"), null, { timeout: 15000 });
    await desk.waitForFunction(() => window.xiaoerDesk.alerts.log.some((a) => a.sound));
    const mine = await desk.evaluate(() => [...window.xiaoerDesk.convs.values()].find((e) => e.c.owner === "agent")?.c.id);
    if (mine) {
      await desk.click('[data-tab="mine"]');
      await desk.click(`#list li[data-id="${mine}"]`);
    } else {
      await desk.click('[data-tab="queue"]');
      await desk.click("#list li[data-id]");
      await desk.click(`.chead button:has-text("${L.take}")`);
    }
    // The buyer panel is filled: the buyer's account and their orders.
    await desk.locator("#panel .order").first().waitFor();
    expect.match(await desk.locator("#panel").innerText(), new RegExp(BUYERS[lang]));
    await desk.locator("#reply:not([disabled])").waitFor();
    await desk.fill("#reply", L.agentReply);
    await desk.press("#reply", "Enter");
    await shot(desk, `desk-chat-${lang}-desktop`);

    expect.match(await reply(chat, new RegExp(L.agentReply.slice(0, 6)), ".row.agent"), new RegExp(L.agentReply.slice(0, 6)));
    await shot(chat, `chat-agent-reply-${lang}-phone`);

    await desk.click(`.chead button:has-text("${L.close}")`);
    await chat.locator("#rating").waitFor({ state: "visible" });
    await shot(chat, `chat-rating-${lang}-phone`);
    await t.test("the buyer rates the service", fixme("rating"), async () => {
      await chat.click('#rating [data-score="5"]');
      await chat.click("#rating button.primary");
      await chat.locator("#rating").filter({ hasText: L.thanks }).waitFor();
      await shot(chat, `chat-rated-${lang}-phone`);
    });
    noErrors(agentCtx);
    noErrors(buyerCtx);
    await agentCtx.close();
    await buyerCtx.close();
  });
}
