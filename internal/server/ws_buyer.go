package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

type buyerWelcome struct {
	Type         string                 `json:"type"` // "welcome"
	VisitorToken string                 `json:"visitor_token,omitempty"`
	Buyer        buyerJSON              `json:"buyer"`
	Shop         shopJSON               `json:"shop"`
	Conversation *chat.ConversationJSON `json:"conversation"`
}

type buyerConversationFrame struct {
	Type           string `json:"type"` // "conversation"
	ConversationID int64  `json:"conversation_id"`
	Owner          string `json:"owner"`
}

type typingFrame struct {
	Type           string `json:"type"` // "typing"
	ConversationID int64  `json:"conversation_id"`
	Sender         string `json:"sender"`
	SenderID       int64  `json:"sender_id,omitempty"`
	Typing         bool   `json:"typing"`
}

type readFrame struct {
	Type           string `json:"type"` // "read"
	ConversationID int64  `json:"conversation_id"`
	AccountID      int64  `json:"account_id,omitempty"`
	Seq            int64  `json:"seq"`
}

// buyerSession is the state of one buyer socket.
type buyerSession struct {
	srv   *Server
	so    *socket
	shop  model.Shop
	buyer model.Buyer
	conv  model.Conversation // zero until the buyer's first message
	svc   buyerService
	// channel is where the buyer writes from (stats_channel.go), kept
	// with each conversation the socket opens.
	channel string
}

// wsBuyer serves the widget's socket. Any site may open it (the widget runs
// on the merchant's pages): identity comes from the signed hello frame, not
// from cookies.
func (s *Server) wsBuyer(w http.ResponseWriter, r *http.Request) error {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil // Accept has answered the request
	}
	s.sockets.Add(1)
	defer s.sockets.Done()
	s.metrics.socketsOpen.WithLabelValues("buyer").Inc()
	defer s.metrics.socketsOpen.WithLabelValues("buyer").Dec()

	ctx := context.WithoutCancel(r.Context())
	so := newSocket(s, conn, "buyer")
	b := &buyerSession{srv: s, so: so, channel: channelOf(r)}
	so.translate = b.translate
	so.watch = func(id int64) { s.hub.WatchConversation(so, id) }
	so.caughtUp = b.ownerNow
	go so.writeLoop(ctx)
	defer func() {
		if b.conv.ID != 0 {
			s.hub.UnwatchConversation(so, b.conv.ID)
		}
		so.closeWith(websocket.StatusNormalClosure, "")
		<-so.done
	}()

	limit := newRateLimit(s.opts.FrameRate)
	if !b.hello(ctx, limit) {
		return nil
	}
	for {
		f, ok, err := so.readFrame(ctx, limit)
		if err != nil {
			if !isClosedErr(err) {
				s.log.Debug("buyer socket read", "err", err)
			}
			return nil
		}
		if ok {
			b.handle(ctx, f)
		}
	}
}

// hello reads the first frame, which must identify the shop and the buyer,
// and answers with the welcome and the history the client has not seen.
func (b *buyerSession) hello(ctx context.Context, limit *rateLimit) bool {
	hctx, cancel := context.WithTimeout(ctx, socketHelloWait)
	defer cancel()
	for {
		f, ok, err := b.so.readFrame(hctx, limit)
		if err != nil {
			b.so.closeWith(websocket.StatusPolicyViolation, "no hello")
			return false
		}
		if !ok {
			continue
		}
		if f.Type != "hello" {
			b.so.sendError("hello_first", "the first frame must be hello", f.ClientID)
			continue
		}
		if err := b.identify(ctx, f); err != nil {
			var e *Error
			if errors.As(err, &e) {
				b.so.sendError(e.Code, e.Message, "")
			} else {
				b.srv.log.Error("buyer hello", "err", err)
				b.so.sendError("internal", "internal error", "")
			}
			b.so.closeWith(websocket.StatusPolicyViolation, "bad hello")
			return false
		}
		b.helloService(ctx, f)
		return true
	}
}

