// The steps the flows share: open the buyer chat, ask, wait for replies,
// log in to the workbench and the console. Texts per language.
import { expect } from "./expect.mjs";
import { sign, PASSWORD } from "./server.mjs";

export const LANGS = {
  zh: { locale: "zh-CN", faq: "下单后多久发货？", faqAnswer: /48小时/, human: "转人工", agentReply: "您好，我是小李，马上为您处理～",
    parcel: "我的快递到哪了", newQ: "可以在商品上刻字吗", newA: "可以免费刻字，最多十个字哦", second: "能开发票吗", secondAnswer: /发票/,
    thanks: /感谢您的评价/, media: /收到您的图片/, close: "结束会话", take: "接待", publish: "保存并发布" },
  en: { locale: "en-US", faq: "When will my order ship?", faqAnswer: /48 hours/i, human: "Talk to a human", agentReply: "Hello, this is Li. I'm on it!",
    parcel: "Where is my parcel?", newQ: "Can you engrave my name on the product?", newA: "Yes, we engrave up to ten letters for free.",
    second: "Can I get an invoice?", secondAnswer: /invoice/i, thanks: /Thank you for your rating/, media: /Got your picture/, close: "Close", take: "Take", publish: "Save and publish" },
};

// Parcel events of the demo orders (not the order status labels).
export const LOGISTICS = /揽收|转运中心|运输中|派送中|感谢使用|SF\d{6,}/;

// chatURL is the buyer chat of the demo shop; a verified buyer's id and
// signature go in the fragment, as widget.js passes them.
export function chatURL(server, { buyer, product } = {}) {
  const p = new URLSearchParams();
  if (buyer) { p.set("buyer", buyer); p.set("sig", sign(buyer)); }
  if (product) p.set("product", product);
  return `${server.url}/chat/demo${p.size ? "#" + p : ""}`;
}

export async function openChat(ctx, server, opts) {
  const page = await ctx.newPage();
  await page.goto(chatURL(server, opts));
  await page.waitForFunction(() => window.xiaoerChat && window.xiaoerChat.conn === "online");
  return page;
}

export async function ask(page, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

// reply waits for a message from the shop side (bot or agent) matching re
// and returns its text.
export async function reply(page, re, who = ".row.bot, .row.agent", timeout = 15000) {
  const loc = page.locator(who).filter({ hasText: re }).last();
  await loc.waitFor({ timeout });
  return loc.innerText();
}

export async function buyerTexts(page) {
  return page.locator(".list .row.me .bubble").allInnerTexts();
}

export async function login(page, user) {
  await page.waitForSelector("input[name=login]");
  await page.fill("input[name=login]", user);
  await page.fill("input[name=password]", PASSWORD);
  await page.click("form.login button[type=submit]");
}

export async function openDesk(ctx, server, user = "xiaomei") {
  const page = await ctx.newPage();
  page.on("dialog", (d) => d.accept());
  await page.goto(server.url + "/desk");
  await login(page, user);
  await page.waitForFunction(() => window.xiaoerDesk);
  return page;
}

export async function openAdmin(ctx, server, user = "admin") {
  const page = await ctx.newPage();
  page.on("dialog", (d) => d.accept());
  await page.goto(server.url + "/admin");
  await login(page, user);
  await page.waitForSelector(".admin .nav a");
  return page;
}

export { expect };

// A small PNG for the image messages (a 2×2 orange square).
export const PNG = {
  name: "photo.png", mimeType: "image/png",
  buffer: Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR42mP8z8Dwn4EIwDiqkL4KAZ0fA/8sHJ6ZAAAAAElFTkSuQmCC", "base64"),
};

// imageShown waits for an image in the rows matched by sel to load.
export async function imageShown(page, sel) {
  const img = page.locator(`${sel} img.pic`).last();
  await img.waitFor();
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
}
