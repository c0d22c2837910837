package server

import (
	"net/http"
	"strconv"
	"time"
)

type auditJSON struct {
	ID        int64     `json:"id"`
	ActorID   int64     `json:"actor_id"`
	Action    string    `json:"action"`
	Target    string    `json:"target,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// auditList pages through the shop's audit log, newest first.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	before, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	es, err := s.store.ListAudit(r.Context(), stateOf(r).shop.ID, before, limit)
	if err != nil {
		return err
	}
	out := make([]auditJSON, 0, len(es))
	for _, e := range es {
		out = append(out, auditJSON{ID: e.ID, ActorID: e.ActorID, Action: e.Action, Target: e.Target, Detail: e.Detail, CreatedAt: e.CreatedAt.UTC()})
	}
	next := ""
	if len(es) == limit {
		next = strconv.FormatInt(es[len(es)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "next_cursor": next})
	return nil
}

// pageParams reads ?cursor= (an id; the page holds older items) and ?limit=
// (1-200, default 50).
func pageParams(r *http.Request) (before int64, limit int, err error) {
	limit = 50
	if v := r.URL.Query().Get("cursor"); v != "" {
		before, err = strconv.ParseInt(v, 10, 64)
		if err != nil || before <= 0 {
			return 0, 0, badRequest("bad_cursor", "cursor", "cursor is not valid")
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		limit, err = strconv.Atoi(v)
		if err != nil || limit < 1 || limit > 200 {
			return 0, 0, badRequest("bad_field", "limit", "limit must be between 1 and 200")
		}
	}
	return before, limit, nil
}
