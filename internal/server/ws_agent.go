package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// agentView is what an agent's socket may show, replaced whole when the
// membership changes.
type agentView struct {
	accountID int64
	perms     auth.Set
	groups    []int64
}

func (v *agentView) sees(owner string, agentID, groupID int64) bool {
	return canSee(v.perms, v.accountID, v.groups, model.Conversation{Owner: model.Owner(owner), AgentID: agentID, GroupID: groupID})
}

type agentWelcome struct {
	Type        string            `json:"type"` // "welcome"
	AccountID   int64             `json:"account_id"`
	ShopID      int64             `json:"shop_id"`
	Permissions []auth.Permission `json:"permissions"`
	// Status is the agent's own status as the socket opens: "offline"
	// after a reconnect past the grace period.
	Status model.AgentStatus `json:"status"`
}

type agentConversationFrame struct {
	Type         string                `json:"type"` // "conversation"
	Conversation chat.ConversationJSON `json:"conversation"`
	Event        chat.EventJSON        `json:"event"`
	// Visible is false when the agent just lost sight of it (transferred
	// away): the workbench drops it from its lists.
	Visible bool `json:"visible"`
}

// agentSession is the state of one agent socket.
type agentSession struct {
	srv    *Server
	so     *socket
	shopID int64
	// session is the hash of the session that opened the socket: the
	// socket ends with it.
	session string
	view    atomic.Pointer[agentView]

	mu      sync.Mutex
	watched map[int64]bool
}

// wsAgent serves the workbench's socket for one shop (?shop=ID). The session
// cookie authenticates it and the library's origin check refuses other
// sites, so the cookie cannot be borrowed cross-site.
func (s *Server) wsAgent(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := s.loadMember(r, st, r.URL.Query().Get("shop")); err != nil {
		return err
	}
	if !hasAny(st.perms, perms(auth.ConversationsReadAssigned, auth.ConversationsReadAll)) {
		return errForbidden("your role does not allow the workbench")
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil
	}
	s.sockets.Add(1)
	defer s.sockets.Done()
	s.metrics.socketsOpen.WithLabelValues("agent").Inc()
	defer s.metrics.socketsOpen.WithLabelValues("agent").Dec()

	ctx := context.WithoutCancel(r.Context())
	so := newSocket(s, conn, "agent")
	so.shop = st.shop.ID
	a := &agentSession{srv: s, so: so, shopID: st.shop.ID, session: st.session.TokenHash, watched: map[int64]bool{}}
	a.view.Store(&agentView{accountID: st.account.ID, perms: st.perms, groups: st.groups})
	so.translate = a.translate
	so.accept = a.accept
	so.watch = func(id int64) { a.setWatched(id, true) }
	go so.writeLoop(ctx)
	s.hub.JoinShop(so, st.shop.ID, st.account.ID)
	// The agent is there while a socket of theirs is open on some node:
	// this one counts until it closes (docs/bot.md, "Presence").
	if err := s.presence.Connect(ctx, st.shop.ID, st.account.ID); err != nil {
		s.log.Error("agent presence: connect", "shop", st.shop.ID, "agent", st.account.ID, "err", err)
	}
	defer func() {
		s.hub.LeaveShop(so, st.shop.ID)
		if err := s.presence.Disconnect(ctx, st.shop.ID, st.account.ID); err != nil {
			s.log.Error("agent presence: disconnect", "shop", st.shop.ID, "agent", st.account.ID, "err", err)
		}
		so.closeWith(websocket.StatusNormalClosure, "")
		<-so.done
	}()
	so.send(agentWelcome{Type: "welcome", AccountID: st.account.ID, ShopID: st.shop.ID, Permissions: st.perms.List(),
		Status: s.currentStatus(ctx, st.shop.ID, st.account.ID, st.member.Status)})

	limit := newRateLimit(s.opts.FrameRate)
	for {
		f, ok, err := so.readFrame(ctx, limit)
		if err != nil {
			if !isClosedErr(err) {
				s.log.Debug("agent socket read", "err", err)
			}
			return nil
		}
		if ok {
			a.handle(ctx, f)
		}
	}
}

