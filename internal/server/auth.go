package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Login throttling: a login name is locked after loginMaxFailures wrong
// passwords within loginWindow, an address after ipMaxFailures, each for
// loginLockFor. Counts live in the database so they hold across restarts
// and nodes.
const (
	loginWindow      = 15 * time.Minute
	loginLockFor     = 15 * time.Minute
	loginMaxFailures = 5
	ipMaxFailures    = 30
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// authLogin checks a login and password and starts a session.
func (s *Server) authLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	login := auth.NormalizeLogin(req.Login)
	if login == "" || req.Password == "" || len(login) > 200 || len(req.Password) > 200 {
		return badRequest("bad_field", "login", "login and password are required")
	}
	keys := []string{"login:" + strings.ToLower(login), "ip:" + s.clientIP(r)}
	for _, k := range keys {
		until, err := s.store.LoginLockedUntil(r.Context(), k)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			return lockedError(until, s.now())
		}
	}
	acct, err := s.store.GetAccountByLogin(r.Context(), login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if errors.Is(err, store.ErrNotFound) {
		auth.SpendPasswordTime(req.Password, s.opts.BcryptCost)
	}
	if err != nil || !auth.CheckPassword(acct.PasswordHash, req.Password) {
		return s.loginFailed(r, keys)
	}
	if err := s.store.ClearLoginFailures(r.Context(), keys[0]); err != nil {
		return err
	}
	return s.startSession(w, r, acct)
}

func (s *Server) loginFailed(r *http.Request, keys []string) error {
	limits := []int{loginMaxFailures, ipMaxFailures}
	for i, k := range keys {
		_, until, err := s.store.LoginFailure(r.Context(), k, loginWindow, limits[i], loginLockFor)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			return lockedError(until, s.now())
		}
	}
	return &Error{Status: http.StatusUnauthorized, Code: "bad_credentials", Message: "wrong login or password"}
}

func lockedError(until, now time.Time) error {
	mins := int(until.Sub(now).Minutes()) + 1
	return &Error{Status: http.StatusTooManyRequests, Code: "login_locked",
		Message: fmt.Sprintf("too many failed logins; try again in %d minutes", mins)}
}

// startSession makes a session for acct, sets its cookie and answers with
// what /me answers.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, acct model.Account) error {
	token := auth.NewToken()
	now := s.now()
	sess := store.Session{TokenHash: auth.HashToken(token), AccountID: acct.ID, CSRFToken: auth.NewToken(),
		CreatedAt: now, ExpiresAt: now.Add(s.opts.SessionTTL)}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	s.setSessionCookie(w, r, token, sess.ExpiresAt)
	me, err := s.mePayload(r, acct, sess)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

// authLogout ends the caller's session.
func (s *Server) authLogout(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := s.store.DeleteSession(r.Context(), st.session.TokenHash); err != nil {
		return err
	}
	s.sessionsEnded(r, st.account.ID)
	clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type accountJSON struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
}

func newAccountJSON(a model.Account) accountJSON {
	return accountJSON{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, Email: a.Email, Phone: a.Phone}
}

type myShopJSON struct {
	ID          int64             `json:"id"`
	Slug        string            `json:"slug"`
	Name        string            `json:"name"`
	Role        string            `json:"role"`
	Status      string            `json:"status"`
	Permissions []auth.Permission `json:"permissions"`
}

type meJSON struct {
	Account   accountJSON  `json:"account"`
	CSRFToken string       `json:"csrf_token"`
	Shops     []myShopJSON `json:"shops"`
}

func (s *Server) mePayload(r *http.Request, acct model.Account, sess store.Session) (meJSON, error) {
	out := meJSON{Account: newAccountJSON(acct), CSRFToken: sess.CSRFToken, Shops: []myShopJSON{}}
	ms, err := s.store.ListMemberships(r.Context(), acct.ID)
	if err != nil {
		return out, err
	}
	for _, m := range ms {
		shop, err := s.store.GetShop(r.Context(), m.ShopID)
		if err != nil {
			return out, err
		}
		ps, err := permissionsOf(r.Context(), s.store, m.ShopID, m.Role)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		out.Shops = append(out.Shops, myShopJSON{ID: shop.ID, Slug: shop.Slug, Name: shop.Name, Role: m.Role,
			Status: string(m.Status), Permissions: ps.List()})
	}
	return out, nil
}

// meGet tells the workbench who is logged in, the CSRF token to send with
// changes, and the caller's shops with their permissions.
func (s *Server) meGet(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	me, err := s.mePayload(r, st.account, st.session)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// mePassword changes the caller's password and ends their other sessions.
func (s *Server) mePassword(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req passwordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if !auth.CheckPassword(st.account.PasswordHash, req.Current) {
		return &Error{Status: http.StatusForbidden, Code: "bad_credentials", Field: "current", Message: "current password is wrong"}
	}
	hash, err := auth.HashPassword(req.New, s.opts.BcryptCost)
	if errors.Is(err, auth.ErrWeakPassword) {
		return badRequest("weak_password", "new", err.Error())
	}
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(r.Context(), st.account.ID, hash); err != nil {
		return err
	}
	if err := s.store.DeleteAccountSessions(r.Context(), st.account.ID); err != nil {
		return err
	}
	s.sessionsEnded(r, st.account.ID)
	return s.startSession(w, r, st.account)
}

// sessionsEnded tells the account's sockets in every shop to check their
// session again, so a socket does not outlive the session that opened it.
func (s *Server) sessionsEnded(r *http.Request, accountID int64) {
	ms, err := s.store.ListMemberships(r.Context(), accountID)
	if err != nil {
		s.log.Warn("sessions ended: memberships", "account", accountID, "err", err)
		return
	}
	for _, m := range ms {
		s.chat.PublishMember(r.Context(), m.ShopID, accountID)
	}
}

// permissionList lists every permission a custom role can be made of, and
// what each built-in role grants.
func (s *Server) permissionList(w http.ResponseWriter, r *http.Request) error {
	builtin := map[string][]auth.Permission{}
	for _, role := range auth.BuiltinRoles() {
		builtin[role] = auth.BuiltinPermissions(role)
	}
	writeJSON(w, http.StatusOK, map[string]any{"permissions": auth.All(), "builtin_roles": builtin})
	return nil
}
