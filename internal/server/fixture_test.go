package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// fixtures makes fresh objects for API tests: each call gives a new
// conversation, member, invitation, role or group with a unique name, so a
// test that changes or deletes one never disturbs another.
type fixtures struct {
	env *testEnv
	n   int
}

func newFixtures(env *testEnv) *fixtures { return &fixtures{env: env} }

// unique returns prefix followed by a number not used before in this test.
func (f *fixtures) unique(prefix string) string {
	f.n++
	return fmt.Sprintf("%s%d", prefix, f.n)
}

// forT returns a copy of the environment whose helpers report to t, so
// that login, do and raw fail the subtest that calls them.
func forT(t *testing.T, env *testEnv) *testEnv {
	e := *env
	e.t = t
	return &e
}

// conversation opens a conversation in shop with one buyer message and
// moves it to owner: bot, queue (of group, 0 for none), agent (assigned to
// agentID) or closed.
func (f *fixtures) conversation(t *testing.T, shop string, owner model.Owner, agentID, group int64) model.Conversation {
	t.Helper()
	ctx := context.Background()
	shopID := f.env.shops[shop].ID
	b, err := f.env.db.EnsureVisitor(ctx, shopID, f.unique("visitor-"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.env.db.CreateConversation(ctx, shopID, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.env.srv.chat.Post(ctx, chat.Post{ShopID: shopID, ConversationID: c.ID, Sender: model.SenderBuyer,
		SenderID: b.ID, ClientID: "b1", Body: "我要转人工"}); err != nil {
		t.Fatal(err)
	}
	move := func(to model.Owner, agent, grp int64, reason string) {
		t.Helper()
		c, _, err = f.env.srv.chat.ChangeOwner(ctx, store.OwnerChange{ShopID: shopID, ConversationID: c.ID, From: c.Owner,
			FromAgentID: c.AgentID, To: to, AgentID: agent, GroupID: grp, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
	}
	switch owner {
	case model.OwnerBot:
	case model.OwnerQueue:
		move(model.OwnerQueue, 0, group, "handoff")
	case model.OwnerAgent:
		move(model.OwnerQueue, 0, group, "handoff")
		move(model.OwnerAgent, agentID, group, "assigned")
	case model.OwnerClosed:
		move(model.OwnerClosed, 0, 0, "closed_by_agent")
	default:
		t.Fatalf("fixture: unknown owner %q", owner)
	}
	return c
}

// member makes a new account with testPassword and adds it to shop with role.
func (f *fixtures) member(t *testing.T, shop, role string) model.Account {
	t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(testPassword, 4)
	if err != nil {
		t.Fatal(err)
	}
	name := f.unique(shop + "-m")
	a, err := f.env.db.CreateAccount(ctx, model.Account{Username: name, DisplayName: name, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.env.db.AddMember(ctx, model.Membership{ShopID: f.env.shops[shop].ID, AccountID: a.ID, Role: role}); err != nil {
		t.Fatal(err)
	}
	return a
}

// invitation stores an open invitation to shop and returns its token and
// its id (the token's hash).
func (f *fixtures) invitation(t *testing.T, shop, role string) (token, id string) {
	t.Helper()
	token = f.unique("invite-token-")
	now := time.Now()
	err := f.env.db.CreateInvitation(context.Background(), store.Invitation{TokenHash: auth.HashToken(token),
		ShopID: f.env.shops[shop].ID, Role: role, Login: f.unique("invitee") + "@example.com",
		CreatedBy: f.env.accts[shop+"-owner"].ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return token, auth.HashToken(token)
}

// role stores a new custom role of shop with perms and returns its name.
func (f *fixtures) role(t *testing.T, shop string, perms ...auth.Permission) string {
	t.Helper()
	name := f.unique("role-")
	var ps []string
	for _, p := range perms {
		ps = append(ps, string(p))
	}
	if err := f.env.db.PutRole(context.Background(), store.Role{ShopID: f.env.shops[shop].ID, Name: name, Permissions: ps}); err != nil {
		t.Fatal(err)
	}
	return name
}

// group stores a new agent group of shop with the given members.
func (f *fixtures) group(t *testing.T, shop string, members ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	shopID := f.env.shops[shop].ID
	g, err := f.env.db.CreateGroup(ctx, store.Group{ShopID: shopID, Name: f.unique("group-")})
	if err != nil {
		t.Fatal(err)
	}
	if len(members) > 0 {
		if err := f.env.db.SetGroupMembers(ctx, shopID, g.ID, members); err != nil {
			t.Fatal(err)
		}
	}
	return g.ID
}

// apiError is the API's error shape as a client reads it.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func decodeError(t *testing.T, raw []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("error body %q is not the error shape: %v", raw, err)
	}
	return e
}

// send is raw with control over the request: edit may change headers
// before it is sent. It returns the whole response with its body read.
func (c *client) send(method, path, body string, edit func(*http.Request)) (*http.Response, []byte) {
	c.env.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.env.http.URL+path, rd)
	if err != nil {
		c.env.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.env.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// dialStatus opens a WebSocket on path with the client's cookies and closes
// it at once. It returns 101 when the upgrade succeeded, otherwise the HTTP
// status and the error body.
func (c *client) dialStatus(path string) (int, []byte) {
	c.env.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hdr := http.Header{}
	for _, ck := range c.http.Jar.Cookies(mustURL(c.env.http.URL)) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.env.http.URL, "http")+path, &websocket.DialOptions{HTTPHeader: hdr})
	if err == nil {
		conn.CloseNow()
		return resp.StatusCode, nil
	}
	if resp == nil {
		c.env.t.Fatalf("dial %s: %v", path, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// snapshot describes everything an API request could change in both shops,
// plus whether c's session still works, as a string to compare.
func (f *fixtures) snapshot(t *testing.T, c *client) string {
	t.Helper()
	ctx := context.Background()
	db := f.env.db
	type shopState struct {
		Shop          model.Shop
		Members       []model.Member
		Roles         []store.Role
		Groups        []store.Group
		Invitations   []store.Invitation
		Audit         []model.AuditEntry
		Conversations []model.Conversation
		KB            string
		Notify        string
	}
	var out struct {
		Shops    map[string]shopState
		Accounts []model.Account
		Setup    string
		Me       int
	}
	out.Shops = map[string]shopState{}
	for slug, sh := range f.env.shops {
		var s shopState
		var err error
		if s.Shop, err = db.GetShop(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		if s.Members, err = db.ListMembers(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		if s.Roles, err = db.ListRoles(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		if s.Groups, err = db.ListGroups(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		if s.Invitations, err = db.ListInvitations(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		if s.Audit, err = db.ListAudit(ctx, sh.ID, 0, 500); err != nil {
			t.Fatal(err)
		}
		if s.Conversations, err = db.ListConversations(ctx, store.ConversationFilter{ShopID: sh.ID, Limit: 500}); err != nil {
			t.Fatal(err)
		}
		s.KB = kbSnapshot(t, db, sh.ID)
		s.Notify = notifySnapshot(t, db, sh.ID)
		out.Shops[slug] = s
	}
	for _, m := range out.Shops["alpha"].Members {
		out.Accounts = append(out.Accounts, m.Account)
	}
	out.Setup, _ = db.GetSetting(ctx, SetupTokenSetting)
	out.Me = c.do("GET", "/api/v1/me", nil, nil)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
