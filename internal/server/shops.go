package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

type shopJSON struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Language string `json:"language"`
	Timezone string `json:"timezone"`
}

func newShopJSON(s model.Shop) shopJSON {
	return shopJSON{ID: s.ID, Slug: s.Slug, Name: s.Name, Language: s.Language, Timezone: s.Timezone}
}

// shopGet shows the shop to its members.
func (s *Server) shopGet(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, newShopJSON(stateOf(r).shop))
	return nil
}

type shopUpdateRequest struct {
	Name     *string `json:"name"`
	Language *string `json:"language"`
	Timezone *string `json:"timezone"`
}

// shopUpdate changes the shop's name, language or time zone.
func (s *Server) shopUpdate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req shopUpdateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	shop := st.shop
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if name == "" || len([]rune(name)) > 100 {
			return badRequest("bad_field", "name", "shop name must be 1-100 characters")
		}
		shop.Name = name
	}
	if req.Language != nil {
		lang, err := checkLanguage(*req.Language)
		if err != nil {
			return err
		}
		shop.Language = lang
	}
	if req.Timezone != nil {
		if _, err := time.LoadLocation(*req.Timezone); err != nil || *req.Timezone == "" {
			return badRequest("bad_field", "timezone", "timezone must be an IANA name like Asia/Shanghai")
		}
		shop.Timezone = *req.Timezone
	}
	if err := s.store.UpdateShop(r.Context(), shop); err != nil {
		return err
	}
	s.audit(r, shop.ID, st.account.ID, "shop.update", shop.Slug, "")
	writeJSON(w, http.StatusOK, newShopJSON(shop))
	return nil
}

// shopRotateSecret makes a new identity secret for verifying buyers and
// shows it once; the merchant's site must switch to it.
func (s *Server) shopRotateSecret(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	shop := st.shop
	shop.IdentitySecret = auth.NewToken()
	if err := s.store.UpdateShop(r.Context(), shop); err != nil {
		return err
	}
	s.audit(r, shop.ID, st.account.ID, "shop.identity_secret.rotate", shop.Slug, "")
	writeJSON(w, http.StatusOK, map[string]string{"identity_secret": shop.IdentitySecret})
	return nil
}
