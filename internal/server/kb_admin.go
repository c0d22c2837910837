package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

type categoryJSON struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

// categoryList lists the FAQ categories in tree order.
func (s *Server) categoryList(w http.ResponseWriter, r *http.Request) error {
	cats, err := s.store.ListCategories(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	out := make([]categoryJSON, 0, len(cats))
	for _, c := range cats {
		out = append(out, categoryJSON{ID: c.ID, ParentID: c.ParentID, Name: c.Name, Position: c.Position})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type categoryRequest struct {
	ParentID int64  `json:"parent_id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

func (req *categoryRequest) check() error {
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len([]rune(req.Name)) > 50 || strings.Contains(req.Name, "/") {
		return badRequest("bad_field", "name", "a category name is 1-50 characters without '/'")
	}
	return nil
}

// categoryCreate adds a category under parent_id (0 for the top).
func (s *Server) categoryCreate(w http.ResponseWriter, r *http.Request) error {
	var req categoryRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	st := stateOf(r)
	c, err := s.store.CreateCategory(r.Context(), model.Category{ShopID: st.shop.ID, ParentID: req.ParentID, Name: req.Name, Position: req.Position})
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "kb.category.create", c.Name, "")
	writeJSON(w, http.StatusCreated, categoryJSON{ID: c.ID, ParentID: c.ParentID, Name: c.Name, Position: c.Position})
	return nil
}

// categoryUpdate renames or moves a category.
func (s *Server) categoryUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req categoryRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	c := model.Category{ID: id, ShopID: stateOf(r).shop.ID, ParentID: req.ParentID, Name: req.Name, Position: req.Position}
	if err := s.store.UpdateCategory(r.Context(), c); err != nil {
		return err
	}
	s.audit(r, c.ShopID, stateOf(r).account.ID, "kb.category.update", c.Name, "")
	writeJSON(w, http.StatusOK, categoryJSON{ID: c.ID, ParentID: c.ParentID, Name: c.Name, Position: c.Position})
	return nil
}

// categoryDelete removes an empty category.
func (s *Server) categoryDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteCategory(r.Context(), stateOf(r).shop.ID, id); err != nil {
		return err
	}
	s.audit(r, stateOf(r).shop.ID, stateOf(r).account.ID, "kb.category.delete", strconv.FormatInt(id, 10), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// maxImportBody bounds an uploaded knowledge file.
const maxImportBody = 20 << 20

// kbImport imports a file (the request body) of ?format=csv|xlsx|jsonl;
// ?apply_valid=true applies the good rows of a file with bad ones.
func (s *Server) kbImport(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBody)
	opts := kb.ImportOptions{Format: r.URL.Query().Get("format"), ApplyValid: r.URL.Query().Get("apply_valid") == "true"}
	rep, err := s.kb.Import(r.Context(), st.shop.ID, st.account.ID, r.Body, opts)
	if err != nil {
		return kbError(err)
	}
	if rep.Applied {
		s.audit(r, st.shop.ID, st.account.ID, "kb.import", opts.Format, fmt.Sprintf("%d created, %d updated, %d bad rows", rep.Created, rep.Updated, len(rep.Errors)))
	}
	if !rep.Applied && len(rep.Errors) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"code": "invalid_rows",
			"message": fmt.Sprintf("%d rows are not valid; nothing was imported", len(rep.Errors)), "report": rep})
		return nil
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// kbExport downloads the knowledge base as ?format=csv|xlsx|jsonl.
func (s *Server) kbExport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	ctype := map[string]string{kb.FormatCSV: "text/csv; charset=utf-8", kb.FormatJSONL: "application/x-ndjson",
		kb.FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	if ctype == "" {
		return badRequest("bad_field", "format", "format must be csv, xlsx or jsonl")
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="faq-%s.%s"`, stateOf(r).shop.Slug, format))
	return s.kb.Export(r.Context(), stateOf(r).shop.ID, w, format)
}

type testRequest struct {
	Text string `json:"text"`
}

// kbTest shows the engine's full decision for a typed question, with its
// explanation. Nothing is stored.
func (s *Server) kbTest(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req testRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	m, err := s.kb.Test(r.Context(), st.shop.ID, req.Text, st.shop.Language)
	if err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// synonymsGet lists the shop's own synonym groups.
func (s *Server) synonymsGet(w http.ResponseWriter, r *http.Request) error {
	groups, err := s.store.Synonyms(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": nonNil(groups)})
	return nil
}

type synonymsRequest struct {
	Groups [][]string `json:"groups"`
}

// synonymsPut replaces the shop's synonym groups.
func (s *Server) synonymsPut(w http.ResponseWriter, r *http.Request) error {
	var req synonymsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.kb.PutSynonyms(r.Context(), stateOf(r).shop.ID, req.Groups); err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": nonNil(req.Groups)})
	return nil
}

// intentsGet lists the shop's own intent examples.
func (s *Server) intentsGet(w http.ResponseWriter, r *http.Request) error {
	intents, err := s.store.ShopIntents(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"intents": nonNil(intents)})
	return nil
}

type intentsRequest struct {
	Intents []store.IntentExamples `json:"intents"`
}

// intentsPut replaces the shop's intent examples.
func (s *Server) intentsPut(w http.ResponseWriter, r *http.Request) error {
	var req intentsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.kb.PutIntents(r.Context(), stateOf(r).shop.ID, req.Intents); err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"intents": nonNil(req.Intents)})
	return nil
}

// packList lists the answer packs with the shop's state of each.
func (s *Server) packList(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.kb.PackStatuses(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(ps)})
	return nil
}

// packEnable adds a pack's FAQs to the shop.
func (s *Server) packEnable(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	n, err := s.kb.EnablePack(r.Context(), st.shop.ID, st.account.ID, r.PathValue("pack"))
	if err != nil {
		return kbError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "kb.pack.enable", r.PathValue("pack"), fmt.Sprintf("%d FAQs", n))
	writeJSON(w, http.StatusOK, map[string]int{"added": n})
	return nil
}

// packUpgradePlan shows what upgrading a pack would change.
func (s *Server) packUpgradePlan(w http.ResponseWriter, r *http.Request) error {
	plan, err := s.kb.PlanUpgrade(r.Context(), stateOf(r).shop.ID, r.PathValue("pack"))
	if err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusOK, plan)
	return nil
}

// packUpgrade upgrades a pack, keeping the merchant's edits.
func (s *Server) packUpgrade(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	plan, err := s.kb.Upgrade(r.Context(), st.shop.ID, st.account.ID, r.PathValue("pack"))
	if err != nil {
		return kbError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "kb.pack.upgrade", r.PathValue("pack"), fmt.Sprintf("v%d to v%d", plan.From, plan.To))
	writeJSON(w, http.StatusOK, plan)
	return nil
}

// packRollback undoes a pack's last upgrade.
func (s *Server) packRollback(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := s.kb.Rollback(r.Context(), st.shop.ID, st.account.ID, r.PathValue("pack")); err != nil {
		return kbError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "kb.pack.rollback", r.PathValue("pack"), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// botSettingsGet shows the bot's switches.
func (s *Server) botSettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := s.kb.Settings(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

// botSettingsPut saves the bot's switches.
func (s *Server) botSettingsPut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	set := kb.DefaultSettings()
	if err := decodeJSON(w, r, &set); err != nil {
		return err
	}
	if err := s.kb.PutSettings(r.Context(), st.shop.ID, set); err != nil {
		return kbError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "bot.settings", "", fmt.Sprintf("enabled %v, mode %s", set.Enabled, set.Mode))
	writeJSON(w, http.StatusOK, set)
	return nil
}
