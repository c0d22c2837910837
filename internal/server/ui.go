package server

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/xiaoer-cs/xiaoer/web"
)

// The pages' Content-Security-Policy: scripts, styles, sockets and fetches
// from this server only; images also from the merchant's own hosts (FAQ
// answers and product cards point there). No inline script or handler runs.
const (
	uiPolicy = "default-src 'self'; img-src 'self' data: blob: https: http:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
	// The buyer chat is framed by the merchant's pages (widget.js).
	uiPolicyFramable = uiPolicy
	uiPolicyNoFrame  = uiPolicy + "; frame-ancestors 'none'"
)

// uiPage serves one file of the embedded UI (web/): the buyer chat, the
// workbench, the console. framable says whether other sites may show it in
// a frame, which only the buyer chat needs.
func uiPage(name string, framable bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return serveUIFile(w, name, framable)
	}
}

// uiAsset serves the UI's scripts, styles, message catalogues and images.
func (s *Server) uiAsset(w http.ResponseWriter, r *http.Request) error {
	name := path.Clean(r.PathValue("path"))
	if name == "." || strings.HasPrefix(name, "..") || strings.HasPrefix(name, "/") {
		return errNotFound("file")
	}
	return serveUIFile(w, name, false)
}

// home sends a visitor of the bare address to the workbench.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/desk", http.StatusFound)
	return nil
}

func serveUIFile(w http.ResponseWriter, name string, framable bool) error {
	b, err := fs.ReadFile(web.UI, name)
	if err != nil {
		return errNotFound("file")
	}
	ext := path.Ext(name)
	ctype := mime.TypeByExtension(ext)
	switch ext {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".json":
		ctype = "application/json; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".html":
		ctype = "text/html; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	if framable {
		h.Set("Content-Security-Policy", uiPolicyFramable)
	} else {
		h.Set("Content-Security-Policy", uiPolicyNoFrame)
		h.Set("X-Frame-Options", "DENY")
	}
	h.Set("Referrer-Policy", "same-origin")
	_, err = w.Write(b)
	return err
}

// sessionGet tells the pages whether the browser is logged in, without an
// error status when it is not (the pages ask before showing the login
// form, and a 401 would be logged as an error by the browser): the same
// answer as GET /api/v1/me, or {"account": null}.
func (s *Server) sessionGet(w http.ResponseWriter, r *http.Request) error {
	st, err := s.loadSession(r)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			writeJSON(w, http.StatusOK, map[string]any{"account": nil})
			return nil
		}
		return err
	}
	me, err := s.mePayload(r, st.account, st.session)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}
