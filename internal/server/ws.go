package server

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Socket limits. A frame over socketReadLimit closes the socket (1009): it
// cannot be a legal message, since a 5,000-character body fits well within.
const (
	socketReadLimit  = 64 << 10
	socketQueue      = 512 // items waiting for a slow client before it is dropped
	socketWriteWait  = 10 * time.Second
	socketPingEvery  = 30 * time.Second
	socketHelloWait  = 10 * time.Second
	catchUpPage      = 500
	closeForbidden   = websocket.StatusCode(4003)
	closeReasonRetry = "reconnect"
)

// frameIn is any frame a client sends; which fields count depends on Type.
type frameIn struct {
	Type           string      `json:"type"`
	ClientID       string      `json:"client_id,omitempty"`
	ConversationID int64       `json:"conversation_id,omitempty"`
	LastSeq        int64       `json:"last_seq,omitempty"`
	Kind           string      `json:"kind,omitempty"`
	Body           string      `json:"body,omitempty"`
	Typing         bool        `json:"typing,omitempty"`
	Seq            int64       `json:"seq,omitempty"`
	Shop           string      `json:"shop,omitempty"`
	VisitorToken   string      `json:"visitor_token,omitempty"`
	Buyer          *buyerHello `json:"buyer,omitempty"`
	// ProductID, or Context.ProductID, is the product the buyer's widget
	// shows (hello, context and send frames); Rating and Comment rate a
	// closed conversation.
	ProductID string        `json:"product_id,omitempty"`
	Context   *frameContext `json:"context,omitempty"`
	Rating    int           `json:"rating,omitempty"`
	Comment   string        `json:"comment,omitempty"`
}

type buyerHello struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname,omitempty"`
	Signature string `json:"signature"`
}

type errorFrame struct {
	Type     string `json:"type"` // "error"
	Code     string `json:"code"`
	Message  string `json:"message"`
	ClientID string `json:"client_id,omitempty"`
}

type ackFrame struct {
	Type      string           `json:"type"` // "ack"
	ClientID  string           `json:"client_id"`
	Duplicate bool             `json:"duplicate,omitempty"`
	Message   chat.MessageJSON `json:"message"`
}

type messageFrame struct {
	Type    string           `json:"type"` // "message"
	Message chat.MessageJSON `json:"message"`
}

type syncedFrame struct {
	Type           string `json:"type"` // "synced": history caught up, live from here
	ConversationID int64  `json:"conversation_id"`
	LastSeq        int64  `json:"last_seq"`
}

// outItem is one thing for a socket's writer to do, in order.
type outItem struct {
	frame   any        // a ready frame
	event   *bus.Event // a bus event to turn into frames
	catchUp *catchUp   // send a conversation's messages after a sequence number
}

type catchUp struct {
	conversationID int64
	after          int64
}

// Deliver offers a bus event to the socket (hub.Client). It runs on the
// publisher's goroutine, so it only filters and queues.
func (so *socket) Deliver(e bus.Event) {
	if so.accept != nil && !so.accept(&e) {
		return
	}
	so.enqueue(outItem{event: &e})
}

// socket is one WebSocket: a reader (the handler goroutine) and a writer
// goroutine that alone writes frames, in order, from the queue.
type socket struct {
	srv  *Server
	conn *websocket.Conn
	kind string
	// wake tells the writer that the queue has items or the socket closed.
	wake chan struct{}

	mu sync.Mutex
	// queue holds the items for the writer, in order. It is a slice that
	// grows on demand rather than a buffered channel, so an idle socket
	// holds no buffer (10,000 idle sockets would pin 160 MB of channels).
	queue       []outItem
	closed      bool // nothing more is queued; the writer ends after the queue
	closeCode   websocket.StatusCode
	closeReason string

	// sent is each watched conversation's last sequence number written
	// (writer goroutine only): messages arrive at most once and in order.
	sent map[int64]int64
	// translate turns a bus event into frames; nil frames are skipped.
	translate func(e *bus.Event) []any
	// accept filters events on the publisher's goroutine; nil takes all.
	accept func(e *bus.Event) bool
	// watch starts live delivery of a conversation; the writer calls it just
	// before reading the conversation's history, so nothing committed in
	// between can be missed.
	watch func(conversationID int64)
	// caughtUp runs after a conversation's history is written (nil: nothing).
	caughtUp func(ctx context.Context, conversationID int64) error
	done     chan struct{}
	abort    atomic.Bool // the client fell behind: close without writing more
	shop     int64       // guarded by mu
}

