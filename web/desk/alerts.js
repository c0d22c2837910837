// Alerts for agents: a sound (browsers play sound only after a click, so the
// agent enables it once), a desktop notification, and a flashing tab title
// while the workbench is in the background.
import { t } from "../common/i18n.js";

const KEY = "xiaoer.desk.alerts";

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
