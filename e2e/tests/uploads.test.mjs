// Buyer image limits (issue 7): an image over 5 MB is refused in the
// widget before it is sent, and a buyer past their hourly number of images
// is told, in their language, when to try again. The server here lets a
// buyer send two images an hour.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, PHONE } from "../lib/browser.mjs";
import { LANGS, PNG, openChat, imageShown, expect } from "../lib/flows.mjs";

process.env.XIAOER_BUYER_UPLOADS = "2"; // the server inherits this environment
const s = suite();
const TEXT = {
  zh: { big: "图片不能超过 5 MB", limit: /图片发送太频繁，请 (\d+) 分钟后再试/ },
  en: { big: "Images can be at most 5 MB", limit: /Too many images for now; try again in (\d+) minutes/ },
};

for (const [lang, L] of Object.entries(LANGS)) {
  test(`buyer image limits (${lang}): too large, then too many`, async () => {
    const ctx = await context(s.browser, { locale: L.locale, viewport: PHONE });
    const page = await openChat(ctx, s.server);
    const requests = [];
    page.on("request", (r) => { if (r.url().includes("/uploads")) requests.push(r.method()); });

    await page.setInputFiles("#image", { name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc((5 << 20) + 1, 1) });
    await page.locator(".list .sys", { hasText: TEXT[lang].big }).waitFor();
    expect.equal(requests.length, 0, "the large image was not sent");

    for (let i = 1; i <= 2; i++) {
      await page.setInputFiles("#image", PNG);
      await page.locator(".list .row.me img.pic").nth(i - 1).waitFor();
    }
    await imageShown(page, ".list .row.me");
    await page.setInputFiles("#image", PNG);
    const line = page.locator(".list .sys", { hasText: TEXT[lang].limit });
    await line.waitFor();
    const mins = Number(TEXT[lang].limit.exec(await line.innerText())[1]);
    expect.ok(mins >= 59 && mins <= 60, `try again in ${mins} minutes`);
    expect.equal(await page.locator(".list .row.me img.pic").count(), 2);
    await shot(page, `chat-upload-limit-${lang}-phone`);
    // The refusal is the widget's own request answered 429.
    noErrors(ctx, [/status of 429 .*\/chat\/demo\/uploads/]);
    await ctx.close();
  });
}
