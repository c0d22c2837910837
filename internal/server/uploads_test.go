package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
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
