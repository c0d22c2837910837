// Flow 4: an admin adds a FAQ in the console, and the widget answers it
// right away. In Chinese and in English.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, PHONE, DESKTOP } from "../lib/browser.mjs";
import { LANGS, openChat, openAdmin, login, ask, reply, expect } from "../lib/flows.mjs";

const s = suite();

for (const [lang, L] of Object.entries(LANGS)) {
  test(`flow 4 (${lang}): a FAQ added in the console is answered at once`, async () => {
    const admin = await context(s.browser, { locale: L.locale, viewport: DESKTOP });
    const page = await openAdmin(admin, s.server);
    await page.goto(s.server.url + "/admin#faq/new");
    await page.locator("input[name=question]").waitFor();
    await page.fill("input[name=question]", L.newQ);
    await page.fill("textarea[name=similar]", L.newQ.replace(/[吗?？]$/, "") + (lang === "zh" ? "吗？" : " please?"));
    await page.fill(".answer textarea[name=text]", L.newA);
    await shot(page, `admin-faq-new-${lang}-desktop`);
    await page.click("#save-publish");
    await page.waitForURL(/#faq\/\d+$/);
    await page.locator(".tag.green").first().waitFor();
    await shot(page, `admin-faq-saved-${lang}-desktop`);

    // The test window shows the decision for the new question.
    await page.goto(s.server.url + "/admin#test");
    await page.fill("input[name=text]", L.newQ);
    await page.press("input[name=text]", "Enter");
    await page.locator("#test-result").waitFor();
    expect.match(await page.locator("#test-result").innerText(), new RegExp(L.newQ.slice(0, 6)));
    await shot(page, `admin-test-${lang}-desktop`);

    const buyer = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const chat = await openChat(buyer, s.server);
    await ask(chat, L.newQ);
    expect.match(await reply(chat, new RegExp(L.newA.slice(0, 8)), ".row.bot"), new RegExp(L.newA.slice(0, 8)));
    await shot(chat, `chat-new-faq-${lang}-phone`);
    noErrors(admin);
    noErrors(buyer);
    await admin.close();
    await buyer.close();
  });
}

test("console: the reply pipeline and routing forms save what they show", async () => {
  const admin = await context(s.browser, { locale: "en-US", viewport: DESKTOP });
  const page = await openAdmin(admin, s.server, "owner");
  for (const sec of ["pipeline", "routing", "bot"]) {
    await page.goto(`${s.server.url}/admin#${sec}`);
    await page.locator("#main form").waitFor();
    if (sec === "pipeline") {
      // A new keyword rule, answered by the bot at once.
      await page.click("text=+ Add a rule");
      const rule = page.locator(".rule").last();
      await rule.locator("input").first().fill("gift wrap");
      await rule.locator("textarea").first().fill("gift wrap");
      await rule.locator("textarea").nth(1).fill("免费礼品包装～");
      await rule.locator("textarea").nth(2).fill("Gift wrapping is free.");
    }
    await page.click("#main form button[type=submit]");
    await page.locator("#main .ok-text").filter({ hasText: "Saved" }).waitFor();
  }
  await shot(page, "admin-bot-saved-en-desktop");
  const buyer = await context(s.browser, { locale: "en-US", viewport: PHONE });
  const chat = await openChat(buyer, s.server);
  await ask(chat, "gift wrap");
  await reply(chat, /Gift wrapping is free/, ".row.bot");
  noErrors(admin);
  noErrors(buyer);
  await admin.close();
  await buyer.close();
});

test("console: each role sees the sections it may use, an agent is pointed to the workbench", async () => {
  const ctx = await context(s.browser, { locale: "en-US", viewport: DESKTOP });
  const sup = await openAdmin(ctx, s.server, "super");
  const nav = await sup.locator(".admin .nav a").evaluateAll((as) => as.map((a) => a.dataset.section));
  expect.ok(nav.includes("stats") && nav.includes("faqs"), `supervisor nav: ${nav}`);
  expect.ok(!nav.includes("system") && !nav.includes("members"), `supervisor nav: ${nav}`);
  noErrors(ctx);
  await ctx.close();

  // A fresh context: the supervisor's session cookie stays behind.
  const actx = await context(s.browser, { locale: "en-US", viewport: DESKTOP });
  const agent = await actx.newPage();
  await agent.goto(s.server.url + "/admin");
  await login(agent, "xiaomei");
  await agent.locator("#main .no-sections a[href='/desk']").waitFor();
  expect.equal(await agent.locator(".admin .nav a").count(), 0);
  await shot(agent, "admin-agent-no-sections-en-desktop");
  noErrors(actx);
  await actx.close();
});
