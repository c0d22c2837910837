// Package chat runs the life of a conversation: opening it for a buyer,
// storing each message at its place, moving it between owners (bot, queue,
// agent, closed) with a recorded reason, and telling every node about each
// change through the bus.
package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Errors a sender can cause. The server maps each to a stable code.
var (
	ErrEmptyMessage   = errors.New("message is empty")
	ErrMessageTooLong = errors.New("message is too long")
	ErrBadKind        = errors.New("unknown message kind")
	ErrBadClientID    = errors.New("client id is too long")
	ErrClosed         = errors.New("conversation is closed")
	ErrNotOwner       = errors.New("conversation is not assigned to you")
	ErrNotYours       = errors.New("conversation belongs to another buyer")
)

// Options configures a Service.
type Options struct {
	Store      store.Store
	Bus        bus.Broker
	Logger     *slog.Logger
	MaxMessage int    // characters; default 5000
	Node       string // this node's name, stamped on the events it publishes
}

// Service is the conversation lifecycle.
type Service struct {
	store      store.Store
	bus        bus.Broker
	log        *slog.Logger
	maxMessage int
	node       string
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = 5000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: opts.Store, bus: opts.Bus, log: opts.Logger, maxMessage: opts.MaxMessage, node: opts.Node}
}

// MaxMessage is the longest message body accepted, in characters.
func (s *Service) MaxMessage() int { return s.maxMessage }

// Resume returns the buyer's open conversation, opening a new one (owned by
// the bot) when there is none. created says which. Two sockets of one buyer
// resuming at once get the same conversation.
func (s *Service) Resume(ctx context.Context, shopID, buyerID int64) (c model.Conversation, created bool, err error) {
	c, err = s.store.LatestOpenConversation(ctx, shopID, buyerID)
	if err == nil {
		return c, false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return c, false, err
	}
	c, created, err = s.store.OpenConversation(ctx, shopID, buyerID)
	if err != nil || !created {
		return c, false, err
	}
	return c, true, s.announceOpened(ctx, c)
}

// Open starts a new conversation for the buyer and announces it.
func (s *Service) Open(ctx context.Context, shopID, buyerID int64) (model.Conversation, bool, error) {
	c, err := s.store.CreateConversation(ctx, shopID, buyerID, 0)
	if err != nil {
		return c, false, err
	}
	return c, true, s.announceOpened(ctx, c)
}

// announceOpened publishes a new conversation with its opening event.
func (s *Service) announceOpened(ctx context.Context, c model.Conversation) error {
	evs, err := s.store.ListEvents(ctx, c.ShopID, c.ID)
	if err != nil || len(evs) == 0 {
		return fmt.Errorf("chat: opening event of conversation %d: %w", c.ID, err)
	}
	s.publishConversation(ctx, c, evs[0], 0)
	return nil
}

// Post is one message to store.
type Post struct {
	ShopID         int64
	ConversationID int64
	Sender         model.SenderKind
	SenderID       int64 // buyer id or account id
	ClientID       string
	Kind           model.MessageKind
	Body           string
	Meta           string // JSON, for bot and system messages
}

// Validate checks what the sender controls, before anything is read.
func (s *Service) Validate(p Post) error {
	switch p.Kind {
	case "", model.KindText, model.KindImage:
	case model.KindCard, model.KindEvent, model.KindLink, model.KindChoices:
		if p.Sender != model.SenderBot && p.Sender != model.SenderSystem {
			return ErrBadKind
		}
	default:
		return ErrBadKind
	}
	if strings.TrimSpace(p.Body) == "" {
		return ErrEmptyMessage
	}
	if utf8.RuneCountInString(p.Body) > s.maxMessage {
		return ErrMessageTooLong
	}
	if len(p.ClientID) > 64 {
		return ErrBadClientID
	}
	return nil
}

// Post stores a message once (a repeated client id returns the stored
// message with created = false) and announces new ones. A buyer writes only
// to their own open conversation, an agent only to one assigned to them.
func (s *Service) Post(ctx context.Context, p Post) (model.Message, bool, error) {
	if err := s.Validate(p); err != nil {
		return model.Message{}, false, err
	}
	c, err := s.store.GetConversation(ctx, p.ShopID, p.ConversationID)
	if err != nil {
		return model.Message{}, false, err
	}
	if err := mayPost(c, p); err != nil {
		return model.Message{}, false, err
	}
	m, created, err := s.store.AppendMessage(ctx, model.Message{ShopID: p.ShopID, ConversationID: p.ConversationID,
		Sender: p.Sender, SenderID: p.SenderID, ClientID: p.ClientID, Kind: p.Kind, Body: p.Body, Meta: p.Meta})
	if err != nil {
		return m, false, err
	}
	if created {
		s.publishMessage(ctx, c, m)
	}
	return m, created, nil
}

