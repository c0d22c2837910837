package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// The roles of the access matrix: no session, the four built-in roles, and
// a custom role made in the test.
const (
	roleAnon   = "anonymous"
	roleCustom = "auditor"
)

var matrixRoles = []string{roleAnon, auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner, roleCustom}

// auditorPerms is the custom role: it reads every conversation and the
// audit log and edits the shop's settings, but neither replies nor manages
// people.
var auditorPerms = []string{string(auth.ConversationsReadAll), string(auth.AuditRead), string(auth.SettingsManage)}

// Sets of roles that the table below names.
var (
	everyone    = matrixRoles
	anyMember   = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner, roleCustom}
	managers    = []string{auth.RoleAdmin, auth.RoleOwner}
	repliers    = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner}
	assigners   = []string{auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner}
	settingsMen = []string{auth.RoleAdmin, auth.RoleOwner, roleCustom}
)

// caller is who makes a matrix request: a role, and the shop whose member
// it is ("" for anonymous).
type caller struct {
	role string
	shop string
	acct model.Account
}

// matrixReq is one concrete request: the path (with the query) and the
// JSON body.
type matrixReq struct {
	path string
	body any
}

// access is the decision for one route: who calls it (checked against the
// route table) and which roles may, in their own shop, with the status of
// an allowed call. A member of another shop gets 404 on every member route;
// a role not allowed gets 403; no session gets 401.
type access struct {
	who   who
	ok    int
	allow []string
	// foreign is what a member of beta gets who names one of alpha's
	// objects (conversation, member, group, ...) in a beta URL; 0 when the
	// path names no object.
	foreign int
	// shopInQuery marks a session route that names its shop in the query
	// (?shop=) and so refuses members of other shops like a member route.
	shopInQuery bool
	// req makes a valid request against objects of alpha (fresh ones where
	// the request changes them) for c, with shop as the path's shop.
	req func(m *matrix, c caller, shop int64) matrixReq
}

// matrix is the state of one access-matrix run.
type matrix struct {
	env *testEnv
	f   *fixtures
}

// agentOf is the shop's built-in agent account whose shop id is shop.
func (m *matrix) agentOf(shop int64) int64 {
	for slug, s := range m.env.shops {
		if s.ID == shop {
			return m.env.accts[slug+"-agent"].ID
		}
	}
	return 0
}

// assignee is the alpha account a conversation of c should be assigned to
// so that c may act on it: c itself when a member of alpha.
func (m *matrix) assignee(c caller) int64 {
	if c.shop == "alpha" {
		return c.acct.ID
	}
	return m.env.accts["alpha-agent"].ID
}

func shopURL(shop int64, rest string) string { return fmt.Sprintf("/api/v1/shops/%d%s", shop, rest) }

func (m *matrix) convURL(t *testing.T, shop int64, owner model.Owner, agent int64, rest string) string {
	c := m.f.conversation(t, "alpha", owner, agent, 0)
	return shopURL(shop, fmt.Sprintf("/conversations/%d%s", c.ID, rest))
}

