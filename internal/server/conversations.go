package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// conversationList lists conversations newest first: ?view=mine (assigned
// to me), queue (waiting where I may take them) or all (everything I may
// see; the default).
func (s *Server) conversationList(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	before, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	f := store.ConversationFilter{ShopID: st.shop.ID, Before: before, Limit: limit}
	switch r.URL.Query().Get("view") {
	case "mine":
		f.AgentID, f.Owners = st.account.ID, []model.Owner{model.OwnerAgent}
	case "queue":
		f.Owners = []model.Owner{model.OwnerQueue}
	case "", "all":
	default:
		return badRequest("bad_field", "view", "view must be mine, queue or all")
	}
	if !st.perms.Has(auth.ConversationsReadAll) {
		f.VisibleTo = &store.Visibility{AccountID: st.account.ID, Groups: st.groups}
	}
	cs, err := s.store.ListConversations(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]chat.ConversationJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, chat.NewConversationJSON(c))
	}
	next := ""
	if len(cs) == limit {
		next = strconv.FormatInt(cs[len(cs)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "next_cursor": next})
	return nil
}

// visibleConversation reads the {id} conversation of the path, answering
// 404 when the caller may not see it.
func (s *Server) visibleConversation(r *http.Request) (model.Conversation, error) {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return model.Conversation{}, err
	}
	c, err := s.store.GetConversation(r.Context(), st.shop.ID, id)
	if err != nil {
		return c, err
	}
	if !canSee(st.perms, st.account.ID, st.groups, c) {
		return c, errNotFound("conversation")
	}
	return c, nil
}

type buyerJSON struct {
	ID       int64  `json:"id"`
	Verified bool   `json:"verified"`
	Nickname string `json:"nickname,omitempty"`
}

// conversationGet shows one conversation with its buyer.
func (s *Server) conversationGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	b, err := s.store.GetBuyer(r.Context(), c.ShopID, c.BuyerID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": chat.NewConversationJSON(c),
		"buyer": buyerJSON{ID: b.ID, Verified: b.Verified(), Nickname: b.Nickname}})
	return nil
}

// messageList pages through a conversation's messages: ?after_seq=N gives
// the messages after N (oldest first), ?before_seq=N those before N, and
// neither the newest; ?limit= bounds the page.
func (s *Server) messageList(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	q := store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, Limit: 100}
	for name, dst := range map[string]*int64{"after_seq": &q.AfterSeq, "before_seq": &q.BeforeSeq} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return badRequest("bad_field", name, name+" must be a sequence number")
			}
			*dst = n
		}
	}
	q.Newest = r.URL.Query().Get("after_seq") == "" && q.BeforeSeq == 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return badRequest("bad_field", "limit", "limit must be between 1 and 500")
		}
		q.Limit = n
	}
	ms, err := s.store.ListMessages(r.Context(), q)
	if err != nil {
		return err
	}
	out := make([]chat.MessageJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, chat.NewMessageJSON(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "last_seq": c.LastSeq})
	return nil
}

type messageCreateRequest struct {
	ClientID string `json:"client_id"`
	Kind     string `json:"kind"`
	Body     string `json:"body"`
}

// messageCreate sends an agent's reply in a conversation assigned to them.
// A repeated client_id returns the stored message with 200 instead of 201.
func (s *Server) messageCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	var req messageCreateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	m, created, err := s.chat.Post(r.Context(), chat.Post{ShopID: c.ShopID, ConversationID: c.ID, Sender: model.SenderAgent,
		SenderID: st.account.ID, ClientID: req.ClientID, Kind: model.MessageKind(req.Kind), Body: req.Body})
	if err != nil {
		return withBodyField(err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.metrics.messages.WithLabelValues(string(model.SenderAgent)).Inc()
	}
	writeJSON(w, status, chat.NewMessageJSON(m))
	return nil
}

// withBodyField names the field a chat validation error concerns.
func withBodyField(err error) error {
	code, status, ok := chatErrorCode(err)
	if !ok {
		return err
	}
	field := "body"
	switch {
	case errors.Is(err, chat.ErrBadKind):
		field = "kind"
	case errors.Is(err, chat.ErrBadClientID):
		field = "client_id"
	case status != http.StatusBadRequest:
		field = ""
	}
	return &Error{Status: status, Code: code, Field: field, Message: err.Error()}
}

// eventList lists a conversation's events: every change of owner with its
// reason.
func (s *Server) eventList(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	es, err := s.store.ListEvents(r.Context(), c.ShopID, c.ID)
	if err != nil {
		return err
	}
	out := make([]chat.EventJSON, 0, len(es))
	for _, e := range es {
		out = append(out, chat.NewEventJSON(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}
