package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// cannedJSON is a canned reply (快捷短语) as the API shows it. Personal
// replies are the caller's own; the others are the shop's.
type cannedJSON struct {
	ID        int64     `json:"id"`
	Shortcut  string    `json:"shortcut"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Personal  bool      `json:"personal"`
	Text      string    `json:"text,omitempty"` // the body filled for a conversation
	UpdatedAt time.Time `json:"updated_at"`
}

func newCannedJSON(c store.CannedReply) cannedJSON {
	return cannedJSON{ID: c.ID, Shortcut: c.Shortcut, Title: c.Title, Body: c.Body, Personal: c.AccountID != 0, UpdatedAt: c.UpdatedAt.UTC()}
}

// cannedScope says in the audit log whose reply it is: the texts of the
// shop's replies reach every buyer, so who changed them is kept.
func cannedScope(c store.CannedReply) string {
	if c.AccountID != 0 {
		return "personal"
	}
	return "shop"
}

// cannedManagers may edit the shop's own canned replies; anyone who
// replies edits their personal ones.
var cannedManagers = perms(auth.KBManage, auth.SettingsManage)

type cannedRequest struct {
	bot.CannedInput
	Personal bool `json:"personal"`
}

// cannedList lists the shop's canned replies and the caller's own.
func (s *Server) cannedList(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	rs, err := s.store.ListCannedReplies(r.Context(), st.shop.ID, st.account.ID)
	if err != nil {
		return err
	}
	out := make([]cannedJSON, 0, len(rs))
	for _, c := range rs {
		out = append(out, newCannedJSON(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "variables": bot.CannedVariables})
	return nil
}

// cannedCreate adds a canned reply: personal for anyone who replies, the
// shop's for those who manage the knowledge base or settings.
func (s *Server) cannedCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req cannedRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return serviceFieldError(err)
	}
	owner, limit := int64(0), bot.MaxCannedShop
	if req.Personal {
		owner, limit = st.account.ID, bot.MaxCannedAgent
		if !st.perms.Has(auth.ConversationsReply) {
			return errForbidden("personal canned replies are for those who reply to buyers")
		}
	} else if !hasAny(st.perms, cannedManagers) {
		return errForbidden("your role cannot edit the shop's canned replies; add a personal one")
	}
	n, err := s.store.CountCannedReplies(r.Context(), st.shop.ID, owner)
	if err != nil {
		return err
	}
	if n >= limit {
		return errConflict("too_many", "too many canned replies; delete some first")
	}
	c, err := s.store.CreateCannedReply(r.Context(), store.CannedReply{ShopID: st.shop.ID, AccountID: owner,
		Shortcut: req.Shortcut, Title: req.Title, Body: req.Body})
	if errors.Is(err, store.ErrConflict) {
		return errConflict("shortcut_taken", "this shortcut is taken")
	}
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "canned.create", c.Shortcut, cannedScope(c))
	writeJSON(w, http.StatusCreated, newCannedJSON(c))
	return nil
}

// cannedTarget reads the {id} canned reply the caller may change: their
// own, or the shop's with a manager's role. Someone else's personal reply
// does not exist for them.
func (s *Server) cannedTarget(r *http.Request) (store.CannedReply, error) {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return store.CannedReply{}, err
	}
	c, err := s.store.GetCannedReply(r.Context(), st.shop.ID, id)
	if err != nil {
		return c, err
	}
	switch {
	case c.AccountID != 0 && c.AccountID != st.account.ID:
		return c, errNotFound("canned reply")
	case c.AccountID == 0 && !hasAny(st.perms, cannedManagers):
		return c, errForbidden("your role cannot edit the shop's canned replies")
	}
	return c, nil
}

// cannedUpdate changes a canned reply's shortcut, title and body.
func (s *Server) cannedUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cannedTarget(r)
	if err != nil {
		return err
	}
	var in bot.CannedInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return serviceFieldError(err)
	}
	c.Shortcut, c.Title, c.Body = in.Shortcut, in.Title, in.Body
	c, err = s.store.UpdateCannedReply(r.Context(), c)
	if errors.Is(err, store.ErrConflict) {
		return errConflict("shortcut_taken", "this shortcut is taken")
	}
	if err != nil {
		return err
	}
	s.audit(r, c.ShopID, stateOf(r).account.ID, "canned.update", c.Shortcut, cannedScope(c))
	writeJSON(w, http.StatusOK, newCannedJSON(c))
	return nil
}

// cannedDelete removes a canned reply.
func (s *Server) cannedDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cannedTarget(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteCannedReply(r.Context(), c.ShopID, c.ID); err != nil {
		return err
	}
	s.audit(r, c.ShopID, stateOf(r).account.ID, "canned.delete", c.Shortcut, cannedScope(c))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// conversationCanned lists the canned replies filled for one conversation
// (buyer name, order number, agent and shop names), ready to send with one
// click.
func (s *Server) conversationCanned(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	rs, err := s.store.ListCannedReplies(r.Context(), st.shop.ID, st.account.ID)
	if err != nil {
		return err
	}
	values := s.bot.CannedValues(r.Context(), st.shop, c, st.account)
	out := make([]cannedJSON, 0, len(rs))
	for _, cr := range rs {
		j := newCannedJSON(cr)
		j.Text = values.Render(cr.Body)
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "values": values})
	return nil
}
