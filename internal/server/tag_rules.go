package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

type tagRuleJSON struct {
	Name      string          `json:"name"`
	Rule      json.RawMessage `json:"rule"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func newTagRuleJSON(r model.TagRule) tagRuleJSON {
	return tagRuleJSON{Name: r.Name, Rule: json.RawMessage(r.Rule), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// tagRuleList lists the shop's custom buyer tag rules.
func (s *Server) tagRuleList(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.store.ListTagRules(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	out := make([]tagRuleJSON, 0, len(rs))
	for _, x := range rs {
		out = append(out, newTagRuleJSON(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type tagRulePutRequest struct {
	Rule json.RawMessage `json:"rule"`
}

// tagRulePut creates or replaces the rule of the tag {name} and retags
// every buyer.
func (s *Server) tagRulePut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req tagRulePutRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	rule, err := s.data.PutTagRule(r.Context(), st.shop.ID, r.PathValue("name"), string(req.Rule))
	if err != nil {
		return shopDataError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "tagrule.put", rule.Name, rule.Rule)
	writeJSON(w, http.StatusOK, newTagRuleJSON(rule))
	return nil
}

// tagRuleDelete removes a rule and its tag.
func (s *Server) tagRuleDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	name := r.PathValue("name")
	if err := s.data.DeleteTagRule(r.Context(), st.shop.ID, name); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "tagrule.delete", name, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tagSettingsGet shows the thresholds of the built-in tags.
func (s *Server) tagSettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := s.data.TagSettings(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

// tagSettingsPut sets the thresholds and retags every buyer.
func (s *Server) tagSettingsPut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var set model.TagSettings
	if err := decodeJSON(w, r, &set); err != nil {
		return err
	}
	if err := s.data.PutTagSettings(r.Context(), st.shop.ID, set); err != nil {
		return shopDataError(err)
	}
	b, _ := json.Marshal(set)
	s.audit(r, st.shop.ID, st.account.ID, "tagsettings.put", "", string(b))
	writeJSON(w, http.StatusOK, set)
	return nil
}