func mayPost(c model.Conversation, p Post) error {
	switch p.Sender {
	case model.SenderBuyer:
		if c.BuyerID != p.SenderID {
			return ErrNotYours
		}
		if c.Owner == model.OwnerClosed {
			return ErrClosed
		}
	case model.SenderAgent:
		if c.Owner == model.OwnerClosed {
			return ErrClosed
		}
		if c.Owner != model.OwnerAgent || c.AgentID != p.SenderID {
			return ErrNotOwner
		}
	}
	return nil
}

// ChangeOwner moves a conversation to a new owner with its reason and
// announces it. A stale From gives store.ErrStale.
func (s *Service) ChangeOwner(ctx context.Context, ch store.OwnerChange) (model.Conversation, model.Event, error) {
	c, e, err := s.store.ChangeOwner(ctx, ch)
	if err != nil {
		return c, e, err
	}
	s.publishConversation(ctx, c, e, ch.FromAgentID)
	return c, e, nil
}

// Typing announces that a buyer or agent is typing (or stopped).
func (s *Service) Typing(ctx context.Context, shopID, conversationID int64, sender model.SenderKind, senderID int64, typing bool) {
	s.publish(ctx, bus.TypeTyping, shopID, conversationID, 0, TypingEvent{Sender: string(sender), SenderID: senderID, Typing: typing})
}

// MarkRead moves an agent's read position and announces it.
func (s *Service) MarkRead(ctx context.Context, shopID, conversationID, accountID, seq int64) error {
	c, err := s.store.GetConversation(ctx, shopID, conversationID)
	if err != nil {
		return err
	}
	if seq > c.LastSeq {
		seq = c.LastSeq
	}
	if err := s.store.SetReadPosition(ctx, conversationID, accountID, seq); err != nil {
		return err
	}
	s.publish(ctx, bus.TypeRead, shopID, conversationID, accountID, ReadEvent{AccountID: accountID, Seq: seq})
	return nil
}

func (s *Service) publishMessage(ctx context.Context, c model.Conversation, m model.Message) {
	s.publishAbout(ctx, bus.TypeMessage, c, MessageEvent{Message: NewMessageJSON(m),
		Owner: string(c.Owner), AgentID: c.AgentID, GroupID: c.GroupID})
}

func (s *Service) publishConversation(ctx context.Context, c model.Conversation, e model.Event, prevAgent int64) {
	s.publishAbout(ctx, bus.TypeConversation, c, ConversationEvent{Conversation: NewConversationJSON(c),
		Event: NewEventJSON(e), PrevAgentID: prevAgent})
}

// publishAbout publishes an event of a conversation with its routing state.
func (s *Service) publishAbout(ctx context.Context, typ string, c model.Conversation, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		s.log.Error("chat: encode event", "type", typ, "err", err)
		return
	}
	err = s.bus.Publish(ctx, bus.Event{Type: typ, ShopID: c.ShopID, ConversationID: c.ID, Node: s.node, Owner: string(c.Owner),
		AgentID: c.AgentID, GroupID: c.GroupID, Data: b})
	if err != nil {
		s.log.Warn("chat: publish event", "type", typ, "conversation", c.ID, "err", err)
	}
}

// PublishMember tells every node that an account's membership of a shop
// changed or ended, so its sockets re-check or close at once.
func (s *Service) PublishMember(ctx context.Context, shopID, accountID int64) {
	s.publish(ctx, bus.TypeMember, shopID, 0, accountID, nil)
}

// publish sends an event. A lost publish only delays live delivery: the
// data is stored and clients catch up by sequence number, so it is logged
// rather than failing the write that caused it.
func (s *Service) publish(ctx context.Context, typ string, shopID, conversationID, accountID int64, data any) {
	var raw json.RawMessage
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			s.log.Error("chat: encode event", "type", typ, "err", err)
			return
		}
		raw = b
	}
	err := s.bus.Publish(ctx, bus.Event{Type: typ, ShopID: shopID, ConversationID: conversationID, AccountID: accountID, Node: s.node, Data: raw})
	if err != nil {
		s.log.Warn("chat: publish event", "type", typ, "conversation", conversationID, "err", err)
	}
}
