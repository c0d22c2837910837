package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestPublicPostsNeedJSON: the public routes that change state without a
// session refuse a body a cross-site HTML form could send.
func TestPublicPostsNeedJSON(t *testing.T) {
	env := newTestEnv(t)
	for _, path := range []string{"/api/v1/auth/login", "/api/v1/setup", "/api/v1/invitations/x/accept"} {
		t.Run(path, func(t *testing.T) {
			req, _ := http.NewRequest("POST", env.http.URL+path, strings.NewReader(`{"login":"alpha-owner","password":"`+testPassword+`"}`))
			req.Header.Set("Content-Type", "text/plain")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("status %d, want 415", resp.StatusCode)
			}
		})
	}
	if status := env.anon().do("POST", "/api/v1/auth/login", loginRequest{Login: "alpha-owner", Password: testPassword}, nil); status != 200 {
		t.Fatalf("JSON login: %d", status)
	}
}

// TestMemberListHidesContactsFromAgents: an agent sees colleagues' names,
// not their email or phone; a manager sees both.
func TestMemberListHidesContactsFromAgents(t *testing.T) {
	env := newTestEnv(t)
	admin := env.accts["alpha-admin"]
	admin.Email, admin.Phone = "boss@example.com", "13800138000"
	if err := env.db.UpdateAccountProfile(t.Context(), admin); err != nil {
		t.Fatal(err)
	}
	path := shopURL(env.shops["alpha"].ID, "/members")
	for _, tt := range []struct {
		who     string
		visible bool
	}{{"alpha-agent", false}, {"alpha-admin", true}, {"alpha-owner", true}} {
		t.Run(tt.who, func(t *testing.T) {
			var out struct{ Items []memberJSON }
			if st := env.login(tt.who).do("GET", path, nil, &out); st != 200 {
				t.Fatalf("status %d", st)
			}
			for _, m := range out.Items {
				if m.Account.ID == admin.ID && (m.Account.Email != "") != tt.visible {
					t.Fatalf("admin's email visible=%v, want %v", m.Account.Email != "", tt.visible)
				}
			}
		})
	}
}
