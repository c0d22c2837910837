// The login form the workbench and the console share.
import { h, fill } from "./dom.js";
import { t } from "./i18n.js";
import { login } from "./api.js";

// loginForm shows the form in root and resolves with me() once logged in.
export function loginForm(root, title) {
  return new Promise((resolve) => {
    const msg = h("p", { class: "err", role: "alert" });
    const user = h("input", { name: "login", autocomplete: "username", required: true, placeholder: t("login.user") });
    const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, placeholder: t("login.password") });
    const form = h("form", { class: "login card" },
      h("h1", {}, title),
      h("label", {}, h("span", {}, t("login.user")), user),
      h("label", {}, h("span", {}, t("login.password")), pass),
      h("button", { class: "primary", type: "submit" }, t("login.submit")),
      msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      msg.textContent = "";
      try {
        resolve(await login(user.value.trim(), pass.value));
      } catch (e) {
        msg.textContent = e.code === "bad_credentials" ? t("login.bad") : e.message;
      }
    });
    fill(root, h("div", { class: "login-wrap" }, form));
    user.focus();
  });
}
