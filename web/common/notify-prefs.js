// The form of one set of notification preferences (docs/notifications.md):
// per event, an alert in the workbench with its sound and a push to the
// channels; the volume, desktop notification and flashing title; the
// channels; quiet hours; no pushes while online; the wait limit. The
// workbench edits an agent's own with it, the console the shop's defaults.
import { h } from "./dom.js";
import { nt } from "./notify-text.js";

// prefsForm builds the form from a view of GET …/notifications/me or
// …/defaults. save(prefs) stores them and returns the new view; reset
// (optional) goes back to the shop's defaults. tryTone(name, volume)
// plays a sound for the agent to hear it.
export function prefsForm(view, { save, reset, tryTone }) {
  const p = structuredClone(view.preferences);
  p.events = p.events || {};
  const box = h("div", { class: "notify-prefs" });
  const msg = h("p", { class: "err", role: "status" });
  const say = (ok, text) => { msg.className = ok ? "ok-text" : "err"; msg.textContent = text; };
  const volume = h("input", { type: "range", min: 0, max: 100, step: 5, value: p.volume, name: "volume" });
  const rows = view.events.map((ev) => {
    const e = p.events[ev] || { workbench: false, sound: "", push: false };
    p.events[ev] = e;
    const wb = h("input", { type: "checkbox", name: `${ev}.workbench`, checked: e.workbench, on: { change: () => { e.workbench = wb.checked; } } });
    const sound = h("select", { name: `${ev}.sound`, on: { change: () => { e.sound = sound.value; if (tryTone && e.sound) tryTone(e.sound, Number(volume.value)); } } },
      h("option", { value: "" }, nt("n.sound.none")), view.sounds.map((s) => h("option", { value: s, selected: e.sound === s }, nt("n.sound." + s))));
    const push = h("input", { type: "checkbox", name: `${ev}.push`, checked: e.push, on: { change: () => { e.push = push.checked; } } });
    return h("tr", {}, h("td", {}, nt("n.ev." + ev)), h("td", {}, wb), h("td", {}, sound), h("td", {}, push));
  });
  const check = (name, on, label) => {
    const c = h("input", { type: "checkbox", name, checked: on });
    return [c, h("label", { class: "check" }, c, " ", label)];
  };
  const [desktop, desktopL] = check("desktop", p.desktop, nt("n.desktop"));
  const [flash, flashL] = check("flash_title", p.flash_title, nt("n.flash"));
  const [skip, skipL] = check("skip_push_when_online", p.skip_push_when_online, nt("n.skip_online"));
  const q = p.quiet_hours || { enabled: false, from: "22:00", to: "08:00" };
  const [quiet, quietL] = check("quiet", q.enabled, nt("n.quiet"));
  const from = h("input", { type: "time", value: q.from || "22:00", name: "quiet_from" });
  const to = h("input", { type: "time", value: q.to || "08:00", name: "quiet_to" });
  const wait = h("input", { type: "number", min: 1, max: 1440, value: p.wait_minutes, name: "wait_minutes", class: "short" });
  const chans = view.channels.map((c) => {
    const x = h("input", { type: "checkbox", name: "channel", value: String(c.id), checked: (p.channels || []).includes(c.id) });
    return [x, h("label", { class: "check" }, x, " ", c.name, " ", h("span", { class: "muted" }, nt("n.kind." + c.kind)), c.enabled ? "" : " " + nt("n.off"))];
  });
  const collect = () => ({ ...p, volume: Number(volume.value), desktop: desktop.checked, flash_title: flash.checked,
    skip_push_when_online: skip.checked, wait_minutes: Number(wait.value),
    quiet_hours: { enabled: quiet.checked, from: from.value, to: to.value },
    channels: chans.filter(([x]) => x.checked).map(([x]) => Number(x.value)) });
  const inherited = h("p", { class: "muted" }, view.inherited ? nt("n.inherited") : "");
  box.append(inherited,
    h("div", { class: "tbl-wrap" }, h("table", {}, h("thead", {}, h("tr", {},
      h("th", {}, nt("n.col.event")), h("th", {}, nt("n.col.workbench")), h("th", {}, nt("n.col.sound")), h("th", {}, nt("n.col.push")))),
    h("tbody", {}, rows))),
    h("label", { class: "line" }, h("span", {}, nt("n.volume")), volume),
    desktopL, flashL,
    h("h4", {}, nt("n.channels")), chans.length ? h("div", {}, chans.map(([, l]) => l)) : h("p", { class: "muted" }, nt("n.no_channels")),
    skipL, h("div", { class: "line" }, quietL, " ", from, " – ", to),
    h("label", { class: "line" }, h("span", {}, nt("n.wait")), wait),
    h("div", { class: "btns actions" },
      reset ? h("button", { type: "button", on: { click: async () => {
        try { const v = await reset(); box.replaceWith(prefsForm(v, { save, reset, tryTone })); } catch (e) { say(false, e.message); }
      } } }, nt("n.reset")) : null,
      h("button", { type: "button", class: "primary", on: { click: async () => {
        try { await save(collect()); say(true, nt("n.saved")); inherited.textContent = ""; } catch (e) { say(false, e.field ? `${e.field}: ${e.message}` : e.message); }
      } } }, nt("n.save"))),
    msg);
  return box;
}
