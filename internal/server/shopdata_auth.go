package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// maxIngestBody bounds an ingest request or webhook delivery: a batch of
// DefaultMaxBatch orders fits with room to spare.
const maxIngestBody = 8 << 20

// machine is the caller of an apikey or signed route: the shop's own
// systems, known by their key (and, for webhooks, the signature sent).
type machine struct {
	key       model.APIKey
	signature string
}

type machineKey struct{}

func machineOf(r *http.Request) machine {
	m, _ := r.Context().Value(machineKey{}).(machine)
	return m
}

// checkMachine authenticates apikey and signed routes: no session, no
// CSRF (no cookie is involved), the shop is the key's shop.
func (s *Server) checkMachine(w http.ResponseWriter, r *http.Request, rt route) error {
	var m machine
	var err error
	if rt.Who == apikey {
		m.key, err = s.apiKeyCaller(r)
	} else {
		m, err = s.signedCaller(w, r)
	}
	if err != nil {
		return err
	}
	shop, err := s.store.GetShop(r.Context(), m.key.ShopID)
	if err != nil {
		return err
	}
	r = withState(r, &requestState{shop: shop})
	r = r.WithContext(context.WithValue(r.Context(), machineKey{}, m))
	return rt.Handler(w, r)
}

var errNoKey = &Error{Status: http.StatusUnauthorized, Code: "unauthenticated",
	Message: "send the shop's API key: Authorization: Bearer xk_..."}

func (s *Server) apiKeyCaller(r *http.Request) (model.APIKey, error) {
	h := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || key == "" {
		return model.APIKey{}, errNoKey
	}
	k, err := s.data.Authenticate(r.Context(), strings.TrimSpace(key))
	return k, shopDataError(err)
}

// signedCaller reads the webhook body (bounded) to check its signature and
// puts it back for the handler.
func (s *Server) signedCaller(w http.ResponseWriter, r *http.Request) (machine, error) {
	keyID, ts, sig := r.Header.Get(commerce.HeaderKeyID), r.Header.Get(commerce.HeaderTimestamp), r.Header.Get(commerce.HeaderSignature)
	if keyID == "" || ts == "" || sig == "" {
		return machine{}, &Error{Status: http.StatusUnauthorized, Code: "unauthenticated",
			Message: "a webhook needs the X-Xiaoer-Key-Id, X-Xiaoer-Timestamp and X-Xiaoer-Signature headers"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIngestBody))
	if err != nil {
		return machine{}, err
	}
	k, err := s.data.VerifyWebhook(r.Context(), keyID, ts, sig, body)
	if err != nil {
		return machine{}, shopDataError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return machine{key: k, signature: sig}, nil
}

// shopDataError gives commerce's errors their status and stable code.
func shopDataError(err error) error {
	if err == nil {
		return nil
	}
	var fe *commerce.FieldError
	if errors.As(err, &fe) {
		code := "bad_rule"
		if errors.Is(err, commerce.ErrBadSettings) {
			code = "bad_settings"
		}
		return &Error{Status: http.StatusBadRequest, Code: code, Field: fe.Field, Message: fe.Problem, Cause: err}
	}
	codes := []struct {
		target error
		status int
		code   string
		field  string
	}{
		{commerce.ErrUnknownEntity, http.StatusNotFound, "unknown_entity", "entity"},
		{commerce.ErrEmptyBatch, http.StatusBadRequest, "empty_batch", "items"},
		{commerce.ErrBatchTooLarge, http.StatusRequestEntityTooLarge, "batch_too_large", "items"},
		{commerce.ErrBadFormat, http.StatusBadRequest, "bad_format", "format"},
		{commerce.ErrBadFile, http.StatusBadRequest, "bad_file", ""},
		{commerce.ErrBadKey, http.StatusUnauthorized, "bad_api_key", ""},
		{commerce.ErrBadSignature, http.StatusUnauthorized, "bad_signature", ""},
		{commerce.ErrStaleRequest, http.StatusUnauthorized, "stale_timestamp", ""},
		{commerce.ErrReplayed, http.StatusConflict, "replayed", ""},
		{commerce.ErrBadRule, http.StatusBadRequest, "bad_rule", "rule"},
		{commerce.ErrBadSettings, http.StatusBadRequest, "bad_settings", ""},
		{commerce.ErrTooManyRules, http.StatusConflict, "too_many_rules", "name"},
		{store.ErrEmptyID, http.StatusNotFound, "not_found", ""},
	}
	for _, c := range codes {
		if errors.Is(err, c.target) {
			return &Error{Status: c.status, Code: c.code, Field: c.field, Message: err.Error(), Cause: err}
		}
	}
	return err
}
