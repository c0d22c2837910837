package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/stats"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// gapList lists the knowledge-gap drafts of ?status=open (default),
// approved or dismissed, most asked first; ?format=csv downloads them.
func (s *Server) gapList(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	status := r.URL.Query().Get("status")
	switch status {
	case "":
		status = store.GapOpen
	case store.GapOpen, store.GapApproved, store.GapDismissed:
	default:
		return badRequest("bad_field", "status", "status must be open, approved or dismissed")
	}
	gaps, err := s.stats.Gaps(r.Context(), st.shop.ID, status, 200)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, map[string]any{"items": gaps})
		return nil
	case "csv":
		return writeStats(w, r, gapTable(gaps), st.shop.Slug+"-gaps-"+status)
	}
	return badRequest("bad_field", "format", "format must be json or csv")
}

// gapTable is the drafts as a table, for CSV.
func gapTable(gaps []stats.Gap) stats.Report {
	rep := stats.Report{Name: "gaps", Columns: []stats.Column{{Key: "id", Kind: stats.KindID}, {Key: "kind", Kind: stats.KindLabel},
		{Key: "faq_id", Kind: stats.KindID}, {Key: "buyers", Kind: stats.KindCount}, {Key: "asks", Kind: stats.KindCount},
		{Key: "question", Kind: stats.KindLabel}, {Key: "similar", Kind: stats.KindLabel}, {Key: "answer", Kind: stats.KindLabel}}}
	for _, g := range gaps {
		rep.Rows = append(rep.Rows, []any{g.ID, g.Kind, g.FAQID, int64(g.Buyers), int64(g.Asks), g.Draft.Question,
			strings.Join(g.Draft.Similar, "\n"), g.Draft.Answer})
	}
	return rep
}

// gapGet reads one draft.
func (s *Server) gapGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.stats.Gap(r.Context(), stateOf(r).shop.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

// gapMine regroups the shop's unanswered questions now (the service also
// does it every hour) and returns the open drafts.
func (s *Server) gapMine(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	gaps, err := s.stats.Mine(r.Context(), st.shop.ID)
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "gap.refresh", "", fmt.Sprintf("%d drafts", len(gaps)))
	writeJSON(w, http.StatusOK, map[string]any{"items": gaps})
	return nil
}

// gapApprove puts a draft live at once, with the admin's edits: a new FAQ,
// or new similar questions of the FAQ it extends.
func (s *Server) gapApprove(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var e stats.Edit
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &e); err != nil {
			return err
		}
	}
	g, faq, err := s.stats.Approve(r.Context(), st.shop.ID, id, st.account.ID, e)
	if err != nil {
		return statsError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "gap.approve", strconv.FormatInt(id, 10), fmt.Sprintf("faq %d", faq.ID))
	writeJSON(w, http.StatusOK, map[string]any{"gap": g, "faq": newFAQJSON(faq)})
	return nil
}

// gapDismiss closes a draft without a FAQ.
func (s *Server) gapDismiss(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.stats.Dismiss(r.Context(), st.shop.ID, id, st.account.ID)
	if err != nil {
		return statsError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "gap.dismiss", strconv.FormatInt(id, 10), "")
	writeJSON(w, http.StatusOK, g)
	return nil
}
