package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// photo is an upload's URL as the widget sends it: Latin letters the
// engine would read as English.
const photo = "/uploads/1/3f9a2c7e5b1d4e8f.png"

// missesAre checks the bot's miss counter.
func missesAre(n int) func(s *scene, c model.Conversation) {
	return func(s *scene, c model.Conversation) {
		v, _, err := s.bot.Context(s.ctx, c.ShopID, c.ID)
		if err != nil {
			s.t.Fatal(err)
		}
		if v.Misses != n {
			s.t.Errorf("misses %d, want %d", v.Misses, n)
		}
	}
}

// noSuggestions checks that no suggestions were pushed to agents.
func noSuggestions(s *scene, c model.Conversation) {
	if evs := s.busEvents(bus.TypeSuggest, c.ID); len(evs) != 0 {
		s.t.Errorf("%d suggest events for an image, want none", len(evs))
	}
}

func TestTranscriptsMedia(t *testing.T) {
	runTranscripts(t, []transcript{
		{name: "an image is acknowledged in the buyer's language and is no miss (zh)", buyer: "v:p1", lines: []line{
			{image: photo, replies: []string{"welcome/welcome", "media/media.received"}, has: []string{"欢迎光临", "收到您的图片"},
				hasNot: []string{"Sorry", "Did you mean"}, owner: model.OwnerBot, check: missesAre(0)},
			{says: "你们老板叫什么名字", replies: []string{"fallback"}, check: missesAre(1)},
			{image: photo, replies: []string{"media/media.received"}, has: []string{"转人工"}, owner: model.OwnerBot, check: missesAre(1)},
			{image: photo, replies: []string{"media/media.received"}, owner: model.OwnerBot, check: missesAre(1)},
			{says: "多久发货", replies: []string{"faq"}, check: missesAre(0)},
		}},
		{name: "an image is acknowledged in English after English text", buyer: "v:p2", lines: []line{
			{says: "when will you ship", replies: []string{"welcome/welcome", "faq"}},
			{image: photo, replies: []string{"media/media.received"}, has: []string{"Got your picture"}, hasNot: []string{"收到"}},
		}},
		{name: "the shop rewords the acknowledgement", buyer: "v:p3",
			setup: func(s *scene) {
				s.pipeline(func(c *Config) {
					c.Templates = map[string]Texts{"media.received": {"zh-CN": "图片收到，请问有什么问题？"}}
				})
			},
			lines: []line{
				{image: photo, replies: []string{"welcome/welcome", "media/media.received"}, has: []string{"图片收到，请问有什么问题？"}},
			}},
		{name: "an image during after-sales goes to a person of the after-sales group", buyer: "v:p4", lines: []line{
			{says: "能退货吗", replies: []string{"welcome/welcome", "faq"}, owner: model.OwnerBot},
			{image: photo, replies: []string{"media/handoff.assigned"}, has: []string{"客服小李"}, owner: model.OwnerAgent, agent: "xiaoli",
				reasons: []string{ReasonMediaAftersale, "auto:round_robin"}},
			// The agent has it: no reply and nothing to suggest for an
			// image.
			{image: photo, replies: none, owner: model.OwnerAgent, check: noSuggestions},
		}},
	})
}

// TestBurstOfTextAndImage: a buyer who sends a question and a photo while
// the bot is busy gets the question's answer; the explanation counts both
// messages. A burst of images only is acknowledged once.
func TestBurstOfTextAndImage(t *testing.T) {
	w := newWorld(t)
	b := New(Options{Store: w.db, Chat: w.chat, KB: w.kb, Bus: w.bus, Workers: 1})
	cfg := DefaultConfig()
	cfg.Welcome = nil
	if err := b.PutConfig(context.Background(), w.shop.ID, cfg, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	text, images := w.open("v1"), w.open("v2")
	w.subscribeBot(b)
	w.say(text, "a", "多久发货")
	w.show(text, "b", photo)
	w.show(images, "a", photo)
	w.show(images, "b", photo)
	runBot(b)

	for _, tt := range []struct {
		c              model.Conversation
		step, contains string
	}{{text, "faq", "48小时"}, {images, stepMedia, "收到您的图片"}} {
		replies := w.botMessages(tt.c)
		if len(replies) != 1 {
			t.Fatalf("%s: %d bot replies, want one for the burst", tt.step, len(replies))
		}
		ex := explainOf(t, replies[0])
		if ex.Step != tt.step || !strings.Contains(replies[0].Body, tt.contains) || ex.Messages != 2 {
			t.Fatalf("reply %q by %s for %d messages, want %q by %s for 2", replies[0].Body, ex.Step, ex.Messages, tt.contains, tt.step)
		}
	}
}

// TestLanguageSkipsImages: an image's URL says nothing of the buyer's
// language, outside a reply (the rating invitation, the busy notice) as in
// one.
func TestLanguageSkipsImages(t *testing.T) {
	w := newWorld(t)
	c := w.open("v:lang")
	w.say(c, "1", "你好，请问多久发货")
	img := w.show(c, "2", photo)
	if _, _, lang, ok := w.bot.speakable(context.Background(), job{shopID: c.ShopID, conversationID: c.ID}); !ok || lang != "zh-CN" {
		t.Fatalf("speakable lang = %q (ok %v), want zh-CN", lang, ok)
	}
	tu := &turn{conv: c, shop: w.shop, msg: chat.NewMessageJSON(img)}
	if lang := w.bot.messageLang(context.Background(), tu); lang != "zh-CN" {
		t.Fatalf("overload notice lang = %q, want zh-CN", lang)
	}

	// A buyer who sent only an image still wrote: they are spoken to in the
	// shop's language.
	only := w.open("v:only")
	w.show(only, "1", photo)
	if _, _, lang, ok := w.bot.speakable(context.Background(), job{shopID: c.ShopID, conversationID: only.ID}); !ok || lang != "zh-CN" {
		t.Fatalf("speakable lang for an image only = %q (ok %v), want zh-CN", lang, ok)
	}
}
