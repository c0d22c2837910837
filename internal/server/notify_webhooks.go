package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/notify"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// webhookList lists the webhooks to the merchant's systems (never their
// secrets).
func (s *Server) webhookList(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.notify.Webhooks(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": hs, "events": notify.WebhookEvents})
	return nil
}

// webhookCreate adds a webhook; the answer holds its signing secret, shown
// this once.
func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var in notify.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	h, err := s.notify.CreateWebhook(r.Context(), st.shop.ID, in)
	if err != nil {
		return notifyError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "webhook.create", notifyID(h.ID), h.Name)
	writeJSON(w, http.StatusCreated, h)
	return nil
}

// webhookUpdate changes a webhook; fields left out keep their value.
func (s *Server) webhookUpdate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in notify.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	h, err := s.notify.UpdateWebhook(r.Context(), st.shop.ID, id, in)
	if err != nil {
		return notifyError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "webhook.update", notifyID(id), h.Name)
	writeJSON(w, http.StatusOK, h)
	return nil
}

// webhookDelete removes a webhook with its deliveries.
func (s *Server) webhookDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.notify.DeleteWebhook(r.Context(), st.shop.ID, id); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "webhook.delete", notifyID(id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// webhookRotate gives a webhook a new signing secret, shown this once.
func (s *Server) webhookRotate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.notify.RotateWebhookSecret(r.Context(), st.shop.ID, id)
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "webhook.secret", notifyID(id), "")
	writeJSON(w, http.StatusOK, h)
	return nil
}

// webhookTest sends a signed ping now and reports the answer.
func (s *Server) webhookTest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st := stateOf(r)
	res, err := s.notify.TestWebhook(r.Context(), st.shop.ID, id)
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "webhook.test", notifyID(id), "")
	writeJSON(w, http.StatusOK, res)
	return nil
}

// deliveryList pages through the shop's deliveries, newest first:
// ?status=pending|delivered|failed, ?target=<channel or webhook id>,
// ?cursor= and ?limit=.
func (s *Server) deliveryList(w http.ResponseWriter, r *http.Request) error {
	before, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.DeliveryFilter{ShopID: stateOf(r).shop.ID, Status: q.Get("status"), Before: before, Limit: limit}
	switch f.Status {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryFailed:
	default:
		return badRequest("bad_field", "status", "status must be pending, delivered or failed")
	}
	if v := q.Get("target"); v != "" {
		if f.TargetID, err = strconv.ParseInt(v, 10, 64); err != nil || f.TargetID <= 0 {
			return badRequest("bad_field", "target", "target must be a channel or webhook id")
		}
	}
	ds, err := s.notify.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(ds) == limit {
		next = notifyID(ds[len(ds)-1].ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ds, "next_cursor": next})
	return nil
}

// deliveryRetry puts a failed delivery back in line, due now.
func (s *Server) deliveryRetry(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.notify.RetryDelivery(r.Context(), st.shop.ID, id)
	if errors.Is(err, store.ErrConflict) {
		return errConflict("not_failed", "only a failed delivery can be retried")
	}
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "delivery.retry", notifyID(id), "")
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "status": store.DeliveryPending})
	return nil
}
