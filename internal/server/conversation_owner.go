package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// conversationTake assigns a waiting conversation to the caller. An agent
// takes from the queue they can see, within their cap (max_chats): a
// caller at the cap gets 409 at_capacity, checked with their row locked so
// two takes at once cannot both pass. With conversations.assign (a
// supervisor) any open conversation can be taken over, from the bot or
// from another agent; that is a deliberate override and ignores the cap,
// as an explicit assign does.
func (s *Server) conversationTake(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	switch {
	case c.Owner == model.OwnerClosed:
		return errConflict("conversation_closed", "conversation is closed")
	case c.Owner == model.OwnerAgent && c.AgentID == st.account.ID:
		return s.writeConversation(w, c)
	case c.Owner != model.OwnerQueue && !st.perms.Has(auth.ConversationsAssign):
		return errForbidden("only a conversation waiting in the queue can be taken")
	}
	ch := store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: c.Owner, FromAgentID: c.AgentID, To: model.OwnerAgent,
		AgentID: st.account.ID, GroupID: c.GroupID, ActorID: st.account.ID, Reason: "taken_over"}
	if c.Owner == model.OwnerQueue {
		ch.Reason = "taken"
		c, _, err = s.chat.Assign(r.Context(), store.Assignment{Change: ch, CheckCap: true})
	} else {
		c, _, err = s.chat.ChangeOwner(r.Context(), ch)
	}
	if errors.Is(err, store.ErrUnavailable) {
		return errConflict("at_capacity", "you have as many conversations as your cap (max_chats) allows; close or transfer one first")
	}
	if err != nil {
		return err
	}
	return s.writeConversation(w, c)
}

type assignRequest struct {
	AgentID int64  `json:"agent_id"`
	Note    string `json:"note"`
}

// conversationAssign gives a conversation to a chosen agent. It is a
// supervisor's explicit decision: the agent's cap and status do not stop
// it (a transfer, an agent's own handover, respects both).
func (s *Server) conversationAssign(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	var req assignRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if c.Owner == model.OwnerClosed {
		return errConflict("conversation_closed", "conversation is closed")
	}
	target, err := s.store.GetMember(r.Context(), st.shop.ID, req.AgentID)
	if err != nil {
		return badRequest("bad_member", "agent_id", "no such member in this shop")
	}
	ps, err := permissionsOf(r.Context(), s.store, st.shop.ID, target.Role)
	if err != nil || !ps.Has(auth.ConversationsReply) {
		return badRequest("bad_member", "agent_id", "this member cannot reply to buyers")
	}
	reason := "assigned"
	if note := strings.TrimSpace(req.Note); note != "" {
		reason = "assigned: " + truncate(note, 200)
	}
	c, _, err = s.chat.ChangeOwner(r.Context(), store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: c.Owner,
		FromAgentID: c.AgentID, To: model.OwnerAgent, AgentID: target.AccountID, GroupID: c.GroupID, ActorID: st.account.ID, Reason: reason})
	if err != nil {
		return err
	}
	return s.writeConversation(w, c)
}

// conversationRelease hands a conversation back to the bot.
func (s *Server) conversationRelease(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	if err := s.mayActOn(st, c); err != nil {
		return err
	}
	c, _, err = s.chat.ChangeOwner(r.Context(), store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: c.Owner,
		FromAgentID: c.AgentID, To: model.OwnerBot, ActorID: st.account.ID, Reason: "released_to_bot"})
	if err != nil {
		return err
	}
	return s.writeConversation(w, c)
}

// conversationClose closes a conversation.
func (s *Server) conversationClose(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	if err := s.mayActOn(st, c); err != nil {
		return err
	}
	c, _, err = s.chat.ChangeOwner(r.Context(), store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: c.Owner,
		FromAgentID: c.AgentID, To: model.OwnerClosed, ActorID: st.account.ID, Reason: "closed_by_agent"})
	if err != nil {
		return err
	}
	return s.writeConversation(w, c)
}

// mayActOn lets the assigned agent act on their conversation, and a member
// with conversations.assign act on any open one.
func (s *Server) mayActOn(st *requestState, c model.Conversation) error {
	if c.Owner == model.OwnerClosed {
		return errConflict("conversation_closed", "conversation is closed")
	}
	if c.Owner == model.OwnerAgent && c.AgentID == st.account.ID {
		return nil
	}
	if st.perms.Has(auth.ConversationsAssign) {
		return nil
	}
	return errForbidden("this conversation is not assigned to you")
}

func (s *Server) writeConversation(w http.ResponseWriter, c model.Conversation) error {
	writeJSON(w, http.StatusOK, chat.NewConversationJSON(c))
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
