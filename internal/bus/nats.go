package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// Subject is the NATS subject every xiaoer node publishes its events on.
const Subject = "xiaoer.events"

// NATS is the broker of a deployment with several nodes: every event is
// delivered to this node's subscribers at once and sent to the other nodes
// through a NATS server, which delivers them there. Events from one node
// arrive at every other node in the order they were published.
type NATS struct {
	local *Local
	conn  *nats.Conn
	sub   *nats.Subscription
	node  string
	log   *slog.Logger
}

// envelope carries an event between nodes with the node it came from, so
// a node does not deliver its own events twice.
type envelope struct {
	Node  string `json:"node"`
	Event Event  `json:"event"`
}

// NewNATS connects to the NATS server at url as node. It reconnects by
// itself; events published while disconnected are buffered by the client.
func NewNATS(url, node string, log *slog.Logger) (*NATS, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &NATS{local: NewLocal(), node: node, log: log}
	conn, err := nats.Connect(url, nats.Name("xiaoer-"+node), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("bus: nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("bus: nats reconnected") }))
	if err != nil {
		return nil, fmt.Errorf("bus: connect to nats %s: %w", url, err)
	}
	n.conn = conn
	n.sub, err = conn.Subscribe(Subject, n.receive)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("bus: subscribe %s: %w", Subject, err)
	}
	// Make sure the server knows the subscription before we publish.
	if err := conn.Flush(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("bus: nats flush: %w", err)
	}
	return n, nil
}

// receive delivers another node's event to this node's subscribers.
func (n *NATS) receive(m *nats.Msg) {
	var env envelope
	if err := json.Unmarshal(m.Data, &env); err != nil {
		n.log.Warn("bus: bad event from nats", "err", err)
		return
	}
	if env.Node == n.node {
		return // delivered locally when published
	}
	_ = n.local.Publish(context.Background(), env.Event)
}

// Publish delivers e on this node and sends it to the others.
func (n *NATS) Publish(ctx context.Context, e Event) error {
	_ = n.local.Publish(ctx, e)
	b, err := json.Marshal(envelope{Node: n.node, Event: e})
	if err != nil {
		return fmt.Errorf("bus: encode event: %w", err)
	}
	if err := n.conn.Publish(Subject, b); err != nil {
		return fmt.Errorf("bus: publish to nats: %w", err)
	}
	return nil
}

// Subscribe adds a subscriber on this node.
func (n *NATS) Subscribe(fn func(Event)) func() { return n.local.Subscribe(fn) }

// Close drains the subscription and closes the connection.
func (n *NATS) Close() error {
	err := n.conn.Drain()
	return err
}
