// The demo shop looks alive: its month of history fills the statistics
// dashboard and the unanswered-questions page, and a buyer handed over
// lands in the workbench with their orders. The screenshots the guides
// show (docs/guide-admin.md, docs/guide-agent.md) are taken here, in
// English at desktop size; scripts/guide-images.sh copies them into
// docs/img.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, DESKTOP } from "../lib/browser.mjs";
import { openChat, openDesk, openAdmin, ask, reply, expect } from "../lib/flows.mjs";

const s = suite();

test("guide: the dashboard, unanswered questions, notifications and system of the demo's month", async () => {
  const admin = await context(s.browser, { locale: "en-US", viewport: DESKTOP });
  const page = await openAdmin(admin, s.server, "owner");

  // The questions buyers asked that nobody wrote a FAQ for, grouped, with
  // drafts from what the agents answered. The statistics job groups them
  // in its first round, after counting the whole history.
  await page.goto(s.server.url + "/admin#gaps");
  const canada = page.locator(".gap").filter({ hasText: "加拿大" }).first();
  for (let i = 0; i < 60 && !(await canada.count()); i++) {
    await page.waitForTimeout(1000);
    await page.reload();
    await page.waitForLoadState("networkidle");
  }
  await canada.waitFor();
  expect.equal(await page.locator(".gap").count() >= 5, true, "several groups of unanswered questions");
  await shot(page, "guide-admin-gaps");

  await page.goto(s.server.url + "/admin#stats");
  const first = page.locator(".kpis .stat .n").first();
  await first.waitFor();
  expect.equal(Number((await first.innerText()).replace(/\D/g, "")) >= 4000, true, "a month of conversations on the dashboard");
  expect.equal(await page.locator("svg.chart").count() >= 5, true);
  // Every axis label lies inside its chart (long ones like "12.5 min" were cut at the left).
  const cut = await page.locator("svg.chart text.axis").evaluateAll((ts) => ts.filter((t) => t.getBBox().x < 0).map((t) => t.textContent));
  expect.equal(cut, [], "axis labels outside their chart");
  await page.setViewportSize({ width: DESKTOP.width, height: 1250 });
  await page.waitForLoadState("networkidle");
  await shot(page, "guide-admin-stats");
  await page.setViewportSize(DESKTOP);

  await page.goto(s.server.url + "/admin#notify");
  await page.waitForLoadState("networkidle");
  await page.locator("#main table").first().waitFor();
  await shot(page, "guide-admin-notify");

  // The system page after the owner made a backup.
  await page.goto(s.server.url + "/admin#system");
  await page.click("#main button.primary");
  await page.locator("#main table").waitFor();
  await shot(page, "guide-admin-system");
  noErrors(admin);
  await admin.close();
});

test("guide: a buyer handed over in the workbench, with their orders", async () => {
  const agentCtx = await context(s.browser, { locale: "en-US", viewport: DESKTOP });
  const desk = await openDesk(agentCtx, s.server, "xiaomei");
  const buyerCtx = await context(s.browser, { locale: "en-US", viewport: DESKTOP });
  const chat = await openChat(buyerCtx, s.server, { buyer: "u1005" });
  // A new conversation: the bot's welcome, then its answer (the demo has
  // no FAQ about shipping abroad).
  const before = await chat.locator(".row.bot").count();
  await ask(chat, "Do you ship to Canada?");
  await chat.waitForFunction((n) => document.querySelectorAll(".row.bot").length >= n + 2, before, { timeout: 15000 });
  await chat.click("#human");
  // Shipping questions go to the pre-sales group: 小美 takes them.
  await desk.waitForFunction(() => [...window.xiaoerDesk.convs.values()].some((e) => e.c.owner === "agent"), null, { timeout: 15000 });
  await desk.click('[data-tab="mine"]');
  await desk.locator("#list li[data-id]").first().click();
  await desk.locator("#panel .order").first().waitFor();
  await desk.locator("#reply:not([disabled])").waitFor();
  const answer = "Yes, we ship to Canada. International shipping is charged by weight and takes 10-15 days.";
  await desk.fill("#reply", answer);
  await desk.press("#reply", "Enter");
  await desk.locator(".msgs .row.agent").filter({ hasText: "Canada" }).waitFor();
  expect.match(await reply(chat, /Canada/, ".row.agent"), /10-15 days/);
  await shot(desk, "guide-desk-workbench");
  noErrors(agentCtx);
  noErrors(buyerCtx);
  await agentCtx.close();
  await buyerCtx.close();
});
