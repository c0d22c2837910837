// Runs the xiaoer binary with --demo on a temporary data directory and a
// free loopback port, and restarts it on the same data for the restart
// test. The binary is ../xiaoer (built by .ci/run) or $XIAOER_BIN.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";

export const BIN = process.env.XIAOER_BIN || path.resolve(import.meta.dirname, "..", "..", "xiaoer");
// The demo shop's identity secret: a verified buyer's signature is
// hex HMAC-SHA256(secret, buyer id), as the merchant's server makes it.
export const DEMO_SECRET = "demo-identity-secret-change-me";
export const PASSWORD = "xiaoer-demo";

export function sign(buyerID, secret = DEMO_SECRET) {
  return crypto.createHmac("sha256", secret).update(buyerID).digest("hex");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on("error", reject);
  });
}

export class Server {
  // args are extra flags of `xiaoer serve` (short presence timings...).
  constructor(args = []) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "xiaoer-e2e-"));
    this.args = args;
    this.proc = null;
    this.log = [];
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    if (!this.port) this.port = await freePort();
    const proc = spawn(BIN, ["serve", "--demo", "--data-dir", this.dir, "--listen", `127.0.0.1:${this.port}`,
      "--bcrypt-cost", "4", "--shutdown-wait", "3s", "--log-level", "warn", ...this.args], { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    const keep = (b) => { this.log.push(b.toString()); if (this.log.length > 200) this.log.shift(); };
    proc.stdout.on("data", keep);
    proc.stderr.on("data", keep);
    proc.exited = new Promise((resolve) => proc.on("exit", resolve));
    const until = Date.now() + 60000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error("xiaoer exited:\n" + this.log.join(""));
      try {
        const res = await fetch(this.url + "/readyz");
        if (res.ok) return this;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("xiaoer did not become ready:\n" + this.log.join(""));
  }

  // stop ends the server with SIGTERM (a graceful shutdown) and waits.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill("SIGTERM");
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 15000);
    await this.proc.exited;
    clearTimeout(t);
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  // close stops the server and removes its data.
  async close() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// asOwner calls the JSON API as the demo owner: log in, then the request
// with the session cookie and the CSRF token.
export async function asOwner(server, method, path, body) {
  const login = await fetch(server.url + "/api/v1/auth/login", { method: "POST",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ login: "owner", password: PASSWORD }) });
  const me = await login.json();
  const cookie = (login.headers.get("set-cookie") || "").split(";")[0];
  const res = await fetch(server.url + path, { method, headers: { "Content-Type": "application/json", Cookie: cookie,
    "X-CSRF-Token": me.csrf_token }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

// alwaysOpen turns off the demo shop's business hours, so that the flows do
// not depend on the time of day CI runs at (out of hours the bot takes a
// message instead of handing over).
export async function alwaysOpen(server) {
  const { pipeline } = await asOwner(server, "GET", "/api/v1/shops/1/bot/pipeline");
  if (pipeline && pipeline.hours) {
    pipeline.hours.enabled = false;
    await asOwner(server, "PUT", "/api/v1/shops/1/bot/pipeline", pipeline);
  }
}
