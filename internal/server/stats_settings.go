package server

import (
	"fmt"
	"net/http"

	"github.com/xiaoer-cs/xiaoer/internal/stats"
)

// statsSettingsGet shows the shop's statistics settings: how long
// unanswered questions are kept.
func (s *Server) statsSettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := s.stats.Settings(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

// statsSettingsPut saves the shop's statistics settings; fields left out
// take their defaults. A shorter retention prunes at the job's next hourly
// round.
func (s *Server) statsSettingsPut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	set := stats.DefaultSettings()
	if err := decodeJSON(w, r, &set); err != nil {
		return err
	}
	if err := s.stats.PutSettings(r.Context(), st.shop.ID, set); err != nil {
		return statsError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "stats.settings", "", fmt.Sprintf("unanswered questions kept %d days", set.UnansweredDays))
	writeJSON(w, http.StatusOK, set)
	return nil
}
