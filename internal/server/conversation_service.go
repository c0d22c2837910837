package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	router "github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

type transferRequest struct {
	AgentID int64  `json:"agent_id"`
	GroupID int64  `json:"group_id"`
	Note    string `json:"note"`
}

// conversationTransfer hands a conversation to another agent or to a
// group's queue with a note the receiver reads in the conversation's
// event. An agent transfers their own conversations; a member with
// conversations.assign (a supervisor) any open one.
func (s *Server) conversationTransfer(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	var req transferRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if !st.perms.Has(auth.ConversationsAssign) && (c.Owner != model.OwnerAgent || c.AgentID != st.account.ID) {
		return errForbidden("only your own conversations can be transferred")
	}
	c, err = s.route.Transfer(r.Context(), router.Transfer{ShopID: st.shop.ID, ConversationID: c.ID, ActorID: st.account.ID,
		ToAgent: req.AgentID, ToGroup: req.GroupID, Note: req.Note})
	switch {
	case errors.Is(err, router.ErrNoTarget):
		return badRequest("bad_field", "agent_id", "give agent_id or group_id, not both")
	case errors.Is(err, router.ErrNotAgent):
		return badRequest("bad_member", "agent_id", "no member of this shop who can reply to buyers")
	case errors.Is(err, router.ErrNoGroup):
		return badRequest("bad_group", "group_id", "no such agent group in this shop")
	case errors.Is(err, router.ErrNoteTooLong):
		return badRequest("too_long", "note", "a note is at most 200 characters")
	case errors.Is(err, router.ErrSameTarget):
		return errConflict("same_target", "the conversation is there already")
	case errors.Is(err, store.ErrUnavailable):
		return errConflict("agent_unavailable", "this agent is offline or has no room under their cap")
	case err != nil:
		return err
	}
	return s.writeConversation(w, c)
}

// serviceJSON is the service around a conversation: where it waits, what
// the bot remembers, and the buyer's rating.
type serviceJSON struct {
	QueuePosition int             `json:"queue_position,omitempty"`
	QueuedAt      *time.Time      `json:"queued_at,omitempty"`
	AssignedAt    *time.Time      `json:"assigned_at,omitempty"`
	Context       bot.ContextView `json:"context"`
	Rating        int             `json:"rating,omitempty"`
	RatingComment string          `json:"rating_comment,omitempty"`
	RatedAt       *time.Time      `json:"rated_at,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// conversationService shows the service around a conversation.
func (s *Server) conversationService(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	view, st, err := s.bot.Context(r.Context(), c.ShopID, c.ID)
	if err != nil {
		return err
	}
	pos, err := s.route.Position(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, serviceJSON{QueuePosition: pos, QueuedAt: timePtr(st.QueuedAt), AssignedAt: timePtr(st.AssignedAt),
		Context: view, Rating: st.Rating, RatingComment: st.RatingComment, RatedAt: timePtr(st.RatedAt)})
	return nil
}

// chatRatingError maps the rating errors a buyer can cause to stable codes.
func chatRatingError(err error) (code string, ok bool) {
	switch {
	case errors.Is(err, chat.ErrBadRating):
		return "bad_rating", true
	case errors.Is(err, chat.ErrBadComment):
		return "too_long", true
	case errors.Is(err, chat.ErrNotClosed):
		return "not_closed", true
	case errors.Is(err, chat.ErrAlreadyRated):
		return "already_rated", true
	case errors.Is(err, chat.ErrNotYours), errors.Is(err, store.ErrNotFound):
		return "not_found", true
	}
	return "", false
}
