package bot

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestHistoryIsTheLatestMessages: the frustration history is the buyer's
// messages just before the current one, oldest first, not the first ones
// of a long conversation.
func TestHistoryIsTheLatestMessages(t *testing.T) {
	w := newWorld(t)
	c := w.open("v:history")
	var texts []string
	for i := 1; i <= 10; i++ {
		text := fmt.Sprintf("message %d", i)
		texts = append(texts, text)
		w.say(c, text, text)
	}
	last := w.say(c, "now", "now")
	got := w.bot.history(context.Background(), c, last.Seq)
	want := texts[len(texts)-historyMessages:]
	if !slices.Equal(got, want) {
		t.Fatalf("history = %q, want %q", got, want)
	}
}

// TestSpeaksTheLatestLanguage: a buyer who switched from Chinese to English
// is spoken to in English outside a reply (greetings, rating invitations).
func TestSpeaksTheLatestLanguage(t *testing.T) {
	w := newWorld(t)
	c := w.open("v:lang")
	w.say(c, "1", "你好，请问多久发货")
	w.say(c, "2", "sorry, do you speak English? when will you ship my order")
	_, _, lang, ok := w.bot.speakable(context.Background(), job{shopID: c.ShopID, conversationID: c.ID})
	if !ok || lang != "en" {
		t.Fatalf("speakable lang = %q (ok %v), want en", lang, ok)
	}
}
