// Small building blocks of the console's sections.
import { h, fill } from "../common/dom.js";
import { t } from "../common/i18n.js";

// table makes a table of rows with the given columns: [title, cell(row)].
export function table(cols, rows, onClick) {
  return h("div", { class: "tbl-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, cols.map(([title]) => h("th", {}, title)))),
    h("tbody", {}, rows.length ? rows.map((r) => h("tr", { class: onClick ? "click" : "", on: onClick ? { click: () => onClick(r) } : {} },
      cols.map(([, cell]) => h("td", {}, cell(r))))) : h("tr", {}, h("td", { colspan: cols.length, class: "muted" }, t("d.none"))))));
}

// field wraps an input with its label.
export function field(label, input) {
  return h("label", {}, h("span", {}, label), input);
}

// placeholder says plainly that a part waits for a later piece of work.
export function placeholder(what, issue) {
  return h("div", { class: "placeholder", dataset: { placeholder: String(issue) } }, h("b", {}, t("a.placeholder")), " ", t(what),
    typeof issue === "number" ? " " + t("a.placeholder_issue", { n: issue }) : "");
}

// status shows a message under a form: ok or error.
export function status() {
  const el = h("p", { class: "err", role: "status" });
  el.ok = (s) => { el.className = "ok-text"; el.textContent = s; };
  el.fail = (e) => { el.className = "err"; el.textContent = e && e.message ? e.message : String(e); };
  el.clear = () => { el.textContent = ""; };
  return el;
}

export { h, fill, t };
