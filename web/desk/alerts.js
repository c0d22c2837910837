// Alerts for agents: a sound (browsers play sound only after a click, so the
// agent enables it once), a desktop notification, and a flashing tab title
// while the workbench is in the background.
import { t } from "../common/i18n.js";

const KEY = "xiaoer.desk.alerts";

// TONES are the sounds an agent can choose, as [start s, Hz, length s].
const TONES = {
  ding: [[0, 880, 0.14], [0.15, 1320, 0.14]],
  chime: [[0, 1047, 0.2], [0.12, 1319, 0.2], [0.24, 1568, 0.3]],
  bell: [[0, 660, 0.5], [0, 1320, 0.35]],
  knock: [[0, 180, 0.06], [0.14, 180, 0.06]],
  pop: [[0, 520, 0.08]],
};

export class Alerts {
  constructor(button) {
    this.button = button;
    this.audio = null;
    this.enabled = false;
    this.flashTimer = 0;
    this.baseTitle = document.title;
    // log records each alert given, for the browser tests and for support.
    this.log = [];
    button.addEventListener("click", () => (this.enabled ? this.disable() : this.enable()));
    addEventListener("focus", () => this.stopFlash());
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.stopFlash(); });
    let saved = false;
    try { saved = localStorage.getItem(KEY) === "on"; } catch { /* storage blocked */ }
    this.show(false, saved);
  }

  show(on, wanted = false) {
    this.button.classList.toggle("on", on);
    this.button.textContent = on ? t("d.alerts_on") : wanted ? t("d.alerts_resume") : t("d.alerts_enable");
  }

  // enable runs on the agent's click: it may start audio and ask for the
  // notification permission.
  async enable() {
    try {
      this.audio = this.audio || new AudioContext();
      await this.audio.resume();
    } catch { this.audio = null; }
    if ("Notification" in window && Notification.permission === "default") {
      try { await Notification.requestPermission(); } catch { /* refused */ }
    }
    this.enabled = true;
    try { localStorage.setItem(KEY, "on"); } catch { /* storage blocked */ }
    this.show(true);
    this.beep();
  }

  disable() {
    this.enabled = false;
    try { localStorage.setItem(KEY, "off"); } catch { /* storage blocked */ }
    this.show(false);
  }

  // beep plays two short tones made on the spot: no sound file to load.
  beep() {
    if (!this.audio || this.audio.state !== "running") return false;
    const now = this.audio.currentTime;
    for (const [i, f] of [880, 1320].entries()) {
      const o = this.audio.createOscillator();
      const g = this.audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, now + i * 0.15);
      g.gain.exponentialRampToValueAtTime(0.2, now + i * 0.15 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.15 + 0.14);
      o.connect(g).connect(this.audio.destination);
      o.start(now + i * 0.15);
      o.stop(now + i * 0.15 + 0.15);
    }
    return true;
  }

  // play gives the server's alert frame (docs/protocol.md, "Alerts"): the
  // sound the agent chose at their volume, a desktop notification while the
  // workbench is in the background, a flashing title, as their
  // preferences say. The log records what was given, for the browser tests.
  play(f, onClick) {
    const entry = { kind: f.event, title: f.title, at: Date.now(), sound: false, desktop: false, flash: false,
      name: f.sound || "", volume: f.volume, conversation: f.conversation_id };
    if (this.enabled && f.sound) entry.sound = this.tone(f.sound, f.volume);
    if (this.enabled && f.desktop && document.hidden && "Notification" in window && Notification.permission === "granted") {
      try {
        const n = new Notification(f.title, { body: f.body || "", tag: f.event + ":" + f.conversation_id });
        n.onclick = () => { focus(); if (onClick) onClick(); n.close(); };
        entry.desktop = true;
      } catch { /* not allowed here */ }
    }
    if (f.flash_title && (document.hidden || !document.hasFocus())) entry.flash = this.flash(f.title);
    this.log.push(entry);
  }

  // tone plays one of the named sounds (notify.Sounds) at volume 0-100,
  // made on the spot like beep.
  tone(name, volume) {
    if (!this.audio || this.audio.state !== "running") return false;
    const notes = TONES[name] || TONES.ding;
    const peak = Math.max(0.0002, 0.3 * Math.min(100, Math.max(0, volume ?? 80)) / 100);
    const now = this.audio.currentTime;
    for (const [at, freq, len] of notes) {
      const o = this.audio.createOscillator();
      const g = this.audio.createGain();
      o.frequency.value = freq;
      g.gain.setValueAtTime(0.0001, now + at);
      g.gain.exponentialRampToValueAtTime(peak, now + at + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, now + at + len);
      o.connect(g).connect(this.audio.destination);
      o.start(now + at);
      o.stop(now + at + len + 0.01);
    }
    return true;
  }

  // alert tells the agent about kind ("queue", "assigned", "message").
  alert(kind, title, body, onClick) {
    const entry = { kind, title, at: Date.now(), sound: false, desktop: false, flash: false };
    if (this.enabled) entry.sound = this.beep();
    if (this.enabled && document.hidden && "Notification" in window && Notification.permission === "granted") {
      try {
        const n = new Notification(title, { body, tag: kind + title });
        n.onclick = () => { focus(); if (onClick) onClick(); n.close(); };
        entry.desktop = true;
      } catch { /* not allowed here */ }
    }
    if (document.hidden || !document.hasFocus()) entry.flash = this.flash(title);
    this.log.push(entry);
  }

  flash(text) {
    if (this.flashTimer) return true;
    let on = false;
    this.flashTimer = setInterval(() => {
      on = !on;
      document.title = on ? "【" + t("d.new_msg") + "】" + text : this.baseTitle;
    }, 1000);
    return true;
  }

  stopFlash() {
    clearInterval(this.flashTimer);
    this.flashTimer = 0;
    document.title = this.baseTitle;
  }
}
