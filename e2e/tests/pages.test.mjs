// Every page at phone and desktop widths, in Chinese and English: a
// screenshot of each (artifacts/) and no console error on any. Also the
// one-tag widget on a merchant's page.
import { test } from "node:test";
import http from "node:http";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, PHONE, DESKTOP } from "../lib/browser.mjs";
import { LANGS, login, reply, expect } from "../lib/flows.mjs";
import { sign } from "../lib/server.mjs";

const s = suite();
const SIZES = { phone: PHONE, desktop: DESKTOP };
const ADMIN = ["faqs", "faq/1", "test", "categories", "packs", "gaps", "bot", "pipeline", "routing", "members", "roles", "groups", "data", "integration", "notify", "stats", "audit", "system"];

for (const [lang, L] of Object.entries(LANGS)) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    test(`pages (${lang}, ${size}): chat, workbench, console`, async () => {
      const ctx = await context(s.browser, { locale: L.locale, viewport });
      const page = await ctx.newPage();
      await page.goto(s.server.url + "/chat/demo");
      await page.waitForFunction(() => window.xiaoerChat && window.xiaoerChat.conn === "online");
      await shot(page, `page-chat-${lang}-${size}`);

      await page.goto(s.server.url + "/desk");
      await page.waitForSelector("form.login");
      await shot(page, `page-login-${lang}-${size}`);
      await login(page, "owner");
      await page.waitForFunction(() => window.xiaoerDesk);
      await shot(page, `page-desk-${lang}-${size}`);

      await page.goto(s.server.url + "/admin");
      for (const sec of ADMIN) {
        await page.goto(`${s.server.url}/admin#${sec}`);
        await page.waitForFunction(() => !document.querySelector("#main > p.muted:only-child"));
        await page.waitForLoadState("networkidle");
        expect.equal(await page.locator("#main > p.err:not(:empty)").count(), 0, `section ${sec} failed`);
        await shot(page, `page-admin-${sec.replace("/", "-")}-${lang}-${size}`);
      }
      noErrors(ctx);
      await ctx.close();
    });
  }
}

test("widget.js: one tag on a merchant's page opens the chat, verified buyer", async () => {
  // The merchant's site: another origin, one script tag.
  const site = http.createServer((req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(`<!doctype html><meta name="viewport" content="width=device-width"><h1>My shop</h1>
<script src="${s.server.url}/widget.js" data-shop="demo" data-buyer-id="u1005" data-buyer-nick="Ann"
  data-signature="${sign("u1005")}" data-product="p001" data-product-title="Wool coat" async></script>`);
  });
  await new Promise((r) => site.listen(0, "127.0.0.1", r));
  try {
    const ctx = await context(s.browser, { locale: "zh-CN", viewport: DESKTOP });
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${site.address().port}/`);
    await page.click("button[aria-label]");
    const frame = page.frameLocator("iframe");
    await frame.locator("#product").filter({ hasText: "Wool coat" }).waitFor();
    await frame.locator("#text").fill(LANGS.zh.faq);
    await frame.locator("#text").press("Enter");
    // The demo buyer asked this before (the demo's history): the new answer is the last.
    await frame.locator(".row.bot").filter({ hasText: LANGS.zh.faqAnswer }).last().waitFor();
    await shot(page, "widget-on-site-desktop");
    await page.setViewportSize(PHONE);
    await shot(page, "widget-on-site-phone");
    noErrors(ctx);
    await ctx.close();
  } finally {
    site.close();
  }
});