// currentStatus reads an agent's status now (a socket may open just as
// the sweep takes them offline), or keeps what the request loaded.
func (s *Server) currentStatus(ctx context.Context, shopID, accountID int64, loaded model.AgentStatus) model.AgentStatus {
	if m, err := s.store.GetMember(ctx, shopID, accountID); err == nil {
		return m.Status
	}
	return loaded
}

func (a *agentSession) setWatched(id int64, on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if on {
		a.watched[id] = true
	} else {
		delete(a.watched, id)
	}
}

func (a *agentSession) isWatched(id int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.watched[id]
}

// accept filters on the publisher's goroutine with the routing state of
// the event, so an agent's socket never queues what it may not see.
func (a *agentSession) accept(e *bus.Event) bool {
	switch e.Type {
	case bus.TypeMember, bus.TypeConversation:
		return true // rare; decided by translate with the full data
	case bus.TypeAlert:
		return e.AccountID == a.view.Load().accountID
	}
	return a.isWatched(e.ConversationID) || a.view.Load().sees(e.Owner, e.AgentID, e.GroupID)
}

func (a *agentSession) handle(ctx context.Context, f frameIn) {
	switch f.Type {
	case "watch":
		a.watchConversation(ctx, f)
	case "unwatch":
		a.setWatched(f.ConversationID, false)
	case "send":
		a.sendMessage(ctx, f)
	case "typing":
		if a.visible(ctx, f.ConversationID) {
			a.srv.chat.Typing(ctx, a.shopID, f.ConversationID, model.SenderAgent, a.view.Load().accountID, f.Typing)
		}
	case "read":
		if a.visible(ctx, f.ConversationID) {
			if err := a.srv.chat.MarkRead(ctx, a.shopID, f.ConversationID, a.view.Load().accountID, f.Seq); err != nil {
				a.srv.log.Warn("agent read", "err", err)
			}
		}
	case "ping":
		a.so.send(map[string]string{"type": "pong"})
	default:
		a.so.sendError("unknown_type", "unknown frame type", f.ClientID)
	}
}

// visible checks with the store that the agent may see a conversation.
func (a *agentSession) visible(ctx context.Context, id int64) bool {
	c, err := a.srv.store.GetConversation(ctx, a.shopID, id)
	if err != nil {
		return false
	}
	v := a.view.Load()
	return canSee(v.perms, v.accountID, v.groups, c)
}

// watchConversation sends a conversation's messages after last_seq, then
// its live messages in order.
func (a *agentSession) watchConversation(ctx context.Context, f frameIn) {
	if !a.visible(ctx, f.ConversationID) {
		a.so.sendError("not_found", "conversation not found", "")
		return
	}
	a.so.enqueue(outItem{catchUp: &catchUp{conversationID: f.ConversationID, after: max(f.LastSeq, 0)}})
}

// sendMessage stores an agent's reply and acks it once committed.
func (a *agentSession) sendMessage(ctx context.Context, f frameIn) {
	start := time.Now()
	srv := a.srv
	v := a.view.Load()
	if f.ClientID == "" {
		a.so.sendError("missing_client_id", "send needs a client_id", "")
		return
	}
	if !v.perms.Has(auth.ConversationsReply) {
		a.so.sendError("forbidden", "your role does not allow replying", f.ClientID)
		return
	}
	m, created, err := srv.chat.Post(ctx, chat.Post{ShopID: a.shopID, ConversationID: f.ConversationID, Sender: model.SenderAgent,
		SenderID: v.accountID, ClientID: f.ClientID, Kind: model.MessageKind(f.Kind), Body: f.Body})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			a.so.sendError("not_found", "conversation not found", f.ClientID)
			return
		}
		if code, _, ok := chatErrorCode(err); ok {
			a.so.sendError(code, err.Error(), f.ClientID)
			return
		}
		srv.log.Error("agent send", "err", err)
		a.so.sendError("internal", "internal error; resend", f.ClientID)
		return
	}
	if created {
		srv.metrics.messages.WithLabelValues(string(model.SenderAgent)).Inc()
	}
	a.so.send(ackFrame{Type: "ack", ClientID: f.ClientID, Duplicate: !created, Message: chat.NewMessageJSON(m)})
	srv.metrics.ackLatency.Observe(time.Since(start).Seconds())
}

