package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
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

// tagRuleList lists the shop's custom buyer tag rules, with the fields a
// rule may test (so the console's editor offers what the server accepts)
// and how many rules a shop may have.
func (s *Server) tagRuleList(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.store.ListTagRules(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	out := make([]tagRuleJSON, 0, len(rs))
	for _, x := range rs {
		out = append(out, newTagRuleJSON(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "fields": commerce.RuleFields(), "max_rules": commerce.MaxTagRules})
	return nil
}

type tagRulePutRequest struct {
	Rule json.RawMessage `json:"rule"`
}

// tagRulePut creates or replaces the rule of the tag {name} and retags the
// shop's buyers: at once in a small shop, else by the refresh job
// ("retagging" says how many).
func (s *Server) tagRulePut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req tagRulePutRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	rule, rt, err := s.data.PutTagRule(r.Context(), st.shop.ID, r.PathValue("name"), string(req.Rule))
	if err != nil {
		return shopDataError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "tagrule.put", rule.Name, rule.Rule)
	writeJSON(w, http.StatusOK, struct {
		tagRuleJSON
		commerce.Retag
	}{newTagRuleJSON(rule), rt})
	return nil
}

// tagRulePreview says how many of the shop's buyers a rule would tag,
// without saving it.
func (s *Server) tagRulePreview(w http.ResponseWriter, r *http.Request) error {
	var req tagRulePutRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.data.PreviewRule(r.Context(), stateOf(r).shop.ID, string(req.Rule))
	if err != nil {
		return shopDataError(err)
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// tagRuleDelete removes a rule and its tag.
func (s *Server) tagRuleDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	name := r.PathValue("name")
	if _, err := s.data.DeleteTagRule(r.Context(), st.shop.ID, name); err != nil {
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

// tagSettingsPut sets the thresholds and retags the shop's buyers.
func (s *Server) tagSettingsPut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var set model.TagSettings
	if err := decodeJSON(w, r, &set); err != nil {
		return err
	}
	rt, err := s.data.PutTagSettings(r.Context(), st.shop.ID, set)
	if err != nil {
		return shopDataError(err)
	}
	b, _ := json.Marshal(set)
	s.audit(r, st.shop.ID, st.account.ID, "tagsettings.put", "", string(b))
	writeJSON(w, http.StatusOK, struct {
		model.TagSettings
		commerce.Retag
	}{set, rt})
	return nil
}
