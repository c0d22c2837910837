// Package hub keeps the live sockets of this node and hands each bus event to
// the sockets that may want it: a buyer's socket hears only its own
// conversation; an agent's socket hears its shop and decides for itself what
// its agent may see.
package hub

import (
	"sync"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
)

// Client is one live socket.
type Client interface {
	// Deliver offers an event to the client. It must not block: a client
	// that cannot keep up closes itself and resumes on reconnect.
	Deliver(e bus.Event)
	// Close ends the socket with a reason the other side can act on.
	Close(reason string)
}

// Hub indexes the live sockets: buyers by conversation, agents by shop and
// by account.
type Hub struct {
	mu     sync.RWMutex
	byConv map[int64]map[Client]struct{}
	agents map[int64]map[Client]int64 // shop → client → account id
}

// New returns an empty hub.
func New() *Hub {
	return &Hub{byConv: map[int64]map[Client]struct{}{}, agents: map[int64]map[Client]int64{}}
}

// WatchConversation makes c hear the events of one conversation.
func (h *Hub) WatchConversation(c Client, conversationID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byConv[conversationID]
	if set == nil {
		set = map[Client]struct{}{}
		h.byConv[conversationID] = set
	}
	set[c] = struct{}{}
}

// UnwatchConversation stops c hearing a conversation.
func (h *Hub) UnwatchConversation(c Client, conversationID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.byConv[conversationID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.byConv, conversationID)
		}
	}
}

// JoinShop makes an agent's socket hear every event of the shop.
func (h *Hub) JoinShop(c Client, shopID, accountID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.agents[shopID]
	if set == nil {
		set = map[Client]int64{}
		h.agents[shopID] = set
	}
	set[c] = accountID
}

// LeaveShop removes an agent's socket from its shop.
func (h *Hub) LeaveShop(c Client, shopID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.agents[shopID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.agents, shopID)
		}
	}
}

// Handle routes one bus event. A member event closes the sockets of an
// account whose membership ended, at once.
func (h *Hub) Handle(e bus.Event) {
	h.mu.RLock()
	var targets []Client
	if e.ConversationID != 0 {
		for c := range h.byConv[e.ConversationID] {
			targets = append(targets, c)
		}
	}
	for c, account := range h.agents[e.ShopID] {
		if e.Type == bus.TypeMember && e.AccountID != 0 && account != e.AccountID {
			continue
		}
		targets = append(targets, c)
	}
	h.mu.RUnlock()
	for _, c := range targets {
		c.Deliver(e)
	}
}

// Agents lists, by shop, the accounts with an agent socket open on this
// node (each once), for presence.
func (h *Hub) Agents() map[int64][]int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make(map[int64][]int64, len(h.agents))
	for shop, set := range h.agents {
		seen := map[int64]bool{}
		for _, account := range set {
			if !seen[account] {
				seen[account] = true
				out[shop] = append(out[shop], account)
			}
		}
	}
	return out
}

// Counts returns how many buyer conversations and agent sockets are watched,
// for metrics and tests.
func (h *Hub) Counts() (conversations, agents int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.agents {
		agents += len(set)
	}
	return len(h.byConv), agents
}

// CloseAll ends every socket with reason, as at shutdown.
func (h *Hub) CloseAll(reason string) {
	h.mu.RLock()
	seen := map[Client]bool{}
	for _, set := range h.byConv {
		for c := range set {
			seen[c] = true
		}
	}
	for _, set := range h.agents {
		for c := range set {
			seen[c] = true
		}
	}
	h.mu.RUnlock()
	for c := range seen {
		c.Close(reason)
	}
}
