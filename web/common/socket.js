// A WebSocket that reconnects by itself with backoff, and says whether it is
// online. The caller's onopen sends the hello (with the last sequence number
// seen), so a reconnect resumes where it left off.

export class Live {
  // url: ws path; handlers: {open(live), frame(obj), state(s)} where state is
  // "connecting", "online" or "offline".
  constructor(url, handlers) {
    this.url = url;
    this.h = handlers;
    this.ws = null;
    this.tries = 0;
    this.timer = 0;
    this.stopped = false;
    this.state = "";
    addEventListener("online", () => this.connectSoon(0));
    addEventListener("offline", () => { this.setState("offline"); if (this.ws) this.ws.close(); });
  }

  start() { this.connect(); }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close();
  }

  setState(s) {
    if (s === this.state) return;
    this.state = s;
    if (this.h.state) this.h.state(s);
  }

  get open() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN; }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (this.ws) { this.ws.onclose = null; this.ws.close(); }
    this.setState(this.tries > 0 ? "offline" : "connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(this.url.startsWith("ws") ? this.url : scheme + "//" + location.host + this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.tries = 0;
      this.setState("online");
      if (this.h.open) this.h.open(this);
    };
    ws.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (this.h.frame) this.h.frame(f);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState("offline");
      if (ev.code === 4003 && this.h.forbidden) { this.h.forbidden(ev.reason); return; }
      this.tries++;
      // 0.3s, 0.6s, 1.2s ... up to 10s, with jitter so that a restarted
      // server is not hit by every client at once.
      const wait = Math.min(10000, 300 * 2 ** Math.min(this.tries - 1, 6)) * (0.75 + Math.random() / 2);
      this.connectSoon(wait);
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  connectSoon(ms) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), ms);
  }

  // send writes a frame when open and returns whether it did.
  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
}
