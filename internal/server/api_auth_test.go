package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// sessionCookieOf returns the session cookie a response sets, or nil.
func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

// withCookie sends a request carrying only the given session token.
func withCookie(env *testEnv, method, path, token, csrf string) int {
	env.t.Helper()
	req, err := http.NewRequest(method, env.http.URL+path, nil)
	if err != nil {
		env.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSetupFlow(t *testing.T) {
	env := newTestEnv(t)
	anon := env.anon()
	setupOpen := func() bool {
		t.Helper()
		var st map[string]bool
		if status := anon.do("GET", "/api/v1/setup", nil, &st); status != 200 {
			t.Fatalf("GET setup: %d", status)
		}
		return st["open"]
	}
	if setupOpen() {
		t.Fatal("setup is open without a setup token")
	}
	const token = "one-time-setup-token"
	if err := env.db.PutSetting(t.Context(), SetupTokenSetting, auth.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	if !setupOpen() {
		t.Fatal("setup is closed with a setup token")
	}
	valid := func() map[string]any {
		return map[string]any{"token": token, "username": "founder", "password": "founder-password",
			"display_name": "王掌柜", "shop_name": strings.Repeat("杭州小二旗舰店", 8), "shop_slug": "fresh-shop", "language": "zh-CN"}
	}
	refusals := []struct {
		name   string
		change map[string]any
		status int
		code   string
		field  string
	}{
		{"wrong token", map[string]any{"token": "guess"}, 403, "bad_token", "token"},
		{"no token", map[string]any{"token": ""}, 403, "bad_token", "token"},
		{"bad username", map[string]any{"username": "a"}, 400, "bad_field", "username"},
		{"short password", map[string]any{"password": "short"}, 400, "weak_password", "password"},
		// 6 characters in 18 bytes: short by the character count.
		{"short password in characters", map[string]any{"password": "密码密码密码"}, 400, "weak_password", "password"},
		{"long password", map[string]any{"password": strings.Repeat("p", 73)}, 400, "weak_password", "password"},
		{"no shop name", map[string]any{"shop_name": "  "}, 400, "bad_field", "shop_name"},
		{"shop name over 100 characters", map[string]any{"shop_name": strings.Repeat("店", 101)}, 400, "bad_field", "shop_name"},
		{"bad slug", map[string]any{"shop_slug": "Bad Slug"}, 400, "bad_field", "shop_slug"},
		{"bad language", map[string]any{"language": "fr"}, 400, "bad_field", "language"},
		{"taken slug", map[string]any{"shop_slug": "alpha"}, 409, "taken", "shop_slug"},
		// The slug fresh-shop must stay free for the real setup below.
		{"taken username", map[string]any{"username": "alpha-owner"}, 409, "taken", "username"},
		{"unknown field", map[string]any{"admin": true}, 400, "unknown_field", "admin"},
		{"wrong type", map[string]any{"username": 7}, 400, "bad_field", "username"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			body := valid()
			for k, v := range tt.change {
				body[k] = v
			}
			status, raw := forT(t, env).anon().raw("POST", "/api/v1/setup", body)
			e := decodeError(t, raw)
			if status != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s, want %d %s field %q", status, raw, tt.status, tt.code, tt.field)
			}
			if !setupOpen() {
				t.Fatal("a refused setup closed setup")
			}
		})
	}

	owner := env.anon()
	resp, raw := owner.send("POST", "/api/v1/setup", mustJSON(t, valid()), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("setup: %d %s", resp.StatusCode, raw)
	}
	var me meJSON
	if err := json.Unmarshal(raw, &me); err != nil {
		t.Fatal(err)
	}
	if me.Account.Username != "founder" || me.Account.DisplayName != "王掌柜" || me.CSRFToken == "" ||
		len(me.Shops) != 1 || me.Shops[0].Role != auth.RoleOwner || me.Shops[0].Slug != "fresh-shop" ||
		len(me.Shops[0].Permissions) != len(auth.All()) {
		t.Fatalf("setup answer %s", raw)
	}
	if sessionCookieOf(resp) == nil {
		t.Fatal("setup did not log the owner in")
	}
	owner.csrf = me.CSRFToken
	var shop shopJSON
	if status := owner.do("GET", fmt.Sprintf("/api/v1/shops/%d", me.Shops[0].ID), nil, &shop); status != 200 || shop.Language != "zh-CN" || shop.Timezone != "Asia/Shanghai" {
		t.Fatalf("owner reads the new shop: %d %+v", status, shop)
	}
	var audit struct{ Items []auditJSON }
	owner.do("GET", fmt.Sprintf("/api/v1/shops/%d/audit", me.Shops[0].ID), nil, &audit)
	if len(audit.Items) != 1 || audit.Items[0].Action != "setup" || audit.Items[0].ActorID != me.Account.ID {
		t.Fatalf("audit after setup: %+v", audit.Items)
	}
	if setupOpen() {
		t.Fatal("setup still open after the owner was made")
	}
	again := valid()
	again["username"], again["shop_slug"] = "second", "second-shop"
	status, raw := env.anon().raw("POST", "/api/v1/setup", again)
	if e := decodeError(t, raw); status != 409 || e.Code != "setup_closed" {
		t.Fatalf("second setup: %d %s", status, raw)
	}
	if status := env.anon().do("POST", "/api/v1/auth/login", loginRequest{Login: "founder", Password: "founder-password"}, nil); status != 200 {
		t.Fatalf("owner login: %d", status)
	}
}

func TestLogin(t *testing.T) {
	env := newTestEnv(t)
	refusals := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"no login", `{"password":"test-password"}`, 400, "bad_field"},
		{"no password", `{"login":"alpha-agent"}`, 400, "bad_field"},
		{"wrong password", `{"login":"alpha-agent","password":"wrong-password"}`, 401, "bad_credentials"},
		{"unknown login", `{"login":"nobody","password":"wrong-password"}`, 401, "bad_credentials"},
		{"not JSON", `login=alpha-agent`, 400, "bad_json"},
	}
	bodies := map[int]string{}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := forT(t, env).anon().send("POST", "/api/v1/auth/login", tt.body, nil)
			if e := decodeError(t, raw); resp.StatusCode != tt.status || e.Code != tt.code {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, raw, tt.status, tt.code)
			}
			if sessionCookieOf(resp) != nil {
				t.Fatal("a refused login set a session cookie")
			}
			if tt.status == 401 {
				bodies[len(bodies)] = string(raw)
			}
		})
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] {
		t.Fatalf("a wrong password and an unknown login must answer alike: %v", bodies)
	}

	c := env.anon()
	resp, raw := c.send("POST", "/api/v1/auth/login", `{"login":"  alpha-agent ","password":"test-password"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, raw)
	}
	ck := sessionCookieOf(resp)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Value == "" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", ck)
	}
	if strings.Contains(string(raw), ck.Value) {
		t.Fatal("the session token is in the body, where scripts can read it")
	}
	var me meJSON
	if err := json.Unmarshal(raw, &me); err != nil {
		t.Fatal(err)
	}
	if me.Account.Username != "alpha-agent" || me.CSRFToken == "" || len(me.Shops) != 1 || me.Shops[0].Role != auth.RoleAgent {
		t.Fatalf("login answer %s", raw)
	}
	var again meJSON
	if status := c.do("GET", "/api/v1/me", nil, &again); status != 200 || again.CSRFToken != me.CSRFToken {
		t.Fatalf("GET /me after login: %d %+v", status, again)
	}
}

func TestLoginLockout(t *testing.T) {
	env := newTestEnv(t)
	for _, login := range []string{"alpha-agent", "nobody-at-all"} {
		t.Run(login, func(t *testing.T) {
			env := forT(t, env)
			for i := 1; i <= loginMaxFailures; i++ {
				status, raw := env.anon().raw("POST", "/api/v1/auth/login", loginRequest{Login: login, Password: "wrong-password"})
				e := decodeError(t, raw)
				want, code := 401, "bad_credentials"
				if i == loginMaxFailures {
					want, code = 429, "login_locked"
				}
				if status != want || e.Code != code {
					t.Fatalf("failure %d: %d %s, want %d %s", i, status, raw, want, code)
				}
			}
			// Locked: even the right password is refused, without checking it.
			status, raw := env.anon().raw("POST", "/api/v1/auth/login", loginRequest{Login: login, Password: testPassword})
			if e := decodeError(t, raw); status != 429 || e.Code != "login_locked" || !strings.Contains(e.Message, "minutes") {
				t.Fatalf("locked login: %d %s", status, raw)
			}
		})
	}
	// Another login from the same address is not locked.
	if status := env.anon().do("POST", "/api/v1/auth/login", loginRequest{Login: "alpha-admin", Password: testPassword}, nil); status != 200 {
		t.Fatalf("another account from the same address: %d", status)
	}
}

func TestLoginAddressLockout(t *testing.T) {
	env := newTestEnv(t)
	for i := 1; i <= ipMaxFailures; i++ {
		// A new login name each time: only the address adds up.
		resp, raw := env.anon().send("POST", "/api/v1/auth/login", mustJSON(t, loginRequest{Login: fmt.Sprintf("guess%d", i), Password: "wrong-password"}),
			func(r *http.Request) { r.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i)) })
		want := 401
		if i == ipMaxFailures {
			want = 429
		}
		if resp.StatusCode != want {
			t.Fatalf("failure %d: %d %s, want %d", i, resp.StatusCode, raw, want)
		}
	}
	// The address is locked for every login, and a forged X-Forwarded-For
	// does not help while the server does not trust a proxy.
	resp, raw := env.anon().send("POST", "/api/v1/auth/login", mustJSON(t, loginRequest{Login: "alpha-owner", Password: testPassword}),
		func(r *http.Request) { r.Header.Set("X-Forwarded-For", "192.0.2.1") })
	if e := decodeError(t, raw); resp.StatusCode != 429 || e.Code != "login_locked" {
		t.Fatalf("locked address: %d %s", resp.StatusCode, raw)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name  string
		trust bool
		xff   string
		want  string
	}{
		{"direct", false, "", "203.0.113.9"},
		{"forwarded header ignored", false, "198.51.100.1", "203.0.113.9"},
		{"behind own proxy", true, "198.51.100.1, 10.0.0.1", "198.51.100.1"},
		{"behind own proxy, no header", true, "", "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{opts: Options{TrustProxy: tt.trust}}
			r := httptest.NewRequest("POST", "/api/v1/auth/login", nil)
			r.RemoteAddr = "203.0.113.9:4711"
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := s.clientIP(r); got != tt.want {
				t.Fatalf("clientIP %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	env := newTestEnv(t)
	c := env.anon()
	resp, raw := c.send("POST", "/api/v1/auth/login", mustJSON(t, loginRequest{Login: "alpha-agent", Password: testPassword}), nil)
	var me meJSON
	if err := json.Unmarshal(raw, &me); err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, raw)
	}
	token := sessionCookieOf(resp).Value
	c.csrf = me.CSRFToken
	resp, _ = c.send("POST", "/api/v1/auth/logout", "", nil)
	if resp.StatusCode != 204 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if ck := sessionCookieOf(resp); ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("logout did not clear the cookie: %+v", ck)
	}
	// The old token is dead on the server, not only forgotten by the browser.
	if status := withCookie(env, "GET", "/api/v1/me", token, ""); status != 401 {
		t.Fatalf("old session after logout: %d", status)
	}
	if status := c.do("GET", "/api/v1/me", nil, nil); status != 401 {
		t.Fatalf("GET /me after logout: %d", status)
	}
}

func TestPasswordChange(t *testing.T) {
	env := newTestEnv(t)
	a, b := env.login("alpha-agent"), env.login("alpha-agent")
	refusals := []struct {
		name   string
		body   passwordRequest
		status int
		code   string
		field  string
	}{
		{"wrong current", passwordRequest{Current: "not-my-password", New: "brand-new-password"}, 403, "bad_credentials", "current"},
		{"weak new", passwordRequest{Current: testPassword, New: "short"}, 400, "weak_password", "new"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := a.raw("PUT", "/api/v1/me/password", tt.body)
			if e := decodeError(t, raw); status != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s", status, raw)
			}
			if status := b.do("GET", "/api/v1/me", nil, nil); status != 200 {
				t.Fatal("a refused change ended another session")
			}
		})
	}
	var me meJSON
	if status := a.do("PUT", "/api/v1/me/password", passwordRequest{Current: testPassword, New: "brand-new-password"}, &me); status != 200 {
		t.Fatalf("change: %d", status)
	}
	if me.CSRFToken == "" || me.CSRFToken == a.csrf {
		t.Fatal("the changing session did not get a new session and CSRF token")
	}
	a.csrf = me.CSRFToken
	if status := a.do("PUT", "/api/v1/shops/"+fmt.Sprint(env.shops["alpha"].ID)+"/status", statusRequest{Status: model.StatusBusy}, nil); status != 200 {
		t.Fatalf("the changing session works on: %d", status)
	}
	if status := b.do("GET", "/api/v1/me", nil, nil); status != 401 {
		t.Fatalf("the other session survived the change: %d", status)
	}
	if status := env.anon().do("POST", "/api/v1/auth/login", loginRequest{Login: "alpha-agent", Password: testPassword}, nil); status != 401 {
		t.Fatalf("old password still works: %d", status)
	}
	if status := env.anon().do("POST", "/api/v1/auth/login", loginRequest{Login: "alpha-agent", Password: "brand-new-password"}, nil); status != 200 {
		t.Fatalf("new password: %d", status)
	}
}

type inviteAnswer struct {
	Bound         bool           `json:"bound"`
	Member        memberJSON     `json:"member"`
	Invitation    invitationJSON `json:"invitation"`
	InvitationURL string         `json:"invitation_url"`
}

func TestInvitationFlow(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	members := fmt.Sprintf("/api/v1/shops/%d/members", alpha)

	var inv inviteAnswer
	if status := admin.do("POST", members, memberAddRequest{Login: " Newbie@Example.com ", Role: auth.RoleSupervisor}, &inv); status != 201 {
		t.Fatalf("invite: %d", status)
	}
	token, ok := strings.CutPrefix(inv.InvitationURL, "http://xiaoer.test/invite#")
	if inv.Bound || !ok || token == "" || inv.Invitation.Login != "newbie@example.com" || inv.Invitation.Role != auth.RoleSupervisor ||
		inv.Invitation.ID != auth.HashToken(token) {
		t.Fatalf("invitation answer %+v", inv)
	}
	var list struct{ Items []invitationJSON }
	admin.do("GET", fmt.Sprintf("/api/v1/shops/%d/invitations", alpha), nil, &list)
	if len(list.Items) != 1 || list.Items[0] != inv.Invitation {
		t.Fatalf("open invitations %+v", list.Items)
	}

	anon := env.anon()
	var shown map[string]any
	if status := anon.do("GET", "/api/v1/invitations/"+token, nil, &shown); status != 200 ||
		shown["shop_name"] != "alpha" || shown["role"] != auth.RoleSupervisor || shown["login"] != "newbie@example.com" {
		t.Fatalf("GET invitation: %d %v", status, shown)
	}
	if status, raw := anon.raw("GET", "/api/v1/invitations/not-a-token", nil); status != 404 || decodeError(t, raw).Code != "not_found" {
		t.Fatalf("unknown token: %d %s", status, raw)
	}

	refusals := []struct {
		name   string
		body   acceptRequest
		status int
		code   string
		field  string
	}{
		{"bad username", acceptRequest{Username: "-x", Password: "newbie-password"}, 400, "bad_field", "username"},
		{"weak password", acceptRequest{Username: "newbie", Password: "short"}, 400, "weak_password", "password"},
		{"taken username", acceptRequest{Username: "alpha-agent", Password: "newbie-password"}, 409, "taken", "username"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := forT(t, env).anon().raw("POST", "/api/v1/invitations/"+token+"/accept", tt.body)
			if e := decodeError(t, raw); status != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s", status, raw)
			}
			if status := anon.do("GET", "/api/v1/invitations/"+token, nil, nil); status != 200 {
				t.Fatal("a refused acceptance used up the invitation")
			}
		})
	}

	newbie := env.anon()
	var me meJSON
	if status := newbie.do("POST", "/api/v1/invitations/"+token+"/accept", acceptRequest{Username: "newbie", Password: "newbie-password", DisplayName: "小新"}, &me); status != 200 {
		t.Fatalf("accept: %d", status)
	}
	if me.Account.Username != "newbie" || me.Account.Email != "newbie@example.com" || me.Account.DisplayName != "小新" ||
		len(me.Shops) != 1 || me.Shops[0].ID != alpha || me.Shops[0].Role != auth.RoleSupervisor {
		t.Fatalf("accept answer %+v", me)
	}
	newbie.csrf = me.CSRFToken
	if status := newbie.do("GET", fmt.Sprintf("/api/v1/shops/%d/conversations", alpha), nil, nil); status != 200 {
		t.Fatalf("the new member reads the shop's conversations: %d", status)
	}
	if status := env.anon().do("POST", "/api/v1/auth/login", loginRequest{Login: "newbie@example.com", Password: "newbie-password"}, nil); status != 200 {
		t.Fatalf("login by the invited email: %d", status)
	}
	if status, raw := env.anon().raw("POST", "/api/v1/invitations/"+token+"/accept", acceptRequest{Username: "newbie2", Password: "newbie-password"}); status != 404 {
		t.Fatalf("reused invitation: %d %s", status, raw)
	}
	if status := anon.do("GET", "/api/v1/invitations/"+token, nil, nil); status != 404 {
		t.Fatalf("GET a used invitation: %d", status)
	}
	admin.do("GET", fmt.Sprintf("/api/v1/shops/%d/invitations", alpha), nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("used invitation still listed: %+v", list.Items)
	}

	// A phone number becomes the account's phone.
	admin.do("POST", members, memberAddRequest{Login: "+8613800000000", Role: auth.RoleAgent}, &inv)
	token = strings.TrimPrefix(inv.InvitationURL, "http://xiaoer.test/invite#")
	if status := env.anon().do("POST", "/api/v1/invitations/"+token+"/accept", acceptRequest{Username: "phoneuser", Password: "phone-password"}, &me); status != 200 || me.Account.Phone != "+8613800000000" {
		t.Fatalf("accept by phone: %d %+v", status, me.Account)
	}

	// A withdrawn invitation is gone.
	admin.do("POST", members, memberAddRequest{Login: "later@example.com", Role: auth.RoleAgent}, &inv)
	token = strings.TrimPrefix(inv.InvitationURL, "http://xiaoer.test/invite#")
	if status := admin.do("DELETE", fmt.Sprintf("/api/v1/shops/%d/invitations/%s", alpha, inv.Invitation.ID), nil, nil); status != 204 {
		t.Fatalf("withdraw: %d", status)
	}
	if status := anon.do("GET", "/api/v1/invitations/"+token, nil, nil); status != 404 {
		t.Fatalf("withdrawn invitation: %d", status)
	}
	if status := admin.do("DELETE", fmt.Sprintf("/api/v1/shops/%d/invitations/%s", alpha, inv.Invitation.ID), nil, nil); status != 404 {
		t.Fatalf("withdraw twice: %d", status)
	}
}

func TestMemberAddExistingAccount(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	members := fmt.Sprintf("/api/v1/shops/%d/members", alpha)
	if _, err := env.db.CreateAccount(t.Context(), model.Account{Username: "zed", Email: "zed@example.com", DisplayName: "Zed"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		body   memberAddRequest
		status int
		code   string
		field  string
		bound  string
	}{
		{"by username", memberAddRequest{Login: "beta-agent", Role: auth.RoleAgent}, 201, "", "", "beta-agent"},
		{"by email in any case", memberAddRequest{Login: " ZED@example.COM", Role: auth.RoleAgent}, 201, "", "", "zed"},
		{"already a member", memberAddRequest{Login: "alpha-agent", Role: auth.RoleAgent}, 409, "already_member", "", ""},
		{"no login", memberAddRequest{Login: " ", Role: auth.RoleAgent}, 400, "bad_field", "login", ""},
		{"unknown role", memberAddRequest{Login: "beta-owner", Role: "wizard"}, 400, "bad_role", "role", ""},
		{"no role", memberAddRequest{Login: "beta-owner"}, 400, "bad_role", "role", ""},
		{"admin makes an owner", memberAddRequest{Login: "beta-owner", Role: auth.RoleOwner}, 403, "forbidden", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := forT(t, env).login("alpha-admin").raw("POST", members, tt.body)
			if status != tt.status {
				t.Fatalf("got %d %s, want %d", status, raw, tt.status)
			}
			if tt.code != "" {
				if e := decodeError(t, raw); e.Code != tt.code || e.Field != tt.field {
					t.Fatalf("got %s, want %s field %q", raw, tt.code, tt.field)
				}
				return
			}
			var ans inviteAnswer
			if err := json.Unmarshal(raw, &ans); err != nil {
				t.Fatal(err)
			}
			if !ans.Bound || ans.Member.Account.Username != tt.bound || ans.Member.Role != tt.body.Role || ans.InvitationURL != "" {
				t.Fatalf("answer %s", raw)
			}
		})
	}
	// Bound at once: beta's agent now works in alpha too.
	if status := env.login("beta-agent").do("GET", fmt.Sprintf("/api/v1/shops/%d/conversations", alpha), nil, nil); status != 200 {
		t.Fatalf("bound account reads alpha: %d", status)
	}
	var list struct{ Items []memberJSON }
	admin.do("GET", members, nil, &list)
	if len(list.Items) != 6 {
		t.Fatalf("alpha has %d members, want 4 + 2 bound", len(list.Items))
	}
}

// closedWith reads from ws until it closes and returns the close error.
func closedWith(t *testing.T, ws *wsClient) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := ws.conn.Read(ctx); err != nil {
			return err
		}
	}
}

// TestEndedSessionClosesSockets: a workbench socket lives no longer than
// the session that opened it. Logging out, or changing the password (which
// ends every session of the account), closes the account's sockets with
// 4003, while other accounts' sockets stay open.
func TestEndedSessionClosesSockets(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	open := func(c *client) *wsClient {
		t.Helper()
		ws, _, err := c.dialAgent(alpha)
		if err != nil {
			t.Fatal(err)
		}
		ws.until("welcome")
		return ws
	}
	sup := open(env.login("alpha-supervisor"))

	leaving := env.login("alpha-agent")
	ws := open(leaving)
	if status := leaving.do("POST", "/api/v1/auth/logout", nil, nil); status != 204 {
		t.Fatalf("logout: %d", status)
	}
	if err := closedWith(t, ws); !strings.Contains(err.Error(), "4003") {
		t.Fatalf("socket after logout closed with %v, want 4003", err)
	}

	stolen := env.login("alpha-agent")
	ws = open(stolen)
	owner := env.login("alpha-agent")
	if status := owner.do("PUT", "/api/v1/me/password", passwordRequest{Current: testPassword, New: "brand-new-password"}, nil); status != 200 {
		t.Fatalf("password change: %d", status)
	}
	if err := closedWith(t, ws); !strings.Contains(err.Error(), "4003") {
		t.Fatalf("socket of an ended session closed with %v, want 4003", err)
	}

	sup.send(map[string]any{"type": "ping"})
	if f := sup.until("pong"); f["type"] != "pong" {
		t.Fatalf("another account's socket: %v", f)
	}
}
