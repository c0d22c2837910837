// Flow 3: a verified buyer asks where their parcel is and gets the
// logistics of their order, directly or after picking the order from the
// cards the bot offers. In Chinese and in English.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, PHONE } from "../lib/browser.mjs";
import { LANGS, LOGISTICS, openChat, ask, expect } from "../lib/flows.mjs";
import { fixme } from "../lib/fixme.mjs";

const s = suite();

for (const [lang, L] of Object.entries(LANGS)) {
  test(`flow 3 (${lang}): a verified buyer gets the logistics of their order`, fixme("liveAnswers"), async () => {
    const ctx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const chat = await openChat(ctx, s.server, { buyer: "u1001" });
    await ask(chat, L.parcel);
    const bot = chat.locator(".list .row.bot").last();
    await bot.waitFor({ timeout: 15000 });
    // "Which order?": the bot offers order cards; the buyer taps a shipped one.
    if (!LOGISTICS.test(await bot.innerText()) && await bot.locator(".pcard").count() > 0) {
      const n = await chat.locator(".list .row.bot").count();
      await bot.locator(".pcard").filter({ hasText: LOGISTICS }).or(bot.locator(".pcard")).first().click();
      await chat.waitForFunction((k) => document.querySelectorAll(".list .row.bot").length > k, n);
    }
    const last = chat.locator(".list .row.bot").filter({ hasText: LOGISTICS }).last();
    await last.waitFor({ timeout: 15000 });
    expect.match(await last.innerText(), LOGISTICS);
    await shot(chat, `chat-logistics-${lang}-phone`);
    noErrors(ctx);
    await ctx.close();
  });
}
