import { translate, t, post } from "./i18n.js";

translate("invite");
const token = location.hash.slice(1);
const form = document.getElementById("form");
const msg = document.getElementById("msg");

const res = await fetch("/api/v1/invitations/" + encodeURIComponent(token));
if (res.ok) {
  const inv = await res.json();
  document.getElementById("about").textContent = t("invited", `您被邀请以「${inv.role}」身份加入「${inv.shop_name}」。`, { shop: inv.shop_name, role: inv.role });
} else {
  msg.textContent = t("bad_link", "链接无效或已过期。");
  form.querySelector("button").disabled = true;
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const [status, body] = await post("/api/v1/invitations/" + encodeURIComponent(token) + "/accept", Object.fromEntries(new FormData(form)));
  if (status === 200) {
    msg.className = "ok";
    msg.textContent = t("done", "完成，已登录。");
    form.querySelector("button").disabled = true;
    return;
  }
  msg.className = "";
  msg.textContent = body.message || String(status);
});