// accessTable is the permission decision for every route. A route added to
// routes() without a line here fails TestAccessMatrix.
func accessTable(t *testing.T) map[string]access {
	static := func(path string) func(*matrix, caller, int64) matrixReq {
		return func(*matrix, caller, int64) matrixReq { return matrixReq{path: path} }
	}
	inShop := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(_ *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, rest), body: body}
		}
	}
	table := map[string]access{
		"GET /healthz":      {who: public, ok: 200, allow: everyone, req: static("/healthz")},
		"GET /readyz":       {who: public, ok: 200, allow: everyone, req: static("/readyz")},
		"GET /setup":        {who: public, ok: 200, allow: everyone, req: static("/setup")},
		"GET /invite":       {who: public, ok: 200, allow: everyone, req: static("/invite")},
		"GET /pages/{file}": {who: public, ok: 200, allow: everyone, req: static("/pages/setup.js")},

		"GET /api/v1/setup": {who: public, ok: 200, allow: everyone, req: static("/api/v1/setup")},
		"POST /api/v1/setup": {who: public, ok: 200, allow: everyone, req: func(m *matrix, _ caller, _ int64) matrixReq {
			token := m.f.unique("setup-token-")
			if err := m.env.db.PutSetting(t.Context(), SetupTokenSetting, auth.HashToken(token)); err != nil {
				t.Fatal(err)
			}
			return matrixReq{path: "/api/v1/setup", body: setupRequest{Token: token, Username: m.f.unique("founder"),
				Password: testPassword, ShopName: "新店", ShopSlug: m.f.unique("new-shop-")}}
		}},
		"POST /api/v1/auth/login": {who: public, ok: 200, allow: everyone,
			req: func(*matrix, caller, int64) matrixReq {
				return matrixReq{path: "/api/v1/auth/login", body: loginRequest{Login: "alpha-agent", Password: testPassword}}
			}},
		"POST /api/v1/auth/logout": {who: session, ok: 204, allow: anyMember, req: static("/api/v1/auth/logout")},
		"GET /api/v1/me":           {who: session, ok: 200, allow: anyMember, req: static("/api/v1/me")},
		"PUT /api/v1/me/password": {who: session, ok: 200, allow: anyMember, req: func(*matrix, caller, int64) matrixReq {
			return matrixReq{path: "/api/v1/me/password", body: passwordRequest{Current: testPassword, New: testPassword}}
		}},
		"GET /api/v1/permissions": {who: session, ok: 200, allow: anyMember, req: static("/api/v1/permissions")},
		"GET /api/v1/invitations/{token}": {who: public, ok: 200, allow: everyone, req: func(m *matrix, _ caller, _ int64) matrixReq {
			token, _ := m.f.invitation(t, "alpha", auth.RoleAgent)
			return matrixReq{path: "/api/v1/invitations/" + token}
		}},
		"POST /api/v1/invitations/{token}/accept": {who: public, ok: 200, allow: everyone, req: func(m *matrix, _ caller, _ int64) matrixReq {
			token, _ := m.f.invitation(t, "alpha", auth.RoleAgent)
			return matrixReq{path: "/api/v1/invitations/" + token + "/accept",
				body: acceptRequest{Username: m.f.unique("invited"), Password: testPassword}}
		}},

		"GET /api/v1/shops/{shop}":                  {who: member, ok: 200, allow: anyMember, req: inShop("", nil)},
		"PATCH /api/v1/shops/{shop}":                {who: member, ok: 200, allow: settingsMen, req: inShop("", map[string]any{"timezone": "Asia/Shanghai"})},
		"POST /api/v1/shops/{shop}/identity-secret": {who: member, ok: 200, allow: settingsMen, req: inShop("/identity-secret", nil)},

		"GET /api/v1/shops/{shop}/members": {who: member, ok: 200, allow: repliers, req: inShop("/members", nil)},
		"POST /api/v1/shops/{shop}/members": {who: member, ok: 201, allow: managers, req: func(m *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, "/members"), body: memberAddRequest{Login: m.f.unique("new") + "@example.com", Role: auth.RoleAgent}}
		}},
		"PATCH /api/v1/shops/{shop}/members/{account}": {who: member, ok: 200, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				a := m.f.member(t, "alpha", auth.RoleAgent)
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/members/%d", a.ID)), body: map[string]any{"max_chats": 5}}
			}},
		"DELETE /api/v1/shops/{shop}/members/{account}": {who: member, ok: 204, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				a := m.f.member(t, "alpha", auth.RoleAgent)
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/members/%d", a.ID))}
			}},
		"PUT /api/v1/shops/{shop}/status":      {who: member, ok: 200, allow: anyMember, req: inShop("/status", statusRequest{Status: model.StatusOnline})},
		"GET /api/v1/shops/{shop}/invitations": {who: member, ok: 200, allow: managers, req: inShop("/invitations", nil)},
		"DELETE /api/v1/shops/{shop}/invitations/{id}": {who: member, ok: 204, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				_, id := m.f.invitation(t, "alpha", auth.RoleAgent)
				return matrixReq{path: shopURL(shop, "/invitations/"+id)}
			}},
		"GET /api/v1/shops/{shop}/roles": {who: member, ok: 200, allow: managers, req: inShop("/roles", nil)},
		// Naming alpha's role in beta's URL makes a role of that name in beta.
		"PUT /api/v1/shops/{shop}/roles/{name}": {who: member, ok: 200, allow: managers, foreign: 200,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				name := m.f.role(t, "alpha", auth.ReportsRead)
				return matrixReq{path: shopURL(shop, "/roles/"+name), body: rolePutRequest{Permissions: []auth.Permission{auth.ConversationsReadAll}}}
			}},
		"DELETE /api/v1/shops/{shop}/roles/{name}": {who: member, ok: 204, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, "/roles/"+m.f.role(t, "alpha", auth.ReportsRead))}
			}},
		"GET /api/v1/shops/{shop}/groups": {who: member, ok: 200, allow: repliers, req: inShop("/groups", nil)},
		"POST /api/v1/shops/{shop}/groups": {who: member, ok: 201, allow: managers, req: func(m *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, "/groups"), body: groupCreateRequest{Name: m.f.unique("售后")}}
		}},
		"PUT /api/v1/shops/{shop}/groups/{id}/members": {who: member, ok: 204, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				g := m.f.group(t, "alpha")
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/groups/%d/members", g)), body: groupMembersRequest{Members: []int64{m.agentOf(shop)}}}
			}},
		"DELETE /api/v1/shops/{shop}/groups/{id}": {who: member, ok: 204, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/groups/%d", m.f.group(t, "alpha")))}
			}},
		"GET /api/v1/shops/{shop}/audit": {who: member, ok: 200, allow: settingsMen, req: inShop("/audit", nil)},

		"GET /api/v1/shops/{shop}/conversations": {who: member, ok: 200, allow: anyMember, req: inShop("/conversations", nil)},
		"GET /api/v1/shops/{shop}/conversations/{id}": {who: member, ok: 200, allow: anyMember, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "")}
			}},
		"GET /api/v1/shops/{shop}/conversations/{id}/messages": {who: member, ok: 200, allow: anyMember, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "/messages")}
			}},
		"POST /api/v1/shops/{shop}/conversations/{id}/messages": {who: member, ok: 201, allow: repliers, foreign: 404,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerAgent, m.assignee(c), "/messages"),
					body: messageCreateRequest{ClientID: "a1", Body: "您好，请问有什么可以帮您？"}}
			}},
		"GET /api/v1/shops/{shop}/conversations/{id}/events": {who: member, ok: 200, allow: anyMember, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "/events")}
			}},
		"POST /api/v1/shops/{shop}/conversations/{id}/take": {who: member, ok: 200, allow: repliers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "/take")}
			}},
		"POST /api/v1/shops/{shop}/conversations/{id}/assign": {who: member, ok: 200, allow: assigners, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "/assign"), body: assignRequest{AgentID: m.agentOf(shop)}}
			}},
		"POST /api/v1/shops/{shop}/conversations/{id}/release": {who: member, ok: 200, allow: repliers, foreign: 404,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerAgent, m.assignee(c), "/release")}
			}},
		"POST /api/v1/shops/{shop}/conversations/{id}/close": {who: member, ok: 200, allow: repliers, foreign: 404,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerAgent, m.assignee(c), "/close")}
			}},

		"GET /ws/buyer": {who: public, ok: http.StatusSwitchingProtocols, allow: everyone, req: static("/ws/buyer")},
		"GET /ws/agent": {who: session, ok: http.StatusSwitchingProtocols, allow: anyMember, shopInQuery: true,
			req: func(_ *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: fmt.Sprintf("/ws/agent?shop=%d", shop)}
			}},
	}
	maps.Copy(table, kbAccessTable(t))
	maps.Copy(table, commerceAccessTable(t))
	maps.Copy(table, webAccessTable(t))
	maps.Copy(table, statsAccessTable(t))
	maps.Copy(table, notifyAccessTable(t))
	maps.Copy(table, serviceAccessTable(t))
	return table
}

