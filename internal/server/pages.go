package server

import (
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/xiaoer-cs/xiaoer/web"
)

// page serves one embedded page of web/pages by name.
func page(name string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return servePageFile(w, name)
	}
}

// pageAsset serves the pages' scripts and styles.
func (s *Server) pageAsset(w http.ResponseWriter, r *http.Request) error {
	return servePageFile(w, path.Clean(r.PathValue("file")))
}

func servePageFile(w http.ResponseWriter, name string) error {
	b, err := fs.ReadFile(web.Pages, "pages/"+name)
	if err != nil {
		return errNotFound("page")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".js" {
		ctype = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", "default-src 'self'")
	_, err = w.Write(b)
	return err
}
