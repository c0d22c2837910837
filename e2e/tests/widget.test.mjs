// Flow 1: a buyer asks a FAQ question in the widget and gets the answer.
// Flow 5: the widget survives the server restarting mid-conversation with
// nothing lost and nothing shown twice. Both in Chinese and in English.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, layoutShift, PHONE, DESKTOP } from "../lib/browser.mjs";
import { LANGS, PNG, openChat, ask, reply, buyerTexts, imageShown, expect } from "../lib/flows.mjs";

const s = suite();

for (const [lang, L] of Object.entries(LANGS)) {
  test(`flow 1 (${lang}): a FAQ question gets its answer`, async () => {
    const ctx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const page = await openChat(ctx, s.server);
    await shot(page, `chat-empty-${lang}-phone`);
    await ask(page, L.faq);
    const text = await reply(page, L.faqAnswer, ".row.bot");
    expect.match(text, L.faqAnswer);
    const cls = await layoutShift(page);
    expect.ok(cls < 0.05, `messages arriving shifted the layout: CLS ${cls}`);
    await shot(page, `chat-answer-${lang}-phone`);
    await page.setViewportSize(DESKTOP);
    await shot(page, `chat-answer-${lang}-desktop`);
    // The buyer's message went through exactly once.
    expect.equal(await buyerTexts(page), [L.faq]);
    // An emoji and a photo.
    await page.click("#emoji-btn");
    await page.click("#emoji button >> nth=0");
    await page.press("#text", "Enter");
    await page.setInputFiles("#image", PNG);
    await imageShown(page, ".list .row.me");
    // The bot acknowledges the photo in the buyer's language: its URL is
    // not read as English words.
    await reply(page, L.media, ".row.bot");
    await shot(page, `chat-image-${lang}-desktop`);
    noErrors(ctx);
    await ctx.close();
  });

  test(`flow 5 (${lang}): a server restart mid-conversation loses and repeats nothing`, async () => {
    const ctx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const page = await openChat(ctx, s.server);
    await ask(page, L.faq);
    await reply(page, L.faqAnswer, ".row.bot");

    await s.server.stop();
    await page.waitForFunction(() => window.xiaoerChat.conn === "offline");
    await page.locator("#notice").waitFor({ state: "visible" });
    await shot(page, `chat-offline-${lang}-phone`);
    // Sent while the server is down: kept, shown as sending, resent later.
    await ask(page, L.second);
    await page.locator(".pending .row.me").waitFor();

    await s.server.start();
    await page.waitForFunction(() => window.xiaoerChat.conn === "online", null, { timeout: 30000 });
    await reply(page, L.secondAnswer, ".row.bot");
    await page.waitForFunction(() => window.xiaoerChat.state.pending.length === 0);
    expect.equal(await page.locator(".pending .row").count(), 0);
    expect.equal(await buyerTexts(page), [L.faq, L.second]);
    const seqs = await page.locator(".list .row[data-seq]").evaluateAll((rows) => rows.map((r) => Number(r.dataset.seq)));
    expect.equal(seqs, seqs.map((_, i) => i + 1), "every message once, in order, no gap");

    // History survives a page load too, still without repeats.
    await page.reload();
    await page.waitForFunction(() => window.xiaoerChat && window.xiaoerChat.conn === "online");
    await reply(page, L.secondAnswer, ".row.bot");
    expect.equal(await buyerTexts(page), [L.faq, L.second]);
    const again = await page.locator(".list .row[data-seq]").evaluateAll((rows) => rows.map((r) => Number(r.dataset.seq)));
    expect.equal(again, seqs);
    // The browser reports the refused reconnects while the server is down.
    noErrors(ctx, [/WebSocket connection to .* failed/, /ERR_CONNECTION_REFUSED/]);
    await ctx.close();
  });
}
