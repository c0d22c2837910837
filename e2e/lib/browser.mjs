// Launching Debian's chromium through playwright-core (no browser download),
// with pages that fail the test on any console error.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

export const ARTIFACTS = path.resolve(import.meta.dirname, "..", "artifacts");
fs.mkdirSync(ARTIFACTS, { recursive: true });

// launch starts a headless chromium.
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

// context opens a browser context in a language ("zh-CN" or "en-US") and
// size, collecting console errors and page errors of all its pages.
export async function context(browser, { locale = "zh-CN", viewport = DESKTOP, ...rest } = {}) {
  const ctx = await browser.newContext({ locale, viewport, ...rest });
  ctx.errors = [];
  ctx.on("page", (page) => watch(ctx, page));
  // Layout shift (CLS) of each page, to check that arriving messages move
  // nothing the reader is looking at.
  await ctx.addInitScript(() => {
    window.__layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__layoutShift += e.value;
    }).observe({ type: "layout-shift", buffered: true });
  });
  return ctx;
}

// layoutShift returns the page's cumulative layout shift so far.
export async function layoutShift(page) {
  return page.evaluate(() => window.__layoutShift);
}

function watch(ctx, page) {
  page.on("console", (msg) => {
    // A failed request is reported with the resource's own address.
    if (msg.type() === "error") ctx.errors.push(`${page.url()}: ${msg.text()} [${msg.location().url || ""}]`);
  });
  page.on("pageerror", (err) => ctx.errors.push(`${page.url()}: ${err.message}`));
}

// noErrors throws when a page of ctx logged an error. allow lists the
// errors a test expects (each test says why).
export function noErrors(ctx, allow = []) {
  const errs = ctx.errors.filter((e) => !allow.some((re) => re.test(e)));
  if (errs.length) throw new Error("console errors:\n" + errs.join("\n"));
}

// shot saves a screenshot of page under artifacts/name.png.
export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name + ".png") });
}
