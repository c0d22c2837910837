package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// maxUpload bounds one uploaded image.
const maxUpload = 5 << 20

// imageTypes are the images a chat may carry, by sniffed content type.
var imageTypes = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}

// uploadName is the form of a stored upload's file name.
var uploadName = regexp.MustCompile(`^[A-Za-z0-9_-]{20,64}\.(png|jpg|gif|webp)$`)

// uploadAgent stores an image an agent sends in a chat and answers its URL.
func (s *Server) uploadAgent(w http.ResponseWriter, r *http.Request) error {
	return s.storeUpload(w, r, stateOf(r).shop.ID)
}

// uploadBuyer stores an image a buyer sends from the widget. The buyer
// proves who they are as in the socket's hello: the merchant's signature
// (X-Buyer-Id, X-Buyer-Signature) or the visitor token (X-Visitor-Token).
func (s *Server) uploadBuyer(w http.ResponseWriter, r *http.Request) error {
	shop, err := s.store.GetShopBySlug(r.Context(), r.PathValue("shop"))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("shop")
	}
	if err != nil {
		return err
	}
	if !buyerIdentified(s.ids, shop, r) {
		return errUnauthenticated
	}
	return s.storeUpload(w, r, shop.ID)
}

func buyerIdentified(ids *auth.Identities, shop model.Shop, r *http.Request) bool {
	if id := r.Header.Get("X-Buyer-Id"); id != "" {
		return auth.CheckBuyerSignature(shop.IdentitySecret, id, r.Header.Get("X-Buyer-Signature")) == nil
	}
	_, err := ids.CheckVisitorToken(shop.ID, r.Header.Get("X-Visitor-Token"))
	return err == nil
}

// storeUpload keeps the request body, when it is an image, under the
// shop's upload folder with a random name.
func (s *Server) storeUpload(w http.ResponseWriter, r *http.Request, shopID int64) error {
	if s.opts.UploadDir == "" {
		return &Error{Status: http.StatusServiceUnavailable, Code: "uploads_off", Message: "this server keeps no uploads"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpload))
	if err != nil {
		return err // a MaxBytesError becomes 413 too_large
	}
	ext, ok := imageTypes[http.DetectContentType(body)]
	if !ok {
		return badRequest("not_image", "", "send a PNG, JPEG, GIF or WebP image")
	}
	dir := filepath.Join(s.opts.UploadDir, strconv.FormatInt(shopID, 10))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("uploads: %w", err)
	}
	name := auth.NewToken()[:32] + ext
	if err := os.WriteFile(filepath.Join(dir, name), body, 0o640); err != nil {
		return fmt.Errorf("uploads: %w", err)
	}
	writeJSON(w, http.StatusCreated, map[string]string{"url": fmt.Sprintf("/uploads/%d/%s", shopID, name)})
	return nil
}

// uploadGet serves a stored upload. Names are random and unguessable; the
// file is served as the image it was checked to be, never as a page.
func (s *Server) uploadGet(w http.ResponseWriter, r *http.Request) error {
	shop, err := strconv.ParseInt(r.PathValue("shop"), 10, 64)
	name := r.PathValue("name")
	if err != nil || s.opts.UploadDir == "" || !uploadName.MatchString(name) {
		return errNotFound("file")
	}
	f, err := os.Open(filepath.Join(s.opts.UploadDir, strconv.FormatInt(shop, 10), name))
	if err != nil {
		return errNotFound("file")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	for ctype, ext := range imageTypes {
		if filepath.Ext(name) == ext {
			w.Header().Set("Content-Type", ctype)
		}
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}
