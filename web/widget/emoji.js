// A small emoji picker: the faces buyers use most in shop chats.
import { h } from "../common/dom.js";

const EMOJI = ["😊", "😂", "🥰", "😍", "🤔", "😅", "😭", "😡", "👍", "👌", "🙏", "👏", "❤️", "🌹", "🎉", "😘",
  "😳", "😢", "😱", "🤗", "😎", "🙄", "💪", "✌️", "📦", "🚚", "💰", "🎁"];

// emojiPicker fills box with buttons calling pick(emoji).
export function emojiPicker(box, pick) {
  for (const e of EMOJI) box.appendChild(h("button", { type: "button", on: { click: () => pick(e) } }, e));
}
