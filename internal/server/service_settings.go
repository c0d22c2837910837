package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	router "github.com/xiaoer-cs/xiaoer/internal/route"
)

// botPipelineGet shows the shop's reply pipeline (welcome, keyword rules,
// working hours, handoff rules, reworded texts) with the catalogue of
// texts a shop can reword and the fields each may use.
func (s *Server) botPipelineGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.bot.Config(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"pipeline": c, "catalogue": bot.Catalogue()})
	return nil
}

// botPipelinePut replaces the shop's reply pipeline; fields left out keep
// their defaults.
func (s *Server) botPipelinePut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return err
	}
	c, err := bot.DecodeConfig(raw)
	if err != nil {
		return strictJSONError(err)
	}
	known, err := s.intentKnown(r, st.shop.ID)
	if err != nil {
		return err
	}
	if err := s.bot.PutConfig(r.Context(), st.shop.ID, c, known); err != nil {
		return serviceFieldError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "bot.pipeline", "", fmt.Sprintf("%d rules, hours %v", len(c.Rules), c.Hours.Enabled))
	writeJSON(w, http.StatusOK, map[string]any{"pipeline": c})
	return nil
}

// routingGet shows the shop's routing: groups by intent, strategies,
// escalation and the timers.
func (s *Server) routingGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.route.Config(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	if c.Groups == nil {
		c.Groups = []router.GroupRule{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"routing": c, "categories": router.Categories})
	return nil
}

// routingPut replaces the shop's routing; fields left out keep their
// defaults.
func (s *Server) routingPut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c := router.DefaultConfig()
	if err := decodeJSON(w, r, &c); err != nil {
		return err
	}
	known, err := s.intentKnown(r, st.shop.ID)
	if err != nil {
		return err
	}
	if err := s.route.PutConfig(r.Context(), st.shop.ID, c, known); err != nil {
		return serviceFieldError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "routing.update", "", fmt.Sprintf("%d group rules, strategy %s", len(c.Groups), c.Strategy))
	if c.Groups == nil {
		c.Groups = []router.GroupRule{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"routing": c})
	return nil
}

// intentKnown tells the intents the shop's engine knows.
func (s *Server) intentKnown(r *http.Request, shopID int64) (func(string) bool, error) {
	se, err := s.kb.Engines().Get(r.Context(), shopID)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, id := range se.Analyzer.IntentIDs() {
		ids[id] = true
	}
	return func(id string) bool { return ids[id] }, nil
}

// serviceFieldError turns the bot's and the router's field errors into
// bad_field answers naming the field.
func serviceFieldError(err error) error {
	var be *bot.FieldError
	var re *router.FieldError
	switch {
	case errors.As(err, &be):
		return badRequest("bad_field", be.Field, be.Message)
	case errors.As(err, &re):
		return badRequest("bad_field", re.Field, re.Message)
	}
	return err
}

// strictJSONError answers a document that is JSON but not the expected
// shape: an unknown field or a wrong type, named.
func strictJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return badRequest("bad_field", typeErr.Field, fmt.Sprintf("%s must be %s", typeErr.Field, jsonKind(typeErr.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return badRequest("unknown_field", name, fmt.Sprintf("unknown field %q", name))
	}
	return badRequest("bad_json", "", "request body is not a pipeline: "+err.Error())
}