func newSocket(srv *Server, conn *websocket.Conn, kind string) *socket {
	conn.SetReadLimit(socketReadLimit)
	return &socket{srv: srv, conn: conn, kind: kind, wake: make(chan struct{}, 1),
		sent: map[int64]int64{}, done: make(chan struct{})}
}

// signal wakes the writer; a wake-up already pending covers this one.
func (so *socket) signal() {
	select {
	case so.wake <- struct{}{}:
	default:
	}
}

// enqueue adds an item for the writer; a full queue means the client does not
// keep up, so it is closed and will resume from its last sequence number.
func (so *socket) enqueue(it outItem) {
	so.mu.Lock()
	defer so.signal()
	defer so.mu.Unlock()
	if so.closed {
		return
	}
	if len(so.queue) >= socketQueue {
		so.closed, so.closeCode, so.closeReason = true, websocket.StatusTryAgainLater, closeReasonRetry
		so.abort.Store(true)
		return
	}
	so.queue = append(so.queue, it)
}

// send queues a ready frame.
func (so *socket) send(frame any) { so.enqueue(outItem{frame: frame}) }

// sendError queues an error frame with a stable code.
func (so *socket) sendError(code, message, clientID string) {
	so.srv.metrics.frameErrors.WithLabelValues(code).Inc()
	so.send(errorFrame{Type: "error", Code: code, Message: message, ClientID: clientID})
}

// Close ends the socket after the frames already queued are written.
func (so *socket) Close(reason string) {
	code := websocket.StatusServiceRestart
	if reason != closeReasonRetry {
		code = closeForbidden
	}
	so.closeWith(code, reason)
}

func (so *socket) closeWith(code websocket.StatusCode, reason string) {
	so.mu.Lock()
	defer so.signal()
	defer so.mu.Unlock()
	if so.closed {
		return
	}
	so.closed, so.closeCode, so.closeReason = true, code, reason
}

// writeLoop writes queued items until the socket is closed and the queue
// empty, then closes the connection with the recorded code and reason.
func (so *socket) writeLoop(ctx context.Context) {
	defer close(so.done)
	ping := time.NewTicker(socketPingEvery)
	defer ping.Stop()
	var batch []outItem // the items taken from the queue, reused
	for {
		select {
		case <-so.wake:
			for {
				so.mu.Lock()
				batch, so.queue = so.queue, batch[:0]
				closed := so.closed
				so.mu.Unlock()
				if len(batch) == 0 && closed {
					so.finish()
					return
				}
				if len(batch) == 0 {
					break
				}
				for i, it := range batch {
					if so.abort.Load() {
						so.finish()
						return
					}
					if err := so.write(ctx, it); err != nil {
						so.closeWith(websocket.StatusGoingAway, "write failed")
						so.conn.CloseNow()
						return
					}
					batch[i] = outItem{} // let the frame go
				}
			}
		case <-ping.C:
			go func() {
				pctx, cancel := context.WithTimeout(ctx, socketWriteWait)
				defer cancel()
				if err := so.conn.Ping(pctx); err != nil {
					so.conn.CloseNow()
				}
			}()
		}
	}
}

func (so *socket) finish() {
	so.mu.Lock()
	code, reason := so.closeCode, so.closeReason
	so.mu.Unlock()
	if code == 0 {
		code, reason = websocket.StatusNormalClosure, ""
	}
	// Close waits for the peer's close frame; bound it so shutdown never hangs.
	go func() {
		time.Sleep(socketWriteWait)
		so.conn.CloseNow()
	}()
	_ = so.conn.Close(code, reason)
}

