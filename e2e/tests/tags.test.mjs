// The console's buyer tags page (issue 5): an admin writes a tag rule with
// the condition editor, sees the server's refusal at the field at fault,
// counts the buyers it would tag (the same count the API gives), saves it,
// edits it, and deletes it after a confirmation; the built-in thresholds
// show their errors by field too. In Chinese and in English, on a desktop
// and a phone.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, DESKTOP, PHONE } from "../lib/browser.mjs";
import { openAdmin, expect } from "../lib/flows.mjs";

const s = suite();
const T = {
  zh: { locale: "zh-CN", name: "上海老客", save: "保存", count: "试算", daysErr: "天数须在 1 到 3650 之间", nameErr: "不能含冒号",
    match: /共 (\d+) 位买家，有 (\d+) 位符合/, saved: /已保存“上海老客”/, edit: "编辑", del: "删除", deleted: /已删除“上海老客”/,
    settingsErr: "请填写 1 到 4 之间的星级", and: " 且 ", city: "城市" },
  en: { locale: "en-US", name: "Shanghai regulars", save: "Save", count: "Count", daysErr: "Days must be 1 to 3650",
    nameErr: "without a colon", match: /(\d+) of (\d+) buyers match/, saved: /Saved “Shanghai regulars”/, edit: "Edit", del: "Delete",
    deleted: /Deleted “Shanghai regulars”/, settingsErr: "Give a rating from 1 to 4", and: " and ", city: "City" },
};

// preview asks the API, with the page's session, how many buyers a rule
// would tag.
function preview(page, rule) {
  return page.evaluate(async (rule) => {
    const me = await (await fetch("/api/v1/session")).json();
    const res = await fetch("/api/v1/shops/1/tag-rules/preview", { method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf_token }, body: JSON.stringify({ rule }) });
    return res.json();
  }, rule);
}

