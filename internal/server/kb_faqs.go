package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

type faqJSON struct {
	ID        int64                 `json:"id"`
	Key       string                `json:"key"`
	Status    model.FAQStatus       `json:"status"`
	Revision  int                   `json:"revision"`
	Content   model.FAQContent      `json:"content"`
	Live      *model.FAQContent     `json:"live"`
	PackID    string                `json:"pack_id,omitempty"`
	PackVer   int                   `json:"pack_version,omitempty"`
	Conflicts []model.MergeConflict `json:"conflicts,omitempty"`
	CreatedAt time.Time             `json:"created_at"`
	UpdatedAt time.Time             `json:"updated_at"`
	UpdatedBy int64                 `json:"updated_by,omitempty"`
}

func newFAQJSON(f model.FAQ) faqJSON {
	return faqJSON{ID: f.ID, Key: f.Key, Status: f.Status, Revision: f.Revision, Content: f.Content, Live: f.Live,
		PackID: f.PackID, PackVer: f.PackVersion, Conflicts: f.Conflicts, CreatedAt: f.CreatedAt.UTC(),
		UpdatedAt: f.UpdatedAt.UTC(), UpdatedBy: f.UpdatedBy}
}

// kbError names the field of a knowledge-base validation error.
func kbError(err error) error {
	var fe *kb.FieldError
	switch {
	case errors.As(err, &fe):
		return badRequest("invalid", fe.Field, fe.Message)
	case errors.Is(err, kb.ErrNoPack):
		return errNotFound("answer pack")
	case errors.Is(err, kb.ErrNothingToDo):
		return errConflict("nothing_to_do", err.Error())
	}
	return err
}

// faqList searches the knowledge base: ?q= (text in questions, answers and
// tags), ?category=, ?status= (draft, published, modified), ?tag=, with
// cursor pagination.
func (s *Server) faqList(w http.ResponseWriter, r *http.Request) error {
	before, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.FAQFilter{ShopID: stateOf(r).shop.ID, Text: q.Get("q"), Tag: q.Get("tag"), Status: model.FAQStatus(q.Get("status")),
		Before: before, Limit: limit}
	switch f.Status {
	case "", model.FAQDraft, model.FAQPublished, model.FAQModified:
	default:
		return badRequest("bad_field", "status", "status must be draft, published or modified")
	}
	if v := q.Get("category"); v != "" {
		if f.CategoryID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return badRequest("bad_field", "category", "category must be a category id")
		}
	}
	faqs, err := s.store.ListFAQs(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]faqJSON, 0, len(faqs))
	for _, faq := range faqs {
		out = append(out, newFAQJSON(faq))
	}
	next := ""
	if len(faqs) == limit {
		next = strconv.FormatInt(faqs[len(faqs)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "next_cursor": next})
	return nil
}

type faqSaveRequest struct {
	model.FAQContent
	Key      string `json:"key"`
	Publish  bool   `json:"publish"`
	Revision int    `json:"revision"` // for updates: the revision the edit was made on
}

// faqCreate adds a FAQ; the answer lists conflict warnings.
func (s *Server) faqCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req faqSaveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	f, warnings, err := s.kb.Create(r.Context(), st.shop.ID, st.account.ID, kb.Input{Key: req.Key, Content: req.FAQContent, Publish: req.Publish})
	if err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"faq": newFAQJSON(f), "warnings": nonNil(warnings)})
	return nil
}

// faqGet reads one FAQ.
func (s *Server) faqGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.store.GetFAQ(r.Context(), stateOf(r).shop.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newFAQJSON(f))
	return nil
}

// faqUpdate saves a FAQ's working copy; a stale revision answers 409.
func (s *Server) faqUpdate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req faqSaveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Revision <= 0 {
		return badRequest("bad_field", "revision", "revision is the revision the edit was made on")
	}
	f, warnings, err := s.kb.Update(r.Context(), st.shop.ID, st.account.ID, id, req.Revision, kb.Input{Key: req.Key, Content: req.FAQContent, Publish: req.Publish})
	if err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"faq": newFAQJSON(f), "warnings": nonNil(warnings)})
	return nil
}

// faqDelete removes a FAQ (its history stays).
func (s *Server) faqDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.kb.Delete(r.Context(), st.shop.ID, st.account.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// faqPublish makes a FAQ's working copy live.
func (s *Server) faqPublish(w http.ResponseWriter, r *http.Request) error {
	return s.faqTransition(w, r, s.kb.Publish)
}

// faqUnpublish takes a FAQ out of the live engine.
func (s *Server) faqUnpublish(w http.ResponseWriter, r *http.Request) error {
	return s.faqTransition(w, r, s.kb.Unpublish)
}

func (s *Server) faqTransition(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, shopID, actor, id int64) (model.FAQ, error)) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := do(r.Context(), st.shop.ID, st.account.ID, id)
	if err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusOK, newFAQJSON(f))
	return nil
}

type revisionJSON struct {
	Revision  int              `json:"revision"`
	Action    string           `json:"action"`
	ActorID   int64            `json:"actor_id"`
	Status    model.FAQStatus  `json:"status"`
	Content   model.FAQContent `json:"content"`
	CreatedAt time.Time        `json:"created_at"`
}

// faqHistory lists a FAQ's revisions, newest first: who changed what, when.
func (s *Server) faqHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	revs, err := s.store.FAQRevisions(r.Context(), stateOf(r).shop.ID, id)
	if err != nil {
		return err
	}
	out := make([]revisionJSON, 0, len(revs))
	for _, rv := range revs {
		out = append(out, revisionJSON{Revision: rv.Revision, Action: rv.Action, ActorID: rv.ActorID, Status: rv.Status,
			Content: rv.Content, CreatedAt: rv.CreatedAt.UTC()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type revertRequest struct {
	Revision int `json:"revision"`
}

// faqRevert puts an earlier revision back as the working copy.
func (s *Server) faqRevert(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req revertRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	f, err := s.kb.Revert(r.Context(), st.shop.ID, st.account.ID, id, req.Revision)
	if err != nil {
		return kbError(err)
	}
	writeJSON(w, http.StatusOK, newFAQJSON(f))
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
