package server

import (
	"net/http"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// conversationSuggestions returns the bot's suggested replies to the latest
// buyer text message, for an agent opening a conversation: the answer from
// the shop's data first, then the FAQs. An image after a question leaves
// the question's suggestions: there is nothing to suggest for an image.
func (s *Server) conversationSuggestions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	ms, err := s.store.ListMessages(r.Context(), store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, Newest: true, Limit: 50})
	if err != nil {
		return err
	}
	out := map[string]any{"message_seq": 0, "suggestions": []bot.Suggestion{}}
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Sender != model.SenderBuyer || !ms[i].Kind.IsText() {
			continue
		}
		sug, err := s.bot.SuggestionsFor(r.Context(), ms[i])
		if err != nil {
			return err
		}
		out["message_seq"], out["suggestions"] = ms[i].Seq, nonNil(sug)
		break
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
