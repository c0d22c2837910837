// The workbench with today's backend: a supervisor sees a bot conversation
// live with the bot's reasons, takes it over with the buyer panel filled,
// replies (the buyer sees it), transfers it with a note to an agent who is
// alerted, and the agent hands it back to the bot. In Chinese and English.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, PHONE, DESKTOP } from "../lib/browser.mjs";
import { LANGS, PNG, openChat, openDesk, ask, reply, imageShown, expect } from "../lib/flows.mjs";

const s = suite();
const BUYERS = { zh: "u1003", en: "u1004" };
const TEXT = {
  zh: { takeOver: "接管", transfer: "转接", toBot: "转回机器人", why: "为什么这样回复？", note: "买家要开发票，请跟进", reply: "您好，主管为您服务" },
  en: { takeOver: "Take over", transfer: "Transfer", toBot: "Back to bot", why: "Why this reply?", note: "Wants an invoice, please follow up", reply: "Hello, a supervisor here" },
};

for (const [lang, L] of Object.entries(LANGS)) {
  const T = TEXT[lang];
  test(`workbench (${lang}): take over, panel, reply, transfer with note, back to bot`, async () => {
    const superCtx = await context(s.browser, { locale: L.locale, viewport: DESKTOP });
    const sup = await openDesk(superCtx, s.server, "super");
    const agentCtx = await context(s.browser, { locale: L.locale, viewport: DESKTOP });
    const agent = await openDesk(agentCtx, s.server, "xiaomei");
    await agent.click("#alerts");
    await agent.waitForFunction(() => window.xiaoerDesk.alerts.enabled);

    const buyerCtx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const chat = await openChat(buyerCtx, s.server, { buyer: BUYERS[lang], product: "p001" });
    await ask(chat, L.faq);
    await reply(chat, L.faqAnswer, ".row.bot");

    // Live in the supervisor's "all" list, with the bot's reasons.
    await sup.click('[data-tab="all"]');
    const item = sup.locator("#list li[data-id]").first();
    await item.waitFor();
    await item.click();
    const answered = sup.locator(".row.bot").filter({ hasText: L.faqAnswer }).first();
    await answered.locator(".why summary").click();
    expect.match(await answered.locator(".why dl").innerText(), /FAQ|知识库/);
    await sup.locator("#panel .order").first().waitFor();
    expect.match(await sup.locator("#panel").innerText(), new RegExp(BUYERS[lang]));
    await shot(sup, `desk-bot-why-${lang}-desktop`);

    await sup.click(`.chead button:has-text("${T.takeOver}")`);
    await sup.locator("#reply:not([disabled])").waitFor();
    await sup.fill("#reply", T.reply);
    await sup.press("#reply", "Enter");
    expect.match(await reply(chat, new RegExp(T.reply), ".row.agent"), new RegExp(T.reply));
    await chat.waitForFunction(() => window.xiaoerChat.owner === "agent");
    await sup.setInputFiles(".composer input[type=file]", PNG);
    await imageShown(chat, ".list .row.agent");
    await shot(chat, `chat-with-agent-${lang}-phone`);

    // Transfer with a note: the agent is alerted and finds it in "mine".
    await sup.click(`.chead button:has-text("${T.transfer}")`);
    await sup.selectOption(".dialog select", { label: new RegExp("Xiaomei|小美|xiaomei") }).catch(async () => {
      const v = await sup.locator(".dialog select option").filter({ hasText: /小美|xiaomei|Xiaomei/i }).first().getAttribute("value");
      await sup.selectOption(".dialog select", v);
    });
    await sup.fill(".dialog textarea", T.note);
    await sup.click(".dialog button.primary");
    await agent.waitForFunction(() => window.xiaoerDesk.alerts.log.some((a) => a.kind === "assigned" && a.sound));
    await agent.click('[data-tab="mine"]');
    await agent.locator("#list li[data-id]").first().click();
    await agent.locator("#panel .order").first().waitFor();
    await agent.locator("#note").filter({ hasText: T.note }).waitFor();
    await agent.locator(".msgs .row.agent").filter({ hasText: T.reply }).waitFor();
    await shot(agent, `desk-transferred-${lang}-desktop`);

    await agent.click(`.chead button:has-text("${T.toBot}")`);
    await chat.waitForFunction(() => window.xiaoerChat.owner === "bot");
    noErrors(superCtx);
    noErrors(agentCtx);
    noErrors(buyerCtx);
    for (const c of [superCtx, agentCtx, buyerCtx]) await c.close();
  });
}
