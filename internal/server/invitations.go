package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

type invitationJSON struct {
	ID        string    `json:"id"` // the token's hash: names it without revealing it
	Role      string    `json:"role"`
	Login     string    `json:"login"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func newInvitationJSON(inv store.Invitation) invitationJSON {
	return invitationJSON{ID: inv.TokenHash, Role: inv.Role, Login: inv.Login, CreatedAt: inv.CreatedAt.UTC(), ExpiresAt: inv.ExpiresAt.UTC()}
}

// invitationList lists the shop's open invitations.
func (s *Server) invitationList(w http.ResponseWriter, r *http.Request) error {
	invs, err := s.store.ListInvitations(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	out := make([]invitationJSON, 0, len(invs))
	for _, inv := range invs {
		out = append(out, newInvitationJSON(inv))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// invitationDelete withdraws an invitation.
func (s *Server) invitationDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := s.store.DeleteInvitation(r.Context(), st.shop.ID, r.PathValue("id")); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "invitation.delete", r.PathValue("id"), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// invitationGet shows the invited person which shop and role await them.
func (s *Server) invitationGet(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.store.GetInvitation(r.Context(), auth.HashToken(r.PathValue("token")))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("invitation")
	}
	if err != nil {
		return err
	}
	shop, err := s.store.GetShop(r.Context(), inv.ShopID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"shop_name": shop.Name, "role": inv.Role, "login": inv.Login,
		"expires_at": inv.ExpiresAt.UTC()})
	return nil
}

type acceptRequest struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

// invitationAccept creates the invited person's account and membership and
// logs them in.
func (s *Server) invitationAccept(w http.ResponseWriter, r *http.Request) error {
	var req acceptRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	hash := auth.HashToken(r.PathValue("token"))
	inv, err := s.store.GetInvitation(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("invitation")
	}
	if err != nil {
		return err
	}
	if err := checkNewAccount(req.Username, req.Password); err != nil {
		return err
	}
	pw, err := auth.HashPassword(req.Password, s.opts.BcryptCost)
	if err != nil {
		return err
	}
	in := store.AccountInput{Username: req.Username, DisplayName: displayName(req.DisplayName, req.Username), PasswordHash: pw}
	if isEmail(inv.Login) {
		in.Email = inv.Login
	} else if isPhone(inv.Login) {
		in.Phone = inv.Login
	}
	id, err := s.store.AcceptInvitation(r.Context(), hash, in)
	if errors.Is(err, store.ErrConflict) {
		return &Error{Status: http.StatusConflict, Code: "taken", Field: "username", Message: "this username, email or phone is taken"}
	}
	if err != nil {
		return err
	}
	acct, err := s.store.GetAccount(r.Context(), id)
	if err != nil {
		return err
	}
	s.audit(r, inv.ShopID, id, "invitation.accept", acct.Username, "role "+inv.Role)
	return s.startSession(w, r, acct)
}
