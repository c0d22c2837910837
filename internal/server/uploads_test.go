package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// pngBytes is a 1×1 PNG.
var pngBytes, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// upload puts an image in alpha's upload folder and returns its URL.
func (f *fixtures) upload(t *testing.T) string {
	t.Helper()
	id := f.env.shops["alpha"].ID
	dir := filepath.Join(f.env.srv.opts.UploadDir, fmt.Sprint(id))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("a", 20) + fmt.Sprint(f.n) + ".png"
	f.n++
	if err := os.WriteFile(filepath.Join(dir, name), pngBytes, 0o640); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("/uploads/%d/%s", id, name)
}

// TestUploads: agents and identified buyers upload images that are then
// served as images; anything else is refused.
func TestUploads(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"]
	agent := env.login("alpha-agent")
	visitor := env.srv.ids.VisitorToken(alpha.ID, "visitor-one")
	buyerSig := auth.BuyerSignature(alpha.IdentitySecret, "b42")
	tests := []struct {
		name    string
		send    func() (*http.Response, []byte)
		status  int
		errCode string
	}{
		{"agent image", func() (*http.Response, []byte) {
			return agent.send("POST", shopURL(alpha.ID, "/uploads"), string(pngBytes), nil)
		}, 201, ""},
		{"agent not an image", func() (*http.Response, []byte) {
			return agent.send("POST", shopURL(alpha.ID, "/uploads"), "<html><script>alert(1)</script>", nil)
		}, 400, "not_image"},
		{"agent too large", func() (*http.Response, []byte) {
			return agent.send("POST", shopURL(alpha.ID, "/uploads"), string(pngBytes)+strings.Repeat("x", maxUpload), nil)
		}, 413, "too_large"},
		{"visitor image", func() (*http.Response, []byte) {
			return env.anon().send("POST", "/chat/alpha/uploads", string(pngBytes), func(r *http.Request) { r.Header.Set("X-Visitor-Token", visitor) })
		}, 201, ""},
		{"verified buyer image", func() (*http.Response, []byte) {
			return env.anon().send("POST", "/chat/alpha/uploads", string(pngBytes), func(r *http.Request) {
				r.Header.Set("X-Buyer-Id", "b42")
				r.Header.Set("X-Buyer-Signature", buyerSig)
			})
		}, 201, ""},
		{"bad signature", func() (*http.Response, []byte) {
			return env.anon().send("POST", "/chat/alpha/uploads", string(pngBytes), func(r *http.Request) {
				r.Header.Set("X-Buyer-Id", "b42")
				r.Header.Set("X-Buyer-Signature", strings.Repeat("0", 64))
			})
		}, 401, "unauthenticated"},
		{"another shop's visitor token", func() (*http.Response, []byte) {
			tok := env.srv.ids.VisitorToken(env.shops["beta"].ID, "visitor-one")
			return env.anon().send("POST", "/chat/alpha/uploads", string(pngBytes), func(r *http.Request) { r.Header.Set("X-Visitor-Token", tok) })
		}, 401, "unauthenticated"},
		{"unknown shop", func() (*http.Response, []byte) {
			return env.anon().send("POST", "/chat/nope/uploads", string(pngBytes), func(r *http.Request) { r.Header.Set("X-Visitor-Token", visitor) })
		}, 404, "not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := tc.send()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
			if tc.errCode != "" {
				if e := decodeError(t, raw); e.Code != tc.errCode {
					t.Fatalf("code %q, want %q", e.Code, tc.errCode)
				}
				return
			}
			var out struct{ URL string }
			if err := json.Unmarshal(raw, &out); err != nil || !strings.HasPrefix(out.URL, fmt.Sprintf("/uploads/%d/", alpha.ID)) {
				t.Fatalf("answer %s", raw)
			}
			got, body := env.anon().send("GET", out.URL, "", nil)
			if got.StatusCode != 200 || got.Header.Get("Content-Type") != "image/png" || string(body) != string(pngBytes) {
				t.Fatalf("GET %s: %d %q", out.URL, got.StatusCode, got.Header.Get("Content-Type"))
			}
			if csp := got.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
				t.Fatalf("served without a sandbox: %q", csp)
			}
		})
	}
	for _, path := range []string{"/uploads/1/..%2f..%2fetc.png", "/uploads/1/short.png", "/uploads/x/" + strings.Repeat("a", 24) + ".png"} {
		if resp, _ := env.anon().send("GET", path, "", nil); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestBuyerUploadLimits: a buyer may send so many images an hour, a shop's
// buyers together so many images and bytes; past them the upload is
// refused with a code saying whose limit, when to try again, and nothing
// is kept.
func TestBuyerUploadLimits(t *testing.T) {
	env := newTestEnv(t)
	alpha, beta := env.shops["alpha"], env.shops["beta"]
	big := string(pngBytes) + strings.Repeat("x", 400<<10) // still a PNG, 400 KiB
	// Every attempt counts as an image (even one that turns out not to be
	// one, or too many bytes); a refused one counts for nobody.
	env.srv.opts.UploadLimits = UploadLimits{BuyerUploads: 2, ShopUploads: 7, ShopBytes: 1 << 20}
	visitor := func(shop model.Shop, id string) func(*http.Request) {
		tok := env.srv.ids.VisitorToken(shop.ID, id)
		return func(r *http.Request) { r.Header.Set("X-Visitor-Token", tok) }
	}
	verified := func(id string) func(*http.Request) {
		sig := auth.BuyerSignature(alpha.IdentitySecret, id)
		return func(r *http.Request) { r.Header.Set("X-Buyer-Id", id); r.Header.Set("X-Buyer-Signature", sig) }
	}
	steps := []struct {
		name   string
		slug   string
		who    func(*http.Request)
		body   string
		status int
		code   string
	}{
		{"a visitor's first", "alpha", visitor(alpha, "v1"), string(pngBytes), 201, ""},
		{"a visitor's second", "alpha", visitor(alpha, "v1"), string(pngBytes), 201, ""},
		{"a visitor's third", "alpha", visitor(alpha, "v1"), string(pngBytes), 429, "buyer_upload_limit"},
		{"not an image is an attempt", "alpha", visitor(alpha, "v2"), "<html>", 400, "not_image"},
		{"a verified buyer's first", "alpha", verified("b1"), big, 201, ""},
		{"the same id as a visitor is another buyer", "alpha", visitor(alpha, "b1"), big, 201, ""},
		{"over the shop's bytes", "alpha", verified("b2"), big, 429, "shop_upload_limit"},
		{"a small one fits the bytes", "alpha", verified("b2"), string(pngBytes), 201, ""},
		{"over the shop's images", "alpha", visitor(alpha, "v3"), string(pngBytes), 429, "shop_upload_limit"},
		{"another shop", "beta", visitor(beta, "v1"), string(pngBytes), 201, ""},
	}
	for _, st := range steps {
		resp, raw := env.anon().send("POST", "/chat/"+st.slug+"/uploads", st.body, st.who)
		if resp.StatusCode != st.status {
			t.Fatalf("%s: %d %s, want %d", st.name, resp.StatusCode, raw, st.status)
		}
		if st.code == "" {
			continue
		}
		e := decodeError(t, raw)
		if e.Code != st.code {
			t.Fatalf("%s: code %q, want %q", st.name, e.Code, st.code)
		}
		if st.status == 429 {
			wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || wait < 1 || wait > 3600 || !strings.Contains(e.Message, "try again in") {
				t.Errorf("%s: Retry-After %q, message %q", st.name, resp.Header.Get("Retry-After"), e.Message)
			}
		}
	}
	kept, err := os.ReadDir(filepath.Join(env.srv.opts.UploadDir, fmt.Sprint(alpha.ID)))
	if err != nil || len(kept) != 5 {
		t.Errorf("%d images kept in alpha's folder (%v), want the 5 accepted", len(kept), err)
	}
}

// TestWriteDurable: the file appears whole under its name, with no
// temporary file left beside it.
func TestWriteDurable(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("\x89PNG"), 1000)
	if err := writeDurable(dir, "a.png", data); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "a.png"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v; want %d", len(got), err, len(data))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only a.png", len(entries))
	}
	if err := writeDurable(filepath.Join(dir, "missing"), "b.png", data); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
