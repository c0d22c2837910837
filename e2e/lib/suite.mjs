// One server and one browser per test file, closed at the end; args are
// extra flags for the server.
import { before, after } from "node:test";
import { Server, alwaysOpen } from "./server.mjs";
import { launch } from "./browser.mjs";

export function suite(args = []) {
  const s = { server: new Server(args), browser: null };
  before(async () => {
    await s.server.start();
    await alwaysOpen(s.server);
    s.browser = await launch();
  });
  after(async () => {
    if (s.browser) await s.browser.close();
    await s.server.close();
  });
  return s;
}
