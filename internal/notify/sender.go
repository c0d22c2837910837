package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Limits of the sending worker.
const (
	// leaseFor is how long a node holds a target without renewing: longer
	// than one send can take (the request timeout), renewed before each.
	leaseFor = time.Minute
	// dispatchBatch bounds the deliveries of one target per round.
	dispatchBatch = 50
	// parallelTargets bounds the targets served at once: one slow
	// receiver does not hold up the others.
	parallelTargets = 8
	// batchAt is how many notices due at once for a channel make a burst,
	// sent as one summary message.
	batchAt = 3
)

// dispatch serves every target with deliveries due, several at once.
func (s *Service) dispatch(ctx context.Context) error {
	ids, err := s.st.DueTargets(ctx, 200)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelTargets)
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = s.serveTarget(ctx, id)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// serveTarget sends a target's due deliveries under its lease, so no other
// node sends to it meanwhile, and saves its rate window with the release.
func (s *Service) serveTarget(ctx context.Context, id int64) error {
	t, err := s.st.LeaseTarget(ctx, id, s.node, leaseFor)
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrNotFound) {
		return nil // another node serves it, or it went away
	}
	if err != nil {
		return err
	}
	w := t.Window
	defer func() {
		if err := s.st.ReleaseTarget(context.WithoutCancel(ctx), id, s.node, w); err != nil {
			s.log.Warn("notify: release target", "target", id, "err", err)
		}
	}()
	due, err := s.st.DueDeliveries(ctx, id, dispatchBatch)
	if err != nil || len(due) == 0 {
		return err
	}
	if now := s.now(); now.Sub(w.Start) >= rateWindow || now.Before(w.Start) {
		w = store.RateWindow{Start: now}
	}
	if t.Purpose == store.PurposeWebhook {
		return s.sendEvents(ctx, t, due, &w)
	}
	return s.sendNotices(ctx, t, due, &w)
}

// sendEvents sends the merchant's webhooks one by one, in order. A failure
// worth retrying ends the round: the receiver is likely down, and the
// rest wait for the next round rather than each timing out now.
func (s *Service) sendEvents(ctx context.Context, t store.NotifyTarget, due []store.Delivery, w *store.RateWindow) error {
	cfg := decodeConfig(t)
	for _, d := range due {
		if _, err := s.st.LeaseTarget(ctx, t.ID, s.node, leaseFor); err != nil {
			return nil // lost the lease: another node carries on
		}
		o := s.postSigned(ctx, cfg.URL, t.Secret, d.Kind, d.EventID, d.ID, []byte(d.Payload))
		w.Count++
		if err := s.finish(ctx, t, []store.Delivery{d}, o); err != nil {
			return err
		}
		if o.err != nil && !o.permanent {
			return nil
		}
	}
	return nil
}

// sendNotices sends a channel's notices within its rate limit: a few
// alone, a burst (or more than the limit still allows this minute) as one
// summary. When the minute's messages are spent, the notices wait for the
// next minute, and then go as one summary.
func (s *Service) sendNotices(ctx context.Context, t store.NotifyTarget, due []store.Delivery, w *store.RateWindow) error {
	limit := rateLimits[t.Kind]
	left := limit - w.Count
	if left <= 0 {
		return nil
	}
	notices := make([]Notice, 0, len(due))
	var ok []store.Delivery
	for _, d := range due {
		var n Notice
		if err := json.Unmarshal([]byte(d.Payload), &n); err != nil {
			if err := s.finish(ctx, t, []store.Delivery{d}, outcome{err: fmt.Errorf("bad notice: %w", err), permanent: true}); err != nil {
				return err
			}
			continue
		}
		notices, ok = append(notices, n), append(ok, d)
	}
	if len(ok) == 0 {
		return nil
	}
	if len(ok) < batchAt && len(ok) <= left {
		for i, d := range ok {
			if _, err := s.st.LeaseTarget(ctx, t.ID, s.node, leaseFor); err != nil {
				return nil
			}
			o := s.deliver(ctx, t, d.ID, renderNotice(d.EventID, notices[i]))
			s.count(w, limit, o)
			if err := s.finish(ctx, t, []store.Delivery{d}, o); err != nil {
				return err
			}
			if o.err != nil && !o.permanent {
				return nil
			}
		}
		return nil
	}
	id := fmt.Sprintf("sum_%d-%d", ok[0].ID, ok[len(ok)-1].ID)
	m := renderSummary(id, notices[0].Lang, deskLink(s.baseURL, t.ShopID, 0), notices)
	o := s.deliver(ctx, t, 0, m)
	s.count(w, limit, o)
	return s.finish(ctx, t, ok, o)
}

// count spends one message of the window; a receiver that says we send
// too fast spends the rest of it.
func (s *Service) count(w *store.RateWindow, limit int, o outcome) {
	w.Count++
	if o.limited {
		w.Count = max(w.Count, limit)
	}
}

// deliver sends a message to a channel in its platform's format.
func (s *Service) deliver(ctx context.Context, t store.NotifyTarget, delivery int64, m message) outcome {
	cfg := decodeConfig(t)
	switch t.Kind {
	case KindDingTalk:
		return s.sendDingTalk(ctx, cfg.URL, t.Secret, m)
	case KindWeCom:
		return s.sendWeCom(ctx, cfg.URL, m)
	case KindFeishu:
		return s.sendFeishu(ctx, cfg.URL, t.Secret, m)
	case KindWebhook:
		return s.sendPlain(ctx, cfg.URL, t.Secret, delivery, m)
	case KindEmail:
		if cfg.Email != nil {
			return s.sendEmail(ctx, *cfg.Email, t.Secret, m)
		}
	}
	return outcome{err: fmt.Errorf("channel kind %q is not set up", t.Kind), permanent: true}
}

// finish records the outcome of one try of the deliveries: delivered;
// else failed when trying again cannot help or the tries are spent; else
// due again after the backoff of its count of tries.
func (s *Service) finish(ctx context.Context, t store.NotifyTarget, ds []store.Delivery, o outcome) error {
	msg := errorText(o)
	rs := make([]store.DeliveryResult, len(ds))
	for i, d := range ds {
		r := store.DeliveryResult{ID: d.ID, Status: store.DeliveryDelivered, LastStatus: o.status}
		if o.err != nil {
			r.LastError = msg
			n := d.Attempts + 1
			switch {
			case o.permanent || n >= s.maxAttempts:
				r.Status = store.DeliveryFailed
			default:
				r.Status, r.NextAt = store.DeliveryPending, s.now().Add(s.backoff(n))
			}
		}
		rs[i] = r
	}
	if o.err != nil {
		s.log.Info("notify: delivery failed", "target", t.ID, "kind", t.Kind, "deliveries", len(ds), "err", msg)
	}
	return s.st.FinishDeliveries(ctx, rs)
}

// errorText is what the console shows of a failure: the error without the
// URL (robots keep their credential in it) and the remote answer.
func errorText(o outcome) string {
	if o.err == nil {
		return ""
	}
	err := o.err
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		if ue.Timeout() {
			err = errors.New("timed out")
		}
	}
	s := err.Error()
	if o.body != "" {
		s += ": " + o.body
	}
	return s
}
