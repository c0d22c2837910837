package server

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// sessionCookie holds the session token; HTTP-only so scripts never see it,
// SameSite=Lax so other sites cannot send it with their forms.
const sessionCookie = "xiaoer_session"

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || strings.HasPrefix(s.opts.BaseURL, "https://")})
}

func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// loadSession finds the caller's session and account, or answers 401.
func (s *Server) loadSession(r *http.Request) (*requestState, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errUnauthenticated
	}
	sess, err := s.store.GetSession(r.Context(), auth.HashToken(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	acct, err := s.store.GetAccount(r.Context(), sess.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	return &requestState{session: sess, account: acct}, nil
}

// loadMember resolves the {shop} of the path to the caller's membership. A
// shop the caller is not a member of answers 404, whether it exists or not,
// so shop ids cannot be probed.
func (s *Server) loadMember(r *http.Request, st *requestState, shopParam string) error {
	shopID, err := strconv.ParseInt(shopParam, 10, 64)
	if err != nil || shopID <= 0 {
		return errNotFound("shop")
	}
	m, err := s.store.GetMember(r.Context(), shopID, st.account.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("shop")
	}
	if err != nil {
		return err
	}
	shop, err := s.store.GetShop(r.Context(), shopID)
	if err != nil {
		return err
	}
	ps, err := permissionsOf(r.Context(), s.store, shopID, m.Role)
	if errors.Is(err, store.ErrNotFound) {
		ps = auth.Set{} // the member's custom role was deleted: no rights
	} else if err != nil {
		return err
	}
	groups, err := s.store.MemberGroups(r.Context(), shopID, st.account.ID)
	if err != nil {
		return err
	}
	st.shop, st.member, st.perms, st.groups = shop, m, ps, groups
	return nil
}

// clientIP is the caller's address, from X-Forwarded-For only when the
// server is told it sits behind a proxy of its own.
func (s *Server) clientIP(r *http.Request) string {
	if s.opts.TrustProxy {
		if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
			first, _, _ := strings.Cut(fwd, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// pathID reads a positive integer path value, answering 404 for anything
// else (an id that cannot exist is simply not found).
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound(name)
	}
	return id, nil
}
