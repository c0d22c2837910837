package chat

import (
	"encoding/json"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// MessageJSON is a message as the API and the sockets show it.
type MessageJSON struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	Seq            int64           `json:"seq"`
	Sender         string          `json:"sender"`
	SenderID       int64           `json:"sender_id,omitempty"`
	ClientID       string          `json:"client_id,omitempty"`
	Kind           string          `json:"kind"`
	Body           string          `json:"body"`
	Meta           json.RawMessage `json:"meta,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
}

// NewMessageJSON converts a stored message.
func NewMessageJSON(m model.Message) MessageJSON {
	out := MessageJSON{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Sender: string(m.Sender),
		SenderID: m.SenderID, ClientID: m.ClientID, Kind: string(m.Kind), Body: m.Body, CreatedAt: m.CreatedAt.UTC()}
	if m.Meta != "" && json.Valid([]byte(m.Meta)) {
		out.Meta = json.RawMessage(m.Meta)
	}
	return out
}

// ConversationJSON is a conversation as the API and the sockets show it.
type ConversationJSON struct {
	ID        int64      `json:"id"`
	ShopID    int64      `json:"shop_id"`
	BuyerID   int64      `json:"buyer_id"`
	Owner     string     `json:"owner"`
	AgentID   int64      `json:"agent_id,omitempty"`
	GroupID   int64      `json:"group_id,omitempty"`
	Priority  int        `json:"priority"`
	LastSeq   int64      `json:"last_seq"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
}

// NewConversationJSON converts a stored conversation.
func NewConversationJSON(c model.Conversation) ConversationJSON {
	out := ConversationJSON{ID: c.ID, ShopID: c.ShopID, BuyerID: c.BuyerID, Owner: string(c.Owner), AgentID: c.AgentID,
		GroupID: c.GroupID, Priority: c.Priority, LastSeq: c.LastSeq, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	if !c.ClosedAt.IsZero() {
		t := c.ClosedAt.UTC()
		out.ClosedAt = &t
	}
	return out
}

// EventJSON is a conversation event as the API and the sockets show it.
type EventJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	AgentID   int64     `json:"agent_id,omitempty"`
	ActorID   int64     `json:"actor_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// NewEventJSON converts a stored event.
func NewEventJSON(e model.Event) EventJSON {
	return EventJSON{ID: e.ID, Kind: e.Kind, From: string(e.FromOwner), To: string(e.ToOwner), AgentID: e.AgentID,
		ActorID: e.ActorID, Reason: e.Reason, CreatedAt: e.CreatedAt.UTC()}
}

// MessageEvent is the Data of a bus message event: the message and the state
// of its conversation when it was stored, so that each socket can decide
// whether its agent may see it without asking the database.
type MessageEvent struct {
	Message MessageJSON `json:"message"`
	Owner   string      `json:"owner"`
	AgentID int64       `json:"agent_id,omitempty"`
	GroupID int64       `json:"group_id,omitempty"`
}

// ConversationEvent is the Data of a bus conversation event.
type ConversationEvent struct {
	Conversation ConversationJSON `json:"conversation"`
	Event        EventJSON        `json:"event"`
	// PrevAgentID is the agent who owned it before, so that agent's
	// workbench can drop it from "mine".
	PrevAgentID int64 `json:"prev_agent_id,omitempty"`
}

// TypingEvent is the Data of a bus typing event.
type TypingEvent struct {
	Sender   string `json:"sender"` // buyer or agent
	SenderID int64  `json:"sender_id,omitempty"`
	Typing   bool   `json:"typing"`
}

// ReadEvent is the Data of a bus read event.
type ReadEvent struct {
	AccountID int64 `json:"account_id"`
	Seq       int64 `json:"seq"`
}
