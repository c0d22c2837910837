import { translate, t, post } from "./i18n.js";

translate("setup");
const token = location.hash.slice(1);
const form = document.getElementById("form");
const msg = document.getElementById("msg");

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  body.token = token;
  const [status, res] = await post("/api/v1/setup", body);
  if (status === 200) {
    msg.className = "ok";
    msg.textContent = t("done", "完成，已登录。");
    form.querySelector("button").disabled = true;
    return;
  }
  msg.className = "";
  msg.textContent = res.message || String(status);
  const field = res.field && form.elements[res.field];
  if (field) field.focus();
});
