package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// TestSuggestionsSkipImages: an agent opening a conversation whose buyer
// asked a question, then sent a photo, is offered the question's answers.
func TestSuggestionsSkipImages(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"]
	agent := env.accts["alpha-agent"]
	faq := f.faq(t, "alpha")
	c := f.conversation(t, "alpha", model.OwnerAgent, agent.ID, 0)
	ctx := context.Background()
	var question model.Message
	for _, p := range []chat.Post{{ClientID: "q", Body: faq.Live.Question}, {ClientID: "img", Kind: model.KindImage, Body: f.upload(t)}} {
		p.ShopID, p.ConversationID, p.Sender, p.SenderID = alpha.ID, c.ID, model.SenderBuyer, c.BuyerID
		m, _, err := env.srv.chat.Post(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if p.ClientID == "q" {
			question = m
		}
	}
	var out struct {
		MessageSeq  int64            `json:"message_seq"`
		Suggestions []bot.Suggestion `json:"suggestions"`
	}
	if status := env.login("alpha-agent").do("GET", shopURL(alpha.ID, fmt.Sprintf("/conversations/%d/suggestions", c.ID)), nil, &out); status != 200 {
		t.Fatalf("status %d", status)
	}
	if out.MessageSeq != question.Seq || len(out.Suggestions) == 0 || out.Suggestions[0].Answer != "答案" {
		t.Fatalf("suggestions for message %d: %+v; want the answer to the question (message %d)", out.MessageSeq, out.Suggestions, question.Seq)
	}
}
