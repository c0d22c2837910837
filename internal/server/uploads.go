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
	"time"

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

// UploadLimits bound the images buyers send in chats, per hour, on every
// node together (the counts are in the database). Agents are members of
// the shop and are not limited.
type UploadLimits struct {
	BuyerUploads int   // images one buyer may send an hour
	ShopUploads  int   // images the buyers of one shop may send an hour, together
	ShopBytes    int64 // bytes of images the buyers of one shop may send an hour, together
}

// DefaultUploadLimits are the limits of a server given none: 20 images a
// buyer, 2,000 images and 2 GiB a shop, an hour.
func DefaultUploadLimits() UploadLimits {
	return UploadLimits{BuyerUploads: 20, ShopUploads: 2000, ShopBytes: 2 << 30}
}

// uploadWindow is the window of the upload limits.
const uploadWindow = time.Hour

// uploadAgent stores an image an agent sends in a chat and answers its URL.
func (s *Server) uploadAgent(w http.ResponseWriter, r *http.Request) error {
	return s.storeUpload(w, r, stateOf(r).shop.ID, nil)
}

// uploadBuyer stores an image a buyer sends from the widget. The buyer
// proves who they are as in the socket's hello: the merchant's signature
// (X-Buyer-Id, X-Buyer-Signature) or the visitor token (X-Visitor-Token).
// The upload counts against the buyer's and the shop's limits: the image
// before its body is read, its bytes once they are.
func (s *Server) uploadBuyer(w http.ResponseWriter, r *http.Request) error {
	shop, err := s.store.GetShopBySlug(r.Context(), r.PathValue("shop"))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("shop")
	}
	if err != nil {
		return err
	}
	who, ok := buyerIdentified(s.ids, shop, r)
	if !ok {
		return errUnauthenticated
	}
	lim := s.opts.UploadLimits
	quotas := []store.UploadQuota{
		{Key: fmt.Sprintf("%s:%d:%s", who[:1], shop.ID, who[2:]), MaxUploads: int64(lim.BuyerUploads), MaxBytes: int64(lim.BuyerUploads) * maxUpload, Window: uploadWindow},
		{Key: fmt.Sprintf("s:%d", shop.ID), MaxUploads: int64(lim.ShopUploads), MaxBytes: lim.ShopBytes, Window: uploadWindow},
	}
	if err := s.takeUpload(w, r, quotas, 1, 0); err != nil {
		return err
	}
	return s.storeUpload(w, r, shop.ID, func(n int) error { return s.takeUpload(w, r, quotas, 0, int64(n)) })
}

// takeUpload counts an upload against the quotas, or refuses it with 429
// and when to try again.
func (s *Server) takeUpload(w http.ResponseWriter, r *http.Request, quotas []store.UploadQuota, uploads, bytes int64) error {
	refused, err := s.store.TakeUploadQuota(r.Context(), quotas, uploads, bytes)
	if err != nil || refused.Index < 0 {
		return err
	}
	wait := max(refused.Until.Sub(s.now()), time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
	mins := int(wait.Minutes()) + 1
	lim := s.opts.UploadLimits
	if refused.Index == 0 {
		return &Error{Status: http.StatusTooManyRequests, Code: "buyer_upload_limit", Field: "buyer", Message: fmt.Sprintf(
			"this buyer has sent the most images allowed in an hour (%d); try again in %d minutes", lim.BuyerUploads, mins)}
	}
	return &Error{Status: http.StatusTooManyRequests, Code: "shop_upload_limit", Field: "shop", Message: fmt.Sprintf(
		"this shop's buyers have sent the most images allowed in an hour (%d images, %d MB); try again in %d minutes",
		lim.ShopUploads, lim.ShopBytes>>20, mins)}
}

// buyerIdentified checks the buyer's identity headers and names the buyer:
// "b:<shop's buyer id>" or "v:<visitor id>".
func buyerIdentified(ids *auth.Identities, shop model.Shop, r *http.Request) (string, bool) {
	if id := r.Header.Get("X-Buyer-Id"); id != "" {
		return "b:" + id, auth.CheckBuyerSignature(shop.IdentitySecret, id, r.Header.Get("X-Buyer-Signature")) == nil
	}
	v, err := ids.CheckVisitorToken(shop.ID, r.Header.Get("X-Visitor-Token"))
	return "v:" + v, err == nil
}

// storeUpload keeps the request body, when it is an image, under the
// shop's upload folder with a random name. charge, when not nil, is told
// the image's size before it is kept and may refuse it.
func (s *Server) storeUpload(w http.ResponseWriter, r *http.Request, shopID int64, charge func(n int) error) error {
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
	if charge != nil {
		if err := charge(len(body)); err != nil {
			return err
		}
	}
	dir := filepath.Join(s.opts.UploadDir, strconv.FormatInt(shopID, 10))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("uploads: %w", err)
	}
	name := auth.NewToken()[:32] + ext
	if err := writeDurable(dir, name, body); err != nil {
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

// writeDurable writes data to dir/name so that it survives a crash once
// it returns: the image's URL is about to be acknowledged and sent in a
// message, which the database keeps. It writes a temporary file, syncs it,
// renames it into place and syncs the folder, so a crash leaves either no
// file or the whole one.
func writeDurable(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename there is nothing left to remove
	if err := f.Chmod(0o640); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