// newMatrix makes the environment of the access matrix: the harness's two
// shops, each with an account holding the custom role.
func newMatrix(t *testing.T) *matrix {
	env := newTestEnv(t)
	m := &matrix{env: env, f: newFixtures(env)}
	hash, err := auth.HashPassword(testPassword, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"alpha", "beta"} {
		shopID := env.shops[slug].ID
		if err := env.db.PutRole(t.Context(), store.Role{ShopID: shopID, Name: roleCustom, Permissions: auditorPerms}); err != nil {
			t.Fatal(err)
		}
		name := slug + "-" + roleCustom
		a, err := env.db.CreateAccount(t.Context(), model.Account{Username: name, DisplayName: name, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.db.AddMember(t.Context(), model.Membership{ShopID: shopID, AccountID: a.ID, Role: roleCustom}); err != nil {
			t.Fatal(err)
		}
		env.accts[name] = a
	}
	return m
}

// client logs c in (or not, for anonymous) as a fresh client reporting to t.
func (m *matrix) client(t *testing.T, c caller) *client {
	env := forT(t, m.env)
	if c.role == roleAnon {
		return env.anon()
	}
	return env.login(c.shop + "-" + c.role)
}

func (m *matrix) caller(shop, role string) caller {
	if role == roleAnon {
		return caller{role: roleAnon}
	}
	return caller{role: role, shop: shop, acct: m.env.accts[shop+"-"+role]}
}

// call makes the request of rt for c and returns the status and body.
func (m *matrix) call(t *testing.T, rt route, a access, c caller, shop int64) (int, []byte) {
	cl := m.client(t, c)
	req := a.req(m, c, shop)
	if strings.HasPrefix(rt.Pattern, "/ws/") {
		return cl.dialStatus(req.path)
	}
	return cl.raw(rt.Method, req.path, req.body)
}

// check compares an answer with the expected status and, for refusals, the
// error code that says why.
func check(t *testing.T, status int, raw []byte, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d; body %s", status, want, raw)
	}
	codes := map[int]string{401: "unauthenticated", 403: "forbidden", 404: "not_found"}
	if code, ok := codes[want]; ok {
		if e := decodeError(t, raw); e.Code != code {
			t.Fatalf("code %q, want %q; body %s", e.Code, code, raw)
		}
	}
	if want >= 200 && want < 300 && want != 204 && len(raw) == 0 {
		t.Fatal("allowed answer has no body")
	}
}

func routeKey(rt route) string { return rt.Method + " " + rt.Pattern }

// TestAccessMatrix walks every route × role × (own shop, another shop): a
// member of alpha and of beta in each role, and no session, call alpha's
// URLs. Each answer must be the handler's success, 401, 403 or 404 exactly
// as the table decides. A route without a decision fails the test.
func TestAccessMatrix(t *testing.T) {
	m := newMatrix(t)
	table := accessTable(t)
	alpha := m.env.shops["alpha"].ID
	beta := m.env.shops["beta"].ID
	seen := map[string]bool{}
	cases := 0
	for _, rt := range m.env.srv.routes() {
		key := routeKey(rt)
		seen[key] = true
		a, ok := table[key]
		if !ok {
			t.Errorf("route %s has no access decision in accessTable: add one", key)
			continue
		}
		if a.who != rt.Who {
			t.Errorf("route %s: the route table says who=%d, the access table %d", key, rt.Who, a.who)
			continue
		}
		t.Run(key, func(t *testing.T) {
			for _, role := range matrixRoles {
				want := a.ok
				switch {
				case slices.Contains(a.allow, role):
				case role == roleAnon:
					want = http.StatusUnauthorized
				default:
					want = http.StatusForbidden
				}
				t.Run("own/"+role, func(t *testing.T) {
					status, raw := m.call(t, rt, a, m.caller("alpha", role), alpha)
					check(t, status, raw, want)
				})
				cases++
				if role == roleAnon {
					continue // no shop of its own
				}
				if a.who == member || a.shopInQuery {
					want = http.StatusNotFound
				}
				t.Run("other/"+role, func(t *testing.T) {
					status, raw := m.call(t, rt, a, m.caller("beta", role), alpha)
					check(t, status, raw, want)
				})
				cases++
			}
			if a.foreign != 0 {
				t.Run("foreign-object/owner", func(t *testing.T) {
					status, raw := m.call(t, rt, a, m.caller("beta", auth.RoleOwner), beta)
					check(t, status, raw, a.foreign)
				})
				cases++
			}
		})
		if a.who == member && strings.Count(rt.Pattern, "{") > 1 && a.foreign == 0 {
			t.Errorf("route %s names an object: decide what beta gets for alpha's object (foreign)", key)
		}
	}
	for key := range table {
		if !seen[key] {
			t.Errorf("accessTable has %s, which is not a route", key)
		}
	}
	t.Logf("%d routes, %d calls", len(seen), cases)
}

// TestCSRFRequired sends every state-changing request of a logged-in
// account without the X-CSRF-Token header and with another session's
// token: each is refused with 403 and changes nothing. The same request
// with the right token then succeeds and does change something, which
// shows the comparison would have seen a change.
func TestCSRFRequired(t *testing.T) {
	m := newMatrix(t)
	table := accessTable(t)
	alpha := m.env.shops["alpha"].ID
	other := m.client(t, m.caller("alpha", auth.RoleAdmin))
	n := 0
	for _, rt := range m.env.srv.routes() {
		// API-key and webhook routes take no cookie, so they need no CSRF token.
		if rt.Who == public || rt.Who == apikey || rt.Who == signed || rt.Method == http.MethodGet || rt.Method == http.MethodHead {
			continue
		}
		a, ok := table[routeKey(rt)]
		if !ok {
			t.Errorf("route %s has no access decision", routeKey(rt))
			continue
		}
		n++
		t.Run(routeKey(rt), func(t *testing.T) {
			c := m.caller("alpha", auth.RoleOwner)
			cl := m.client(t, c)
			req := a.req(m, c, alpha)
			body, isRaw := req.body.(string)
			if req.body != nil && !isRaw {
				b, _ := json.Marshal(req.body)
				body = string(b)
			}
			before := m.f.snapshot(t, cl)
			for name, token := range map[string]string{"missing": "", "wrong": other.csrf, "garbage": "x"} {
				resp, raw := cl.send(rt.Method, req.path, body, func(r *http.Request) {
					r.Header.Del("X-CSRF-Token")
					if token != "" {
						r.Header.Set("X-CSRF-Token", token)
					}
				})
				if resp.StatusCode != http.StatusForbidden || decodeError(t, raw).Code != "forbidden" {
					t.Fatalf("%s token: status %d %s, want 403 forbidden", name, resp.StatusCode, raw)
				}
				if after := m.f.snapshot(t, cl); after != before {
					t.Fatalf("%s token: refused request changed state:\nbefore %s\nafter  %s", name, before, after)
				}
			}
			resp, raw := cl.send(rt.Method, req.path, body, nil)
			if resp.StatusCode != a.ok {
				t.Fatalf("with the token: status %d %s, want %d", resp.StatusCode, raw, a.ok)
			}
			if readOnlyPosts[routeKey(rt)] {
				return
			}
			if m.f.snapshot(t, cl) == before {
				t.Fatal("the allowed request changed nothing the snapshot sees: the CSRF check above proves nothing")
			}
		})
	}
	if n < 15 {
		t.Fatalf("only %d state-changing routes checked", n)
	}
}
