package route

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Errors of a transfer.
var (
	ErrNoTarget    = errors.New("name one agent or one group to transfer to")
	ErrNotAgent    = errors.New("no member of this shop who can reply to buyers")
	ErrNoGroup     = errors.New("no such agent group in this shop")
	ErrSameTarget  = errors.New("the conversation is there already")
	ErrNoteTooLong = errors.New("transfer note is too long")
)

// MaxTransferNote is the longest transfer note, in characters.
const MaxTransferNote = 200

// Transfer moves a conversation to another agent or to a group's queue.
type Transfer struct {
	ShopID         int64
	ConversationID int64
	ActorID        int64
	ToAgent        int64
	ToGroup        int64
	// Note is what the receiver reads in the conversation's event.
	Note string
}

// ReasonTransferred starts the reason of every transfer; the note follows
// after ": ".
const ReasonTransferred = "transferred"

// Transfer hands a conversation over with a note the receiver sees. To an
// agent, they must be able to reply, not be offline and have room under
// their cap (store.ErrUnavailable otherwise); to a group, it waits in that
// group's queue and is assigned from there, keeping its priority.
func (s *Service) Transfer(ctx context.Context, t Transfer) (model.Conversation, error) {
	if (t.ToAgent == 0) == (t.ToGroup == 0) {
		return model.Conversation{}, ErrNoTarget
	}
	note := strings.TrimSpace(t.Note)
	if len([]rune(note)) > MaxTransferNote {
		return model.Conversation{}, ErrNoteTooLong
	}
	reason := ReasonTransferred
	if note != "" {
		reason += ": " + note
	}
	c, err := s.st.GetConversation(ctx, t.ShopID, t.ConversationID)
	if err != nil {
		return c, err
	}
	if c.Owner == model.OwnerClosed {
		return c, chat.ErrClosed
	}
	if t.ToAgent != 0 {
		return s.transferToAgent(ctx, c, t, reason)
	}
	groups, err := s.st.ListGroups(ctx, t.ShopID)
	if err != nil {
		return c, err
	}
	if !slices.ContainsFunc(groups, func(g store.Group) bool { return g.ID == t.ToGroup }) {
		return c, ErrNoGroup
	}
	if c.Owner == model.OwnerQueue && c.GroupID == t.ToGroup {
		return c, ErrSameTarget
	}
	c, _, err = s.chat.ChangeOwner(ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: c.Owner, FromAgentID: c.AgentID,
		To: model.OwnerQueue, GroupID: t.ToGroup, ActorID: t.ActorID, Reason: reason})
	if err != nil {
		return c, err
	}
	return c, s.DrainShop(ctx, c.ShopID)
}

func (s *Service) transferToAgent(ctx context.Context, c model.Conversation, t Transfer, reason string) (model.Conversation, error) {
	if c.Owner == model.OwnerAgent && c.AgentID == t.ToAgent {
		return c, ErrSameTarget
	}
	m, err := s.st.GetMember(ctx, t.ShopID, t.ToAgent)
	if errors.Is(err, store.ErrNotFound) {
		return c, ErrNotAgent
	}
	if err != nil {
		return c, err
	}
	ok, err := s.canReply(ctx, t.ShopID, m.Role)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, ErrNotAgent
	}
	c, _, err = s.chat.Assign(ctx, store.Assignment{Change: store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: c.Owner,
		FromAgentID: c.AgentID, To: model.OwnerAgent, AgentID: t.ToAgent, GroupID: c.GroupID, ActorID: t.ActorID, Reason: reason},
		Statuses: []model.AgentStatus{model.StatusOnline, model.StatusBusy, model.StatusAway}, CheckCap: true})
	return c, err
}
