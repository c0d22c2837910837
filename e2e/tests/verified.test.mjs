// Flow 3: a verified buyer asks where their parcel is and gets the
// logistics of their order, directly or after picking the order from the
// cards the bot offers. In Chinese and in English.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, PHONE } from "../lib/browser.mjs";
import { LANGS, LOGISTICS, openChat, ask, expect } from "../lib/flows.mjs";

const s = suite();

for (const [lang, L] of Object.entries(LANGS)) {
  test(`flow 3 (${lang}): a verified buyer gets the logistics of their order`, async () => {
    const ctx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const chat = await openChat(ctx, s.server, { buyer: "u1001" });
    await ask(chat, L.parcel);
    // The bot's answer after this question (the demo buyer's earlier
    // conversations are on screen too): order cards, or an order's number.
    await chat.waitForFunction((q) => {
      const ms = window.xiaoerChat.state.msgs;
      const i = ms.findLastIndex((m) => m.sender === "buyer" && m.body === q);
      return i >= 0 && ms.slice(i + 1).some((m) => m.sender === "bot" && (m.kind !== "text" || /\d{8}/.test(m.body)));
    }, L.parcel);
    let bot = chat.locator(".list .row.bot").last();
    await bot.waitFor({ timeout: 15000 });
    // "Which order?": the bot offers order cards; the buyer taps a shipped one.
    if (await bot.locator(".pcard").count() > 0) {
      await shot(chat, `chat-which-order-${lang}-phone`);
      const n = await chat.locator(".list .row.bot").count();
      const shipped = bot.locator(".pcard").filter({ hasText: /已发货|shipped/i });
      await (await shipped.count() ? shipped : bot.locator(".pcard")).first().click();
      await chat.waitForFunction((k) => document.querySelectorAll(".list .row.bot").length > k, n, { timeout: 15000 });
      bot = chat.locator(".list .row.bot").last();
    }
    expect.match(await bot.innerText(), LOGISTICS);
    await shot(chat, `chat-logistics-${lang}-phone`);
    noErrors(ctx);
    await ctx.close();
  });
}
