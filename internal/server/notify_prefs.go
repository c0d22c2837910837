package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/notify"
)

// notifyError gives bad notification settings the API's error shape.
func notifyError(err error) error {
	var ie *notify.InputError
	if errors.As(err, &ie) {
		return badRequest(ie.Code, ie.Field, ie.Message)
	}
	return err
}

// notifyMineGet shows the caller's notification preferences (the shop's
// defaults until they save their own) and the channels they may pick.
func (s *Server) notifyMineGet(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	v, err := s.notify.Preferences(r.Context(), st.shop.ID, st.account.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// notifyMinePut saves the caller's own preferences.
func (s *Server) notifyMinePut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var p notify.Preferences
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	v, err := s.notify.SetPreferences(r.Context(), st.shop.ID, st.account.ID, p)
	if err != nil {
		return notifyError(err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// notifyMineReset drops the caller's own preferences: the shop's defaults
// apply again.
func (s *Server) notifyMineReset(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	v, err := s.notify.ResetPreferences(r.Context(), st.shop.ID, st.account.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// notifyDefaultsGet shows the shop's default preferences.
func (s *Server) notifyDefaultsGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.notify.Preferences(r.Context(), stateOf(r).shop.ID, 0)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// notifyDefaultsPut saves the shop's default preferences, which every agent
// without their own has.
func (s *Server) notifyDefaultsPut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var p notify.Preferences
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	v, err := s.notify.SetPreferences(r.Context(), st.shop.ID, 0, p)
	if err != nil {
		return notifyError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "notify.defaults", "", "")
	writeJSON(w, http.StatusOK, v)
	return nil
}

// notifyID is an id as the audit log keeps it.
func notifyID(n int64) string { return strconv.FormatInt(n, 10) }
