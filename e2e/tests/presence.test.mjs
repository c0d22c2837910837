// Presence: an agent whose workbench connection is gone for longer than the
// grace period is set offline (docs/bot.md, "Presence"). When the
// workbench reconnects it says so and shows the status; going online again
// is the agent's choice. The server runs with a one-second grace period.
import { test } from "node:test";
import { suite } from "../lib/suite.mjs";
import { context, noErrors, shot, DESKTOP } from "../lib/browser.mjs";
import { LANGS, openDesk, expect } from "../lib/flows.mjs";

const s = suite(["--presence-grace", "1s", "--presence-lease", "2s"]);
const DROPPED = { zh: /连接中断超过宽限时间/, en: /connection dropped for longer than the grace period/ };

const statusIs = (page, v) => page.waitForFunction((v) => document.querySelector("#status").value === v, v, { timeout: 30000 });

for (const [lang, L] of Object.entries(LANGS)) {
  test(`workbench (${lang}): offline after the connection is gone past the grace period`, async () => {
    const ctx = await context(s.browser, { locale: L.locale, viewport: DESKTOP });
    const desk = await openDesk(ctx, s.server, "xiaomei");
    await statusIs(desk, "online");

    // The server goes away for longer than the grace period; the node that
    // comes back finds the agent's lease run out.
    await s.server.stop();
    await new Promise((r) => setTimeout(r, 2500));
    await s.server.start();
    await statusIs(desk, "offline");
    expect.match(await desk.locator("#conn").innerText(), DROPPED[lang]);
    await shot(desk, `desk-offline-dropped-${lang}-desktop`);

    // Choosing online again clears the notice, and the server agrees.
    await desk.selectOption("#status", "online");
    await desk.waitForFunction(() => document.querySelector("#conn").textContent === "");
    const me = await desk.evaluate(async () => (await fetch("/api/v1/me")).json());
    expect.equal(me.shops[0].status, "online");
    noErrors(ctx, [/WebSocket connection to .* failed/, /ERR_CONNECTION_REFUSED/]);
    await ctx.close();
  });
}