func (so *socket) write(ctx context.Context, it outItem) error {
	switch {
	case it.frame != nil:
		return so.writeFrame(ctx, it.frame)
	case it.catchUp != nil:
		if so.watch != nil {
			so.watch(it.catchUp.conversationID)
		}
		if err := so.catchUpTo(ctx, it.catchUp.conversationID, it.catchUp.after, 0); err != nil || so.caughtUp == nil {
			return err
		}
		return so.caughtUp(ctx, it.catchUp.conversationID)
	case it.event != nil:
		if it.event.Type == bus.TypeMessage {
			if _, watched := so.sent[it.event.ConversationID]; watched {
				return so.writeOrdered(ctx, it.event)
			}
		}
		for _, f := range so.translate(it.event) {
			if err := so.writeFrame(ctx, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeOrdered writes a watched conversation's message exactly once and in
// sequence: an old one is skipped, and a gap (a message published by
// another node or goroutine that has not reached us yet) is filled from the
// store first.
func (so *socket) writeOrdered(ctx context.Context, e *bus.Event) error {
	var me chat.MessageEvent
	if err := json.Unmarshal(e.Data, &me); err != nil {
		return nil
	}
	last := so.sent[e.ConversationID]
	switch {
	case me.Message.Seq <= last:
		return nil
	case me.Message.Seq > last+1:
		if err := so.catchUpTo(ctx, e.ConversationID, last, me.Message.Seq-1); err != nil {
			return err
		}
	}
	// The event is decoded already: no need for translate to decode it again.
	if err := so.writeFrame(ctx, so.messageFrame(me.Message)); err != nil {
		return err
	}
	so.sent[e.ConversationID] = me.Message.Seq
	return nil
}

// messageFrame is a message as this socket's client may see it.
func (so *socket) messageFrame(m chat.MessageJSON) messageFrame {
	if so.kind == "buyer" {
		m = forBuyer(m)
	}
	return messageFrame{Type: "message", Message: m}
}

// catchUpTo writes a conversation's stored messages after seq `after`, up to
// `upTo` (0: all), and marks the conversation watched from there.
func (so *socket) catchUpTo(ctx context.Context, conversationID, after, upTo int64) error {
	shopID := so.shopID()
	for {
		ms, err := so.srv.store.ListMessages(ctx, store.MessageQuery{ShopID: shopID, ConversationID: conversationID,
			AfterSeq: after, Limit: catchUpPage})
		if err != nil {
			return err
		}
		for _, m := range ms {
			if upTo > 0 && m.Seq > upTo {
				break
			}
			if err := so.writeFrame(ctx, so.messageFrame(chat.NewMessageJSON(m))); err != nil {
				return err
			}
			after = m.Seq
		}
		if len(ms) < catchUpPage || (upTo > 0 && after >= upTo) {
			break
		}
	}
	so.sent[conversationID] = after
	if upTo == 0 {
		return so.writeFrame(ctx, syncedFrame{Type: "synced", ConversationID: conversationID, LastSeq: after})
	}
	return nil
}

func (so *socket) writeFrame(ctx context.Context, f any) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, socketWriteWait)
	defer cancel()
	return so.conn.Write(wctx, websocket.MessageText, b)
}

// shopID is set once by the buyer or agent hello before any catch-up.
func (so *socket) shopID() int64 {
	so.mu.Lock()
	defer so.mu.Unlock()
	return so.shop
}

// readFrame reads and decodes one client frame. A bad frame is answered
// with an error frame and reading goes on; only a broken connection ends it.
func (so *socket) readFrame(ctx context.Context, limit *rateLimit) (frameIn, bool, error) {
	typ, data, err := so.conn.Read(ctx)
	if err != nil {
		return frameIn{}, false, err
	}
	if !limit.allow(time.Now()) {
		var f frameIn
		_ = json.Unmarshal(data, &f)
		so.sendError("rate_limited", "too many frames; slow down and resend", f.ClientID)
		return frameIn{}, false, nil
	}
	if typ != websocket.MessageText {
		so.sendError("bad_frame", "frames must be JSON text", "")
		return frameIn{}, false, nil
	}
	var f frameIn
	if err := json.Unmarshal(data, &f); err != nil {
		so.sendError("bad_json", "frame is not valid JSON", "")
		return frameIn{}, false, nil
	}
	return f, true, nil
}

// rateLimit is a token bucket: rate frames a second, bursts of twice that.
type rateLimit struct {
	rate, tokens, burst float64
	last                time.Time
}

func newRateLimit(perSecond int) *rateLimit {
	r := float64(perSecond)
	return &rateLimit{rate: r, tokens: 2 * r, burst: 2 * r}
}

func (l *rateLimit) allow(now time.Time) bool {
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// isClosedErr tells a normal end of a connection from a failure worth logging.
func isClosedErr(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	s := websocket.CloseStatus(err)
	return s != -1
}

// forBuyer strips what only agents may see from a message: the bot's
// explanation of how it decided.
func forBuyer(m chat.MessageJSON) chat.MessageJSON {
	if len(m.Meta) == 0 {
		return m
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal(m.Meta, &meta) != nil {
		m.Meta = nil
		return m
	}
	if _, ok := meta["explain"]; ok {
		delete(meta, "explain")
		b, _ := json.Marshal(meta)
		m.Meta = b
	}
	return m
}
