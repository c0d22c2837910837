// Package bus carries events between the parts of xiaoer and, when the
// deployment has several nodes, between nodes. Local is the in-process
// broker of a single node.
package bus

import (
	"context"
	"encoding/json"
	"sync"
)

// Event types.
const (
	TypeMessage      = "message"      // a message was stored; Data is the message
	TypeConversation = "conversation" // a conversation changed owner, agent or priority; Data has it and the event
	TypeTyping       = "typing"       // someone is typing; ephemeral
	TypeRead         = "read"         // an agent's read position moved
	TypeMember       = "member"       // a membership changed or ended; AccountID names it
	TypeKB           = "kb"           // a shop's published knowledge or bot settings changed
	TypeSuggest      = "suggest"      // the bot's suggested replies for agents; ephemeral
	TypeQueue        = "queue"        // a waiting conversation's place in its queue changed; ephemeral
	TypeNotify       = "notify"       // something the shop should be told (a message left when nobody is on duty)
	TypeAlert        = "alert"        // a workbench alert for the agent AccountID (notify.Alert); ephemeral
)

// Event is something that happened in a shop.
type Event struct {
	Type           string `json:"type"`
	ShopID         int64  `json:"shop_id"`
	ConversationID int64  `json:"conversation_id,omitempty"`
	AccountID      int64  `json:"account_id,omitempty"`
	// Node names the node where the event happened, so that work done once
	// per event (the bot's reply) is done by that node only.
	Node string `json:"node,omitempty"`
	// Owner, AgentID and GroupID are the conversation's state after the
	// event, so that a socket can tell whether its agent may see it without
	// decoding Data.
	Owner   string          `json:"owner,omitempty"`
	AgentID int64           `json:"agent_id,omitempty"`
	GroupID int64           `json:"group_id,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Broker publishes events to every subscriber, on this node and others.
type Broker interface {
	// Publish delivers e to the subscribers. For one publisher, events arrive
	// in the order they were published.
	Publish(ctx context.Context, e Event) error
	// Subscribe calls fn for every event until cancel is called. fn must not
	// block: it runs on the publisher's goroutine in the local broker.
	Subscribe(fn func(Event)) (cancel func())
}

// Local is the single-node broker: Publish calls each subscriber in turn.
type Local struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

// NewLocal returns an empty local broker.
func NewLocal() *Local { return &Local{subs: map[int]func(Event){}} }

// Publish calls every subscriber with e.
func (l *Local) Publish(_ context.Context, e Event) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, fn := range l.subs {
		fn(e)
	}
	return nil
}

// Subscribe adds fn; the returned func removes it.
func (l *Local) Subscribe(fn func(Event)) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.next
	l.next++
	l.subs[id] = fn
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.subs, id)
	}
}
