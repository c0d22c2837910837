package server

import (
	"net/http"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// conversationSuggestions returns the bot's suggested replies to the latest
// buyer message, for an agent opening a conversation.
func (s *Server) conversationSuggestions(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
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
		if ms[i].Sender != model.SenderBuyer {
			continue
		}
		se, err := s.kb.Engines().Get(r.Context(), c.ShopID)
		if err != nil {
			return err
		}
		m := se.Match(ms[i].Body, nil, s.now(), st.shop.Language)
		out["message_seq"], out["suggestions"] = ms[i].Seq, nonNil(bot.Suggestions(m))
		break
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