for (const [lang, L] of Object.entries(T)) {
  test(`buyer tags console (${lang}): a rule written, refused at its field, counted, saved, edited and deleted`, async () => {
    const ctx = await context(s.browser, { locale: L.locale, viewport: DESKTOP });
    const page = await openAdmin(ctx, s.server, "admin");
    await page.goto(s.server.url + "/admin#tags");
    await page.locator("form.tag-settings").waitFor();
    await shot(page, `admin-tags-${lang}-desktop`);

    // A threshold out of range is shown at its input.
    await page.fill('form.tag-settings input[name="bad_rating"]', "9");
    await page.click(`form.tag-settings button:has-text("${L.save}")`);
    await page.locator('form.tag-settings input[name="bad_rating"].bad').waitFor();
    expect.match(await page.locator("form.tag-settings .field-err:not(:empty)").innerText(), new RegExp(L.settingsErr));
    await page.fill('form.tag-settings input[name="bad_rating"]', "2");
    await page.click(`form.tag-settings button:has-text("${L.save}")`);
    await page.locator("form.tag-settings .ok-text").waitFor();

    // A new rule: buyers in 上海 with at least one order in a window of
    // 99,999 days, which the server refuses at that row's days.
    await page.click("#tag-new");
    await page.locator("form.tag-editor").waitFor();
    await page.fill('input[name="name"]', "a:b");
    const first = page.locator(".cond").nth(0);
    await first.locator('select[name="field"]').selectOption("city");
    await first.locator('select[name="op"]').selectOption("=");
    await first.locator('input[name="value"]').fill("上海");
    await page.click("#add-cond");
    const second = page.locator(".cond").nth(1);
    await second.locator('select[name="field"]').selectOption("orders");
    await second.locator('input[name="days"]').fill("99999");
    await second.locator('select[name="op"]').selectOption(">=");
    await second.locator('input[name="value"]').fill("1");
    await page.click("#tag-save");
    await page.locator('input[name="name"].bad').waitFor();
    expect.match(await page.locator("form.tag-editor > label .field-err").innerText(), new RegExp(L.nameErr));
    await page.fill('input[name="name"]', L.name);
    await page.click("#tag-save");
    await second.locator('input[name="days"].bad').waitFor();
    expect.equal(await second.locator(".field-err:not(:empty)").innerText(), L.daysErr);
    expect.equal(await first.locator(".bad").count(), 0);
    await shot(page, `admin-tags-error-${lang}-desktop`);

    // Fixed; the count matches the API's.
    await second.locator('input[name="days"]').fill("365");
    await page.click("#tag-preview-btn");
    await page.locator("#tag-preview:not(.hidden)").waitFor();
    const shown = L.match.exec(await page.locator("#tag-preview .big").innerText());
    const rule = { all: [{ field: "city", op: "=", value: "上海" }, { field: "orders", op: ">=", value: 1, days: 365 }] };
    const api = await preview(page, rule);
    expect.ok(shown, "the preview's text");
    expect.ok(api.buyers >= 50 && api.matched > 0 && api.matched < api.buyers, `the demo shop's count: ${JSON.stringify(api)}`);
    const [buyers, matched] = lang === "zh" ? [shown[1], shown[2]] : [shown[2], shown[1]];
    expect.equal(Number(matched), api.matched);
    expect.equal(Number(buyers), api.buyers);
    await page.click("#tag-save");
    await page.locator("#main .ok-text", { hasText: L.saved }).waitFor();
    const row = page.locator("tr", { hasText: L.name });
    expect.ok((await row.innerText()).includes(L.city + " "), "the rule in words");
    expect.ok((await row.innerText()).includes(L.and.trim()), "both conditions");

    // Edit: 1 order becomes 2; the list says so.
    await row.locator(`button:has-text("${L.edit}")`).click();
    await page.locator("form.tag-editor").waitFor();
    expect.equal(await page.locator('input[name="name"]').getAttribute("readonly"), "");
    await page.locator(".cond").nth(1).locator('input[name="value"]').fill("2");
    await page.click("#tag-save");
    await page.locator("#main .ok-text", { hasText: L.saved }).waitFor();
    expect.match(await page.locator("tr", { hasText: L.name }).innerText(), /≥ 2/);
    await page.locator("tr", { hasText: L.name }).locator(`button:has-text("${L.count}")`).click();
    await page.locator("tr", { hasText: L.name }).locator(".count", { hasText: L.match }).waitFor();
    await shot(page, `admin-tags-list-${lang}-desktop`);

    // Delete, after the confirmation naming the tag (openAdmin accepts it).
    let asked = "";
    page.once("dialog", (d) => { asked = d.message(); });
    await page.locator("tr", { hasText: L.name }).locator(`button:has-text("${L.del}")`).click();
    await page.locator("#main .ok-text", { hasText: L.deleted }).waitFor();
    expect.ok(asked.includes(L.name), `the confirmation names the tag: ${asked}`);
    expect.equal(await page.locator("tr", { hasText: L.name }).count(), 0);
    const left = await page.evaluate(async () => (await (await fetch("/api/v1/shops/1/tag-rules")).json()).items.length);
    expect.equal(left, 0);
    // The refusals above are the page's own requests answered 400.
    noErrors(ctx, [/status of 400 .*\/api\/v1\/shops\/1\/tag-(rules|settings)/]);
    await ctx.close();
  });
}

test("buyer tags console on a phone: the editor fits the screen", async () => {
  const ctx = await context(s.browser, { locale: "zh-CN", viewport: DESKTOP });
  const page = await openAdmin(ctx, s.server, "admin"); // the menu of a phone is folded
  await page.setViewportSize(PHONE);
  await page.goto(s.server.url + "/admin#tags/new");
  await page.locator(".cond").first().waitFor();
  await page.click("#add-cond");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  await shot(page, "admin-tags-new-zh-phone");
  noErrors(ctx);
  await ctx.close();
});
