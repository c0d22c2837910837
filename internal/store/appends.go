package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// maxAppendBatch bounds how many appends share one transaction.
const maxAppendBatch = 256

// errClosed is returned by calls made after Close.
var errClosed = errors.New("store: closed")

// appendBatcher is group commit for SQLite's one writer: appends that arrive
// while a transaction runs wait and then run together in the next one, so a
// burst of messages costs one commit instead of one each. Nobody waits for a
// batch to fill: a lone append runs at once. Every caller returns only after
// the transaction holding its message has committed.
type appendBatcher struct {
	db   *DB
	reqs chan *appendReq
	quit chan struct{}
	done chan struct{}
	stop sync.Once
	// stmts belongs to the batcher's goroutine.
	stmts appendStmts
}

type appendReq struct {
	ctx     context.Context
	m       model.Message
	stored  model.Message
	created bool
	err     error
	done    chan struct{}
}

func newAppendBatcher(db *DB) *appendBatcher {
	b := &appendBatcher{db: db, reqs: make(chan *appendReq, maxAppendBatch), quit: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// close stops the batcher after the batch in hand; later appends fail.
func (b *appendBatcher) close() {
	b.stop.Do(func() { close(b.quit) })
	<-b.done
}

// append queues m and waits for its transaction to commit.
func (b *appendBatcher) append(ctx context.Context, m model.Message) (model.Message, bool, error) {
	r := &appendReq{ctx: ctx, m: m, done: make(chan struct{})}
	select {
	case b.reqs <- r:
	case <-b.quit:
		return model.Message{}, false, errClosed
	case <-ctx.Done():
		return model.Message{}, false, ctx.Err()
	}
	select {
	case <-r.done:
		return r.stored, r.created, r.err
	case <-b.done:
		// Stopped: a request it took was finished first.
		select {
		case <-r.done:
			return r.stored, r.created, r.err
		default:
			return model.Message{}, false, errClosed
		}
	case <-ctx.Done():
		// The message may still be stored; a resend with its client id
		// finds it.
		return model.Message{}, false, ctx.Err()
	}
}

func (b *appendBatcher) run() {
	defer close(b.done)
	defer b.stmts.close()
	batch := make([]*appendReq, 0, maxAppendBatch)
	for {
		select {
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		case <-b.quit:
			return
		}
	fill:
		for len(batch) < maxAppendBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		b.appendBatch(batch)
		for _, r := range batch {
			close(r.done)
		}
	}
}

// appendBatch stores a batch in one transaction. An append that fails
// before writing (its conversation is not found) fails alone; any other
// failure, the commit's included, rolls the whole batch back and each
// append runs again in its own transaction, so each gets its own answer.
func (b *appendBatcher) appendBatch(batch []*appendReq) {
	db := b.db
	ctx := context.Background() // no caller's cancellation may abort the others
	b.prepare(ctx)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range batch {
			r.stored, r.created, r.err = model.Message{}, false, r.ctx.Err()
			if r.err != nil {
				continue
			}
			var wrote bool
			r.stored, r.created, wrote, r.err = db.appendInTx(ctx, tx, r.m, &b.stmts)
			if r.err != nil && wrote {
				return r.err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	for _, r := range batch {
		r.stored, r.created, r.err = model.Message{}, false, r.ctx.Err()
		if r.err == nil {
			r.stored, r.created, r.err = db.appendMessage(r.ctx, r.m)
		}
	}
}

// prepare readies the append statements on the writer, outside any
// transaction (the writer has one connection, which a transaction holds).
// SQLite spends much of a small statement's time parsing it. Until the
// schema exists preparing fails, and the statements run unprepared.
func (b *appendBatcher) prepare(ctx context.Context) {
	for i, q := range appendSQL {
		if b.stmts[i] == nil {
			b.stmts[i], _ = b.db.w.PrepareContext(ctx, q)
		}
	}
}

// appendSQL are the statements of an append, in the order of appendStmts:
// the last records the message's fact for the outbox (outbox.go).
var appendSQL = [4]string{findByClientSQL, nextSeqSQL, insertMessageSQL, insertFactSQL}

// appendStmts are appendSQL prepared; a nil one runs unprepared.
type appendStmts [4]*sql.Stmt

func (st *appendStmts) row(ctx context.Context, tx *sql.Tx, i int, args ...any) *sql.Row {
	if st != nil && st[i] != nil {
		return tx.StmtContext(ctx, st[i]).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, appendSQL[i], args...)
}

func (st *appendStmts) exec(ctx context.Context, tx *sql.Tx, i int, args ...any) error {
	var err error
	if st != nil && st[i] != nil {
		_, err = tx.StmtContext(ctx, st[i]).ExecContext(ctx, args...)
	} else {
		_, err = tx.ExecContext(ctx, appendSQL[i], args...)
	}
	return err
}

func (st *appendStmts) close() {
	for i, s := range st {
		if s != nil {
			s.Close()
			st[i] = nil
		}
	}
}

// appendInTx stores m at the next sequence number of its conversation in
// tx, or finds the message stored before with its client id. wrote says
// whether tx changed before an error. st may be nil.
func (db *DB) appendInTx(ctx context.Context, tx *sql.Tx, m model.Message, st *appendStmts) (stored model.Message, created, wrote bool, err error) {
	if m.ClientID != "" {
		prev, err := scanMessage(st.row(ctx, tx, 0, m.ConversationID, m.ShopID, string(m.Sender), m.SenderID, m.ClientID))
		if err == nil {
			return prev, false, false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return m, false, false, err
		}
	}
	m.CreatedAt = db.nowTime()
	if err := st.row(ctx, tx, 1, m.ConversationID, m.ShopID, toMillis(m.CreatedAt)).Scan(&m.Seq); err != nil {
		return m, false, false, notFound(err, "conversation", m.ConversationID)
	}
	err = st.row(ctx, tx, 2, m.ShopID, m.ConversationID, m.Seq, string(m.Sender), m.SenderID, m.ClientID,
		string(m.Kind), m.Body, m.Meta, toMillis(m.CreatedAt)).Scan(&m.ID)
	if err != nil {
		return m, false, true, err
	}
	if err := db.messageFact(ctx, tx, m, st); err != nil {
		return m, false, true, err
	}
	return m, true, true, nil
}

// messageFact records a stored message's fact for the outbox when its shop
// subscribes to messages of its sender.
func (db *DB) messageFact(ctx context.Context, tx *sql.Tx, m model.Message, st *appendStmts) error {
	payload, err := json.Marshal(FactData{Message: &m})
	if err != nil {
		return err
	}
	return st.exec(ctx, tx, 3, m.ShopID, NewEventID(), FactMessage+string(m.Sender), m.ConversationID, string(payload), toMillis(m.CreatedAt))
}