// identify resolves the shop and the buyer of a hello frame: a verified
// buyer by the merchant's signature, otherwise an anonymous visitor by the
// signed token (a new visitor when there is none or it does not verify).
func (b *buyerSession) identify(ctx context.Context, f frameIn) error {
	srv := b.srv
	shop, err := srv.store.GetShopBySlug(ctx, f.Shop)
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: "unknown_shop", Message: "no such shop"}
	}
	if err != nil {
		return err
	}
	b.shop = shop
	b.so.mu.Lock()
	b.so.shop = shop.ID
	b.so.mu.Unlock()
	welcome := buyerWelcome{Type: "welcome", Shop: newShopJSON(shop)}
	if f.Buyer != nil {
		if len(f.Buyer.ID) > 128 || auth.CheckBuyerSignature(shop.IdentitySecret, f.Buyer.ID, f.Buyer.Signature) != nil {
			return &Error{Code: "bad_identity", Message: "the buyer signature does not verify"}
		}
		b.buyer, err = srv.store.EnsureVerifiedBuyer(ctx, shop.ID, f.Buyer.ID, truncate(f.Buyer.Nickname, 50))
	} else {
		visitor, verr := srv.ids.CheckVisitorToken(shop.ID, f.VisitorToken)
		if verr != nil {
			visitor = auth.NewToken()[:22]
		}
		welcome.VisitorToken = srv.ids.VisitorToken(shop.ID, visitor)
		b.buyer, err = srv.store.EnsureVisitor(ctx, shop.ID, visitor)
	}
	if err != nil {
		return err
	}
	welcome.Buyer = buyerJSON{ID: b.buyer.ID, Verified: b.buyer.Verified(), Nickname: b.buyer.Nickname}
	latest, err := srv.store.ListConversations(ctx, store.ConversationFilter{ShopID: shop.ID, BuyerID: b.buyer.ID, Limit: 1})
	if err != nil {
		return err
	}
	if len(latest) == 1 {
		b.conv = latest[0]
		cj := chat.NewConversationJSON(b.conv)
		welcome.Conversation = &cj
	}
	b.so.send(welcome)
	if b.conv.ID != 0 {
		after := int64(0)
		if f.ConversationID == b.conv.ID && f.LastSeq > 0 {
			after = f.LastSeq
		}
		b.so.enqueue(outItem{catchUp: &catchUp{conversationID: b.conv.ID, after: after}})
	}
	return nil
}

func (b *buyerSession) handle(ctx context.Context, f frameIn) {
	switch f.Type {
	case "send":
		b.sendMessage(ctx, f)
	case "typing":
		if b.conv.ID != 0 {
			b.srv.chat.Typing(ctx, b.shop.ID, b.conv.ID, model.SenderBuyer, b.buyer.ID, f.Typing)
		}
	case "context":
		b.setProduct(ctx, f.product(), f.ClientID)
	case "rate":
		b.rate(ctx, f)
	case "ping":
		b.so.send(map[string]string{"type": "pong"})
	case "hello":
		b.so.sendError("already_hello", "hello was already received", f.ClientID)
	default:
		b.so.sendError("unknown_type", "unknown frame type", f.ClientID)
	}
}

// sendMessage stores a buyer's message and acks it once committed. A
// conversation is opened on the first message, and a new one after the
// last was closed.
func (b *buyerSession) sendMessage(ctx context.Context, f frameIn) {
	start := time.Now()
	srv := b.srv
	if f.ClientID == "" {
		b.so.sendError("missing_client_id", "send needs a client_id", "")
		return
	}
	select {
	case <-srv.draining:
		b.so.sendError("shutting_down", "server is restarting; resend after reconnecting", f.ClientID)
		return
	default:
	}
	post := chat.Post{ShopID: b.shop.ID, Sender: model.SenderBuyer, SenderID: b.buyer.ID, ClientID: f.ClientID,
		Kind: model.MessageKind(f.Kind), Body: f.Body}
	if err := srv.chat.Validate(post); err != nil {
		b.sendPostError(err, f.ClientID)
		return
	}
	if b.conv.ID == 0 || b.conv.Owner == model.OwnerClosed {
		if err := b.openConversation(ctx); err != nil {
			b.sendPostError(err, f.ClientID)
			return
		}
	}
	if !b.setProduct(ctx, f.product(), f.ClientID) {
		return
	}
	post.ConversationID = b.conv.ID
	m, created, err := srv.chat.Post(ctx, post)
	if errors.Is(err, chat.ErrClosed) {
		// Closed since we last looked: open a new one and post there.
		if err = b.openConversation(ctx); err == nil {
			b.applyProduct(ctx)
			post.ConversationID = b.conv.ID
			m, created, err = srv.chat.Post(ctx, post)
		}
	}
	if err != nil {
		b.sendPostError(err, f.ClientID)
		return
	}
	if created {
		srv.metrics.messages.WithLabelValues(string(model.SenderBuyer)).Inc()
	}
	b.so.send(ackFrame{Type: "ack", ClientID: f.ClientID, Duplicate: !created, Message: forBuyer(chat.NewMessageJSON(m))})
	srv.metrics.ackLatency.Observe(time.Since(start).Seconds())
}