// translate turns a bus event into what the agent may see (writer
// goroutine).
func (a *agentSession) translate(e *bus.Event) []any {
	v := a.view.Load()
	switch e.Type {
	case bus.TypeMessage:
		var me chat.MessageEvent
		if err := jsonUnmarshal(e.Data, &me); err != nil {
			return nil
		}
		return []any{messageFrame{Type: "message", Message: me.Message}}
	case bus.TypeConversation:
		var ce chat.ConversationEvent
		if err := jsonUnmarshal(e.Data, &ce); err != nil {
			return nil
		}
		visible := v.sees(ce.Conversation.Owner, ce.Conversation.AgentID, ce.Conversation.GroupID)
		if !visible && ce.PrevAgentID != v.accountID && !a.isWatched(e.ConversationID) {
			return nil
		}
		if !visible {
			a.setWatched(e.ConversationID, false)
		}
		return []any{agentConversationFrame{Type: "conversation", Conversation: ce.Conversation, Event: ce.Event, Visible: visible}}
	case bus.TypeTyping:
		var te chat.TypingEvent
		if err := jsonUnmarshal(e.Data, &te); err != nil || (te.Sender == string(model.SenderAgent) && te.SenderID == v.accountID) {
			return nil
		}
		return []any{typingFrame{Type: "typing", ConversationID: e.ConversationID, Sender: te.Sender, SenderID: te.SenderID, Typing: te.Typing}}
	case bus.TypeRead:
		var re chat.ReadEvent
		if err := jsonUnmarshal(e.Data, &re); err != nil {
			return nil
		}
		return []any{readFrame{Type: "read", ConversationID: e.ConversationID, AccountID: re.AccountID, Seq: re.Seq}}
	case bus.TypeSuggest:
		var sf suggestionsFrame
		if err := jsonUnmarshal(e.Data, &sf); err != nil {
			return nil
		}
		sf.Type, sf.ConversationID = "suggestions", e.ConversationID
		return []any{sf}
	case bus.TypeQueue, bus.TypeNotify:
		return agentServiceFrames(e)
	case bus.TypeMember:
		return a.reload()
	case bus.TypeAlert:
		// Made by notify for this agent (accept checked the account) with
		// their sound, volume and switches: passed on as it is.
		if e.AccountID != v.accountID || !json.Valid(e.Data) {
			return nil
		}
		return []any{json.RawMessage(e.Data)}
	}
	return nil
}

// suggestionsFrame carries the bot's suggested replies for the latest buyer
// message of a conversation.
type suggestionsFrame struct {
	Type           string          `json:"type"` // "suggestions"
	ConversationID int64           `json:"conversation_id"`
	MessageSeq     int64           `json:"message_seq"`
	Suggestions    json.RawMessage `json:"suggestions"`
}

// reload re-reads the agent's membership after a change: a removed member's
// socket closes at once; otherwise the new permissions apply from now on.
func (a *agentSession) reload() []any {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v := a.view.Load()
	m, err := a.srv.store.GetMember(ctx, a.shopID, v.accountID)
	if errors.Is(err, store.ErrNotFound) {
		a.so.closeWith(closeForbidden, "membership ended")
		return nil
	}
	if err != nil {
		a.srv.log.Warn("agent reload", "err", err)
		return nil
	}
	if _, err := a.srv.store.GetSession(ctx, a.session); errors.Is(err, store.ErrNotFound) {
		a.so.closeWith(closeForbidden, "session ended")
		return nil
	}
	ps, err := permissionsOf(ctx, a.srv.store, a.shopID, m.Role)
	if errors.Is(err, store.ErrNotFound) {
		ps = auth.Set{}
	} else if err != nil {
		return nil
	}
	groups, err := a.srv.store.MemberGroups(ctx, a.shopID, v.accountID)
	if err != nil {
		return nil
	}
	if !hasAny(ps, perms(auth.ConversationsReadAssigned, auth.ConversationsReadAll)) {
		a.so.closeWith(closeForbidden, "role no longer allows the workbench")
		return nil
	}
	a.view.Store(&agentView{accountID: v.accountID, perms: ps, groups: groups})
	return []any{map[string]any{"type": "permissions", "role": m.Role, "status": m.Status, "permissions": ps.List()}}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
