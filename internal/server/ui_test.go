package server

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/web"
)

// TestUIPages checks the pages of the three faces: served with a strict
// Content-Security-Policy, only the buyer chat framable, assets found,
// paths outside the UI refused.
func TestUIPages(t *testing.T) {
	env := newTestEnv(t)
	cl := env.anon()
	tests := []struct {
		name, path string
		status     int
		ctype      string
		framable   bool
	}{
		{"chat", "/chat/alpha", 200, "text/html", true},
		{"widget loader", "/widget.js", 200, "text/javascript", true},
		{"workbench", "/desk", 200, "text/html", false},
		{"console", "/admin", 200, "text/html", false},
		{"module", "/ui/widget/chat.js", 200, "text/javascript", false},
		{"catalogue", "/ui/common/i18n/zh-CN.json", 200, "application/json", false},
		{"style", "/ui/common/base.css", 200, "text/css", false},
		{"missing", "/ui/widget/nope.js", 404, "", false},
		{"dot dot", "/ui/../web.go", 404, "", false},
		{"encoded dot dot", "/ui/%2e%2e/web.go", 404, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := cl.send("GET", tc.path, "", nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, tc.ctype) {
				t.Errorf("Content-Type %q, want %s", got, tc.ctype)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if framable := !strings.Contains(csp, "frame-ancestors 'none'"); framable != tc.framable {
				t.Errorf("framable %v, want %v (CSP %q)", framable, tc.framable, csp)
			}
		})
	}
}

// TestSessionProbe: the pages ask whether they are logged in without a 401.
func TestSessionProbe(t *testing.T) {
	env := newTestEnv(t)
	var out struct {
		Account *struct {
			Username string `json:"username"`
		} `json:"account"`
		CSRF string `json:"csrf_token"`
	}
	status, raw := env.anon().raw(http.MethodGet, "/api/v1/session", nil)
	if status != 200 || json.Unmarshal(raw, &out) != nil || out.Account != nil {
		t.Fatalf("logged out: %d %s", status, raw)
	}
	status, raw = env.login("alpha-agent").raw(http.MethodGet, "/api/v1/session", nil)
	if status != 200 || json.Unmarshal(raw, &out) != nil || out.Account == nil || out.Account.Username != "alpha-agent" || out.CSRF == "" {
		t.Fatalf("logged in: %d %s", status, raw)
	}
}

// TestUICatalogues: every language has the same keys, and every key the
// pages name in data-t attributes or t("...") calls exists.
func TestUICatalogues(t *testing.T) {
	cats := map[string]map[string]string{}
	for _, lang := range []string{"zh-CN", "en"} {
		b, err := fs.ReadFile(web.UI, "common/i18n/"+lang+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		cats[lang] = m
	}
	for k := range cats["zh-CN"] {
		if _, ok := cats["en"][k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k := range cats["en"] {
		if _, ok := cats["zh-CN"][k]; !ok {
			t.Errorf("zh-CN lacks %q", k)
		}
	}
	used := regexp.MustCompile(`(?:data-t(?:-placeholder|-title|-aria)?="|\bt\(")([a-z][\w.]*)"`)
	var missing []string
	err := fs.WalkDir(web.UI, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".html")) {
			return err
		}
		b, err := fs.ReadFile(web.UI, path)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			key := m[1]
			if strings.HasSuffix(key, ".") {
				continue // a prefix completed at run time: "d.owner." + owner
			}
			if _, ok := cats["zh-CN"][key]; !ok && !slices.Contains(missing, path+": "+key) {
				missing = append(missing, path+": "+key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("no catalogue text for %s", m)
	}
}

// TestUIPageCatalogues: the catalogues of single pages (name.<lang>.json
// beside the console's, e.g. admin/i18n/tags.zh-CN.json) have the same
// keys in every language, and every key a page names in tt("..."),
// st("...") or nt("...") exists in one of them or in the console's.
func TestUIPageCatalogues(t *testing.T) {
	keys := map[string]bool{}
	pairs := map[string]map[string]map[string]string{} // page → lang → texts
	err := fs.WalkDir(web.UI, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") || !strings.Contains(path, "/i18n/") {
			return err
		}
		b, err := fs.ReadFile(web.UI, path)
		if err != nil {
			return err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for k := range m {
			keys[k] = true
		}
		base := strings.TrimSuffix(path, ".json")
		lang := base[strings.LastIndex(base, "/")+1:]
		page := "console"
		if i := strings.LastIndex(lang, "."); i >= 0 {
			page, lang = base[:strings.LastIndex(base, "/")+1]+lang[:i], lang[i+1:]
		}
		if pairs[page] == nil {
			pairs[page] = map[string]map[string]string{}
		}
		pairs[page][lang] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for page, langs := range pairs {
		if page == "console" {
			continue // TestUICatalogues
		}
		zh, en := langs["zh-CN"], langs["en"]
		if zh == nil || en == nil {
			t.Errorf("%s: catalogues for %d languages, want zh-CN and en", page, len(langs))
			continue
		}
		for k := range zh {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.en lacks %q", page, k)
			}
		}
		for k := range en {
			if _, ok := zh[k]; !ok {
				t.Errorf("%s.zh-CN lacks %q", page, k)
			}
		}
	}
	used := regexp.MustCompile(`\b(?:tt|st|nt)\("([a-z][\w.]*)"`)
	err = fs.WalkDir(web.UI, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		b, err := fs.ReadFile(web.UI, path)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") && !keys[m[1]] {
				t.Errorf("%s: no catalogue text for %s", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) < 3 {
		t.Errorf("found the catalogues of %d pages; the walk is broken", len(pairs))
	}
}