func (b *buyerSession) openConversation(ctx context.Context) error {
	c, created, err := b.srv.chat.Resume(ctx, b.shop.ID, b.buyer.ID)
	if err != nil {
		return err
	}
	if created {
		if err := b.srv.store.SetConversationChannel(ctx, b.shop.ID, c.ID, b.channel); err != nil {
			b.srv.log.Warn("buyer channel", "conversation", c.ID, "err", err) // only the statistics miss it
		}
	}
	if b.conv.ID != 0 && b.conv.ID != c.ID {
		b.srv.hub.UnwatchConversation(b.so, b.conv.ID)
	}
	b.conv = c
	cj := chat.NewConversationJSON(c)
	b.so.send(buyerConversationFrame{Type: "conversation", ConversationID: cj.ID, Owner: cj.Owner})
	b.so.enqueue(outItem{catchUp: &catchUp{conversationID: c.ID}})
	return nil
}

func (b *buyerSession) sendPostError(err error, clientID string) {
	if code, _, ok := chatErrorCode(err); ok {
		b.so.sendError(code, err.Error(), clientID)
		return
	}
	b.srv.log.Error("buyer send", "err", err)
	b.so.sendError("internal", "internal error; resend", clientID)
}

// translate turns a bus event into what the buyer may see.
func (b *buyerSession) translate(e *bus.Event) []any {
	switch e.Type {
	case bus.TypeMessage:
		var me chat.MessageEvent
		if err := jsonUnmarshal(e.Data, &me); err != nil {
			return nil
		}
		return []any{messageFrame{Type: "message", Message: forBuyer(me.Message)}}
	case bus.TypeConversation:
		return []any{buyerConversationFrame{Type: "conversation", ConversationID: e.ConversationID, Owner: e.Owner}}
	case bus.TypeTyping:
		var te chat.TypingEvent
		if err := jsonUnmarshal(e.Data, &te); err != nil || te.Sender == string(model.SenderBuyer) {
			return nil
		}
		return []any{typingFrame{Type: "typing", ConversationID: e.ConversationID, Sender: te.Sender, Typing: te.Typing}}
	case bus.TypeRead:
		var re chat.ReadEvent
		if err := jsonUnmarshal(e.Data, &re); err != nil {
			return nil
		}
		return []any{readFrame{Type: "read", ConversationID: e.ConversationID, Seq: re.Seq}}
	case bus.TypeQueue:
		return queueFrames(e)
	}
	return nil
}

// ownerNow tells the buyer who has the conversation once its history is
// caught up. A change of owner committed before this socket began to watch
// the conversation (the bot handing over while the first message was being
// stored) reached no socket, and the widget would go on showing the bot
// while a person has the buyer. Nothing to tell while the bot has it.
func (b *buyerSession) ownerNow(ctx context.Context, id int64) error {
	c, err := b.srv.store.GetConversation(ctx, b.so.shopID(), id)
	if err != nil || c.Owner == model.OwnerBot {
		return nil // the live frames still come
	}
	return b.so.writeFrame(ctx, buyerConversationFrame{Type: "conversation", ConversationID: c.ID, Owner: string(c.Owner)})
}
