package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/xiaoer-cs/xiaoer/internal/stats"
)

// statsError turns bad report or draft input into the API's error shape.
func statsError(err error) error {
	var fe *stats.FieldError
	switch {
	case errors.As(err, &fe):
		return badRequest("bad_field", fe.Field, fe.Message)
	case errors.Is(err, stats.ErrNotOpen):
		return errConflict("already_decided", err.Error())
	case errors.Is(err, stats.ErrFAQModified):
		return errConflict("faq_modified", err.Error())
	}
	return kbError(err)
}

// statsReport serves one report (docs/metrics.md) over ?from=&to= (the
// shop's dates), ?granularity=day|hour, ?channel=, ?group=, ?agent=; with
// ?format=csv it downloads the table.
func (s *Server) statsReport(name string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, shop := r.Context(), stateOf(r).shop
		loc, err := s.stats.Location(ctx, shop.ID)
		if err != nil {
			return err
		}
		f, err := stats.ParseFilter(r.URL.Query(), s.now(), loc)
		if err != nil {
			return statsError(err)
		}
		var rep stats.Report
		switch name {
		case "overview":
			rep, err = s.stats.Overview(ctx, shop.ID, f)
		case "handoffs":
			rep, err = s.stats.Handoffs(ctx, shop.ID, f)
		case "agents":
			rep, err = s.stats.Agents(ctx, shop.ID, f)
		case "intents":
			rep, err = s.stats.Intents(ctx, shop.ID, f)
		case "faqs":
			rep, err = s.faqReport(r, f)
		default:
			rep, err = s.stats.Series(ctx, shop.ID, name, f)
		}
		if err != nil {
			return err
		}
		return writeStats(w, r, rep, fmt.Sprintf("%s-%s-%s-%s", shop.Slug, rep.Name, rep.From, rep.To))
	}
}

// faqReport is the FAQ report with each FAQ's live question.
func (s *Server) faqReport(r *http.Request, f stats.Filter) (stats.Report, error) {
	shop := stateOf(r).shop.ID
	faqs, err := s.store.LiveFAQs(r.Context(), shop)
	if err != nil {
		return stats.Report{}, err
	}
	names := make(map[int64]string, len(faqs))
	for _, q := range faqs {
		names[q.ID] = q.Live.Question
	}
	return s.stats.FAQs(r.Context(), shop, f, names)
}

// writeStats answers with the report as JSON, or as a CSV file with
// ?format=csv. The CSV starts with a byte-order mark so that spreadsheet
// programs read its Chinese as UTF-8.
func writeStats(w http.ResponseWriter, r *http.Request, rep stats.Report, file string) error {
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
		return nil
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, file))
		_, _ = w.Write([]byte("\uFEFF"))
		return rep.WriteCSV(w)
	}
	return badRequest("bad_field", "format", "format must be json or csv")
}

// statsLive is the supervisors' view now: queues, longest wait, agents at
// work and their load; ?format=csv downloads the agents.
func (s *Server) statsLive(w http.ResponseWriter, r *http.Request) error {
	shop := stateOf(r).shop
	l, err := s.stats.Live(r.Context(), shop.ID)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		return writeStats(w, r, l.Agents, shop.Slug+"-live-agents")
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "json" {
		return badRequest("bad_field", "format", "format must be json or csv")
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}
