package server

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// SetupTokenSetting is where the hash of the one-time setup token is kept
// until the owner account is made.
const SetupTokenSetting = "setup_token_hash"

// setupStatus tells the setup page whether setup is still open.
func (s *Server) setupStatus(w http.ResponseWriter, r *http.Request) error {
	_, err := s.store.GetSetting(r.Context(), SetupTokenSetting)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"open": err == nil})
	return nil
}

type setupRequest struct {
	Token       string `json:"token"`
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
	ShopName    string `json:"shop_name"`
	ShopSlug    string `json:"shop_slug"`
	Language    string `json:"language"`
}

// setupCreate makes the owner account and the first shop with the one-time
// setup token printed at start-up, then closes setup and logs the owner in.
func (s *Server) setupCreate(w http.ResponseWriter, r *http.Request) error {
	var req setupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	want, err := s.store.GetSetting(r.Context(), SetupTokenSetting)
	if errors.Is(err, store.ErrNotFound) {
		return errConflict("setup_closed", "setup is already done")
	}
	if err != nil {
		return err
	}
	if req.Token == "" || auth.HashToken(req.Token) != want {
		return &Error{Status: http.StatusForbidden, Code: "bad_token", Field: "token", Message: "the setup link is not valid"}
	}
	if err := checkNewAccount(req.Username, req.Password); err != nil {
		return err
	}
	req.ShopName = strings.TrimSpace(req.ShopName)
	if req.ShopName == "" || utf8.RuneCountInString(req.ShopName) > 100 {
		return badRequest("bad_field", "shop_name", "shop name must be 1-100 characters")
	}
	if err := auth.CheckSlug(req.ShopSlug); err != nil {
		return badRequest("bad_field", "shop_slug", err.Error())
	}
	lang, err := checkLanguage(req.Language)
	if err != nil {
		return err
	}
	// Shop and account are made one after the other: check both names
	// first, so a taken username does not leave a shop behind that blocks
	// its slug on the next attempt.
	if _, err := s.store.GetShopBySlug(r.Context(), req.ShopSlug); err == nil {
		return &Error{Status: http.StatusConflict, Code: "taken", Field: "shop_slug", Message: "this shop slug is taken"}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, err := s.store.GetAccountByLogin(r.Context(), req.Username); err == nil {
		return &Error{Status: http.StatusConflict, Code: "taken", Field: "username", Message: "this username is taken"}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash, err := auth.HashPassword(req.Password, s.opts.BcryptCost)
	if err != nil {
		return err
	}
	shop, err := s.store.CreateShop(r.Context(), model.Shop{Slug: req.ShopSlug, Name: req.ShopName, Language: lang,
		Timezone: "Asia/Shanghai", IdentitySecret: auth.NewToken()})
	if errors.Is(err, store.ErrConflict) {
		return &Error{Status: http.StatusConflict, Code: "taken", Field: "shop_slug", Message: "this shop slug is taken"}
	}
	if err != nil {
		return err
	}
	acct, err := s.store.CreateAccount(r.Context(), model.Account{Username: req.Username, DisplayName: displayName(req.DisplayName, req.Username), PasswordHash: hash})
	if errors.Is(err, store.ErrConflict) {
		return &Error{Status: http.StatusConflict, Code: "taken", Field: "username", Message: "this username is taken"}
	}
	if err != nil {
		return err
	}
	if err := s.store.AddMember(r.Context(), model.Membership{ShopID: shop.ID, AccountID: acct.ID, Role: auth.RoleOwner}); err != nil {
		return err
	}
	if err := s.store.DeleteSetting(r.Context(), SetupTokenSetting); err != nil {
		return err
	}
	s.audit(r, shop.ID, acct.ID, "setup", acct.Username, "owner account and shop created")
	return s.startSession(w, r, acct)
}

// checkNewAccount validates the username and password of a new account.
func checkNewAccount(username, password string) error {
	if err := auth.CheckUsername(username); err != nil {
		return badRequest("bad_field", "username", err.Error())
	}
	// The same rule as auth.HashPassword: characters at least, bytes at most.
	if utf8.RuneCountInString(password) < auth.MinPasswordLength || len(password) > 72 {
		return badRequest("weak_password", "password", auth.ErrWeakPassword.Error())
	}
	return nil
}

func checkLanguage(lang string) (string, error) {
	switch lang {
	case "":
		return "zh-CN", nil
	case "zh-CN", "en":
		return lang, nil
	}
	return "", badRequest("bad_field", "language", "language must be zh-CN or en")
}

func displayName(name, fallback string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return fallback
	}
	if len([]rune(name)) > 50 {
		return string([]rune(name)[:50])
	}
	return name
}

// audit records an administrative action. A failure to record it is logged
// but does not undo the action, which already happened.
func (s *Server) audit(r *http.Request, shopID, actorID int64, action, target, detail string) {
	err := s.store.AppendAudit(r.Context(), model.AuditEntry{ShopID: shopID, ActorID: actorID, Action: action, Target: target, Detail: detail})
	if err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}
