package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

type apiKeyJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func newAPIKeyJSON(k model.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt.UTC(),
		LastUsedAt: optTime(k.LastUsedAt), RevokedAt: optTime(k.RevokedAt)}
}

// apiKeyList lists the shop's API keys (never the keys themselves).
func (s *Server) apiKeyList(w http.ResponseWriter, r *http.Request) error {
	ks, err := s.store.ListAPIKeys(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, 0, len(ks))
	for _, k := range ks {
		out = append(out, newAPIKeyJSON(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type apiKeyCreateRequest struct {
	Name string `json:"name"`
}

// apiKeyCreate makes a key; the answer holds the key and its webhook
// signing secret, shown this once.
func (s *Server) apiKeyCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req apiKeyCreateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || utf8.RuneCountInString(req.Name) > 50 {
		return badRequest("bad_field", "name", "name the key (1-50 characters), e.g. the system that uses it")
	}
	k, err := s.data.CreateAPIKey(r.Context(), st.shop.ID, req.Name, st.account.ID)
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "apikey.create", strconv.FormatInt(k.APIKey.ID, 10), req.Name)
	writeJSON(w, http.StatusCreated, map[string]any{"api_key": newAPIKeyJSON(k.APIKey), "key": k.Key,
		"signing_secret": k.SigningSecret})
	return nil
}

// apiKeyRevoke stops a key for good.
func (s *Server) apiKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeAPIKey(r.Context(), st.shop.ID, id); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "apikey.revoke", strconv.FormatInt(id, 10), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
