package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// TestErrorShape sends malformed requests and checks that every refusal is
// the one error shape, {code, message, field}, with a stable code.
func TestErrorShape(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	members := fmt.Sprintf("/api/v1/shops/%d/members/%d", alpha, env.accts["alpha-agent"].ID)
	status := fmt.Sprintf("/api/v1/shops/%d/status", alpha)
	tests := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"not JSON", "PUT", status, `status=online`, 400, "bad_json", ""},
		{"cut short", "PUT", status, `{"status":`, 400, "bad_json", ""},
		{"empty body", "PUT", status, ``, 400, "bad_json", ""},
		{"two values", "PUT", status, `{"status":"online"}{"status":"busy"}`, 400, "bad_json", ""},
		{"trailing garbage", "PUT", status, `{"status":"online"} x`, 400, "bad_json", ""},
		{"an array, not an object", "PUT", status, `["online"]`, 400, "bad_json", ""},
		{"unknown field", "PUT", status, `{"status":"online","mood":"happy"}`, 400, "unknown_field", "mood"},
		{"string for a number", "PATCH", members, `{"max_chats":"5"}`, 400, "bad_field", "max_chats"},
		{"number for a string", "PUT", status, `{"status":1}`, 400, "bad_field", "status"},
		{"invalid value", "PUT", status, `{"status":"dancing"}`, 400, "bad_field", "status"},
		{"null body", "PUT", status, `null`, 400, "bad_field", "status"},
		{"over 1 MiB", "PUT", status, `{"status":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "too_large", ""},
		{"unknown API route", "GET", "/api/v1/nothing-here", ``, 404, "not_found", ""},
		{"wrong method", "DELETE", "/api/v1/me", ``, 405, "method_not_allowed", ""},
		{"shop id not a number", "GET", "/api/v1/shops/alpha", ``, 404, "not_found", ""},
		{"shop that does not exist", "GET", "/api/v1/shops/99999", ``, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := forT(t, env).login("alpha-admin")
			resp, raw := c.send(tt.method, tt.path, tt.body, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			e := decodeError(t, raw)
			if e.Code != tt.code || e.Field != tt.field || e.Message == "" {
				t.Fatalf("error %+v, want code %q field %q and a message", e, tt.code, tt.field)
			}
			// Messages speak JSON, not Go.
			for _, goism := range []string{"server.", "model.", "*int", "int64", "json: "} {
				if strings.Contains(e.Message, goism) {
					t.Fatalf("message %q shows Go internals (%q)", e.Message, goism)
				}
			}
		})
	}
	// A refused request changed nothing.
	m, err := env.db.GetMember(t.Context(), alpha, env.accts["alpha-admin"].ID)
	if err != nil || m.Status != model.StatusOffline {
		t.Fatalf("status after refusals: %q %v", m.Status, err)
	}
	// Only a wrong method on a route that exists is 405, and it says which
	// methods the route has.
	resp, _ := env.anon().send("PUT", "/api/v1/me", "", nil)
	if allow := resp.Header.Get("Allow"); resp.StatusCode != 405 || !strings.Contains(allow, "GET") {
		t.Fatalf("405 with Allow %q (status %d)", allow, resp.StatusCode)
	}
}

// TestPagination walks the cursor-paged lists page by page and checks that
// the pages join up to the whole list, newest first, without repeats.
func TestPagination(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	beta := env.shops["beta"].ID
	var want []int64
	for range 5 {
		want = append(want, f.conversation(t, "beta", model.OwnerQueue, 0, 0).ID)
	}
	f.conversation(t, "alpha", model.OwnerQueue, 0, 0) // another shop's: never on beta's pages
	slices.Reverse(want)
	admin := env.login("beta-admin")
	for range 4 {
		admin.do("POST", fmt.Sprintf("/api/v1/shops/%d/groups", beta), groupCreateRequest{Name: f.unique("组")}, nil)
	}

	type page struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	walk := func(t *testing.T, path string, limit int) (ids []int64, pages int) {
		t.Helper()
		cursor := ""
		for {
			url := fmt.Sprintf("%s?limit=%d", path, limit)
			if cursor != "" {
				url += "&cursor=" + cursor
			}
			var p page
			if status := admin.do("GET", url, nil, &p); status != 200 {
				t.Fatalf("GET %s: %d", url, status)
			}
			pages++
			if len(p.Items) > limit {
				t.Fatalf("page of %d over limit %d", len(p.Items), limit)
			}
			for _, it := range p.Items {
				ids = append(ids, it.ID)
			}
			if p.NextCursor == "" {
				return ids, pages
			}
			if want := fmt.Sprint(p.Items[len(p.Items)-1].ID); p.NextCursor != want {
				t.Fatalf("next_cursor %q, want the last item's id %s", p.NextCursor, want)
			}
			cursor = p.NextCursor
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
		}
	}
	conversations := fmt.Sprintf("/api/v1/shops/%d/conversations", beta)
	audit := fmt.Sprintf("/api/v1/shops/%d/audit", beta)
	tests := []struct {
		name, path string
		limit      int
		want       string
		pages      int
	}{
		{"conversations by 2", conversations, 2, fmt.Sprint(want), 3},
		{"conversations by 5: an exact fit ends with an empty page", conversations, 5, fmt.Sprint(want), 2},
		{"conversations by 50", conversations, 50, fmt.Sprint(want), 1},
		{"audit by 3", audit, 3, "", 2},
		{"audit by 1", audit, 1, "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := walk(t, tt.path, tt.limit)
			if tt.want != "" && fmt.Sprint(got) != tt.want {
				t.Fatalf("ids %v, want %s", got, tt.want)
			}
			if !slices.IsSortedFunc(got, func(a, b int64) int { return int(b - a) }) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("ids %v are not newest first without repeats", got)
			}
			if pages != tt.pages {
				t.Fatalf("%d pages, want %d", pages, tt.pages)
			}
		})
	}
	for _, q := range []struct{ query, code, field string }{
		{"?cursor=abc", "bad_cursor", "cursor"},
		{"?cursor=0", "bad_cursor", "cursor"},
		{"?cursor=-5", "bad_cursor", "cursor"},
		{"?limit=0", "bad_field", "limit"},
		{"?limit=201", "bad_field", "limit"},
		{"?limit=ten", "bad_field", "limit"},
	} {
		for _, path := range []string{conversations, audit} {
			status, raw := admin.raw("GET", path+q.query, nil)
			if e := decodeError(t, raw); status != 400 || e.Code != q.code || e.Field != q.field {
				t.Fatalf("GET %s%s: %d %s", path, q.query, status, raw)
			}
		}
	}
	// The largest limit is allowed.
	if status := admin.do("GET", conversations+"?limit=200", nil, nil); status != http.StatusOK {
		t.Fatalf("limit=200: %d", status)
	}
}
