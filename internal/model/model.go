// Package model holds xiaoer's plain domain types and enumerations. It
// imports only the standard library so every other package can share it.
package model

import "time"

// Shop is one merchant's tenant: everything else belongs to exactly one shop.
type Shop struct {
	ID       int64
	Slug     string // URL-safe name used by the widget: /chat/{slug}
	Name     string
	Language string // "zh-CN" or "en": default language of bot texts
	Timezone string // IANA name, used for business hours and reports
	// IdentitySecret signs verified buyer ids (HMAC-SHA256) on the
	// merchant's own site. It is never shown to agents.
	IdentitySecret string
	CreatedAt      time.Time
}

// Account is a person who can log in: an owner, admin, supervisor or agent.
// One account can be a member of several shops.
type Account struct {
	ID           int64
	Username     string
	Email        string
	Phone        string
	DisplayName  string
	PasswordHash string // bcrypt; empty until an invitation is accepted
	CreatedAt    time.Time
}

// AgentStatus is the availability an agent chooses in the workbench.
type AgentStatus string

// Agent statuses.
const (
	StatusOnline  AgentStatus = "online"
	StatusBusy    AgentStatus = "busy"
	StatusAway    AgentStatus = "away"
	StatusOffline AgentStatus = "offline"
)

// Valid reports whether s is one of the known statuses.
func (s AgentStatus) Valid() bool {
	switch s {
	case StatusOnline, StatusBusy, StatusAway, StatusOffline:
		return true
	}
	return false
}

// Membership binds an account to a shop with a role and the agent's status.
type Membership struct {
	ShopID    int64
	AccountID int64
	Role      string // a built-in role name or a custom role name of the shop
	Status    AgentStatus
	// MaxChats is the agent's concurrent-conversation cap (接待上限).
	MaxChats  int
	CreatedAt time.Time
}

// Member is a membership joined with its account, as lists show it.
type Member struct {
	Membership
	Account Account
}

// Buyer is a shop's customer as xiaoer knows them. A verified buyer carries
// the shop's own buyer id; an anonymous visitor carries only a visitor id.
type Buyer struct {
	ID         int64
	ShopID     int64
	ExternalID string // the shop's own buyer id; empty for anonymous visitors
	VisitorID  string // random id kept by the widget of an anonymous visitor
	Nickname   string
	CreatedAt  time.Time
}

// Verified reports whether the buyer was identified by the merchant's site.
func (b Buyer) Verified() bool { return b.ExternalID != "" }

// Owner says who is answering a conversation right now.
type Owner string

// Conversation owners. A conversation has exactly one at a time.
const (
	OwnerBot    Owner = "bot"
	OwnerQueue  Owner = "queue"
	OwnerAgent  Owner = "agent"
	OwnerClosed Owner = "closed"
)

// Valid reports whether o is one of the known owners.
func (o Owner) Valid() bool {
	switch o {
	case OwnerBot, OwnerQueue, OwnerAgent, OwnerClosed:
		return true
	}
	return false
}

// Conversation is one thread between a buyer and the shop.
type Conversation struct {
	ID       int64
	ShopID   int64
	BuyerID  int64
	Owner    Owner
	AgentID  int64 // assigned agent's account id; 0 when none
	GroupID  int64 // agent group the conversation waits for; 0 when none
	Priority int   // higher is more urgent
	// LastSeq is the sequence number of the newest message.
	LastSeq   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  time.Time // zero while open
}

// SenderKind says who wrote a message.
type SenderKind string

// Message senders.
const (
	SenderBuyer  SenderKind = "buyer"
	SenderBot    SenderKind = "bot"
	SenderAgent  SenderKind = "agent"
	SenderSystem SenderKind = "system"
)

// MessageKind says how a message body is to be shown.
type MessageKind string

// Message kinds.
const (
	KindText    MessageKind = "text"
	KindImage   MessageKind = "image"
	KindLink    MessageKind = "link"    // a link with a title (bot)
	KindCard    MessageKind = "card"    // a product or order card (bot)
	KindChoices MessageKind = "choices" // "did you mean" questions to tap (bot)
	KindEvent   MessageKind = "event"
)

// IsText reports whether a message is words to read: text, or a message
// stored without a kind. Buyers also send images, whose body is the
// upload's URL and no words of theirs.
func (k MessageKind) IsText() bool { return k == "" || k == KindText }

// Message is one stored message. Seq orders messages within a conversation
// and has no gaps: 1, 2, 3...
type Message struct {
	ID             int64
	ShopID         int64
	ConversationID int64
	Seq            int64
	Sender         SenderKind
	SenderID       int64  // account id for agents; buyer id for buyers; 0 for bot and system
	ClientID       string // the sender's own id for the message, for de-duplication
	Kind           MessageKind
	Body           string
	// Meta holds structured extras as JSON: choices, cards, the bot's
	// explanation. Stored as given.
	Meta      string
	CreatedAt time.Time
}

// Event records a change in a conversation's life, such as a change of owner
// with its reason, so that no handoff is silent.
type Event struct {
	ID             int64
	ShopID         int64
	ConversationID int64
	Kind           string // "opened", "owner", "assigned", "closed", ...
	FromOwner      Owner
	ToOwner        Owner
	AgentID        int64
	ActorID        int64 // account that caused it; 0 for the system or bot
	Reason         string
	CreatedAt      time.Time
}

// AuditEntry is one administrative action, kept for accountability.
type AuditEntry struct {
	ID        int64
	ShopID    int64
	ActorID   int64
	Action    string // "member.add", "role.change", "buyer.phone.reveal", ...
	Target    string
	Detail    string
	CreatedAt time.Time
}
