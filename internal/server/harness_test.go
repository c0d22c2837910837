package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testPassword is every test account's password.
const testPassword = "test-password"

// testEnv is a running server on a fresh SQLite database with two shops,
// "alpha" and "beta", each with one account per built-in role named
// <shop>-<role> (alpha-owner, beta-agent, ...).
type testEnv struct {
	t     *testing.T
	db    *store.DB
	srv   *Server
	http  *httptest.Server
	shops map[string]model.Shop
	accts map[string]model.Account
}

func newTestEnv(t *testing.T, mods ...func(*Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: t.TempDir() + "/test.db"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	broker := bus.NewLocal()
	h := hub.New()
	broker.Subscribe(h.Handle)
	packs, err := kb.LoadPacks(os.DirFS("../kb/testdata/packs"))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Store: db, Chat: chat.New(chat.Options{Store: db, Bus: broker}), Bus: broker, Hub: h,
		KB:         kb.New(kb.Options{Store: db, Bus: broker, Packs: packs}),
		Identities: auth.NewIdentities(strings.Repeat("k", 32)), BcryptCost: 4, FrameRate: 1000, BaseURL: "http://xiaoer.test",
		UploadDir: t.TempDir(), BackupDir: t.TempDir()}
	for _, mod := range mods {
		mod(&opts)
	}
	srv := New(opts)
	env := &testEnv{t: t, db: db, srv: srv, http: httptest.NewServer(srv), shops: map[string]model.Shop{}, accts: map[string]model.Account{}}
	t.Cleanup(func() {
		srv.Drain()
		env.http.Close()
		srv.WaitSockets()
		db.Close()
	})
	hash, err := auth.HashPassword(testPassword, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"alpha", "beta"} {
		shop, err := db.CreateShop(ctx, model.Shop{Slug: slug, Name: slug, Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: slug + "-secret"})
		if err != nil {
			t.Fatal(err)
		}
		env.shops[slug] = shop
		for _, role := range auth.BuiltinRoles() {
			name := slug + "-" + role
			a, err := db.CreateAccount(ctx, model.Account{Username: name, DisplayName: name, PasswordHash: hash})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.AddMember(ctx, model.Membership{ShopID: shop.ID, AccountID: a.ID, Role: role}); err != nil {
				t.Fatal(err)
			}
			env.accts[name] = a
		}
	}
	return env
}

// client is an HTTP client with its own cookies and CSRF token.
type client struct {
	env  *testEnv
	http *http.Client
	csrf string
}

// anon returns a client that is not logged in.
func (env *testEnv) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{env: env, http: &http.Client{Jar: jar}}
}

// login returns a client logged in as username.
func (env *testEnv) login(username string) *client {
	env.t.Helper()
	c := env.anon()
	var me meJSON
	if status := c.do("POST", "/api/v1/auth/login", loginRequest{Login: username, Password: testPassword}, &me); status != 200 {
		env.t.Fatalf("login %s: status %d", username, status)
	}
	c.csrf = me.CSRFToken
	return c
}

// do sends a JSON request and decodes a JSON answer into out (when not
// nil); it returns the status.
func (c *client) do(method, path string, body, out any) int {
	c.env.t.Helper()
	status, raw := c.raw(method, path, body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.env.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return status
}

// raw sends a request and returns the status and body.
func (c *client) raw(method, path string, body any) (int, []byte) {
	c.env.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.env.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.env.http.URL+path, rd)
	if err != nil {
		c.env.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.env.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// wsClient is a test WebSocket client that decodes frames into maps.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// dialBuyer opens a buyer socket and sends hello with the given fields.
func (env *testEnv) dialBuyer(hello map[string]any) *wsClient {
	env.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(env.http.URL, "http")+"/ws/buyer", nil)
	if err != nil {
		env.t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	ws := &wsClient{t: env.t, conn: conn}
	env.t.Cleanup(func() { conn.CloseNow() })
	hello["type"] = "hello"
	ws.send(hello)
	return ws
}

// dialAgent opens an agent socket for shop with the client's session.
func (c *client) dialAgent(shopID int64) (*wsClient, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(c.env.http.URL, "http") + fmt.Sprintf("/ws/agent?shop=%d", shopID)
	hdr := http.Header{}
	for _, ck := range c.http.Jar.Cookies(mustURL(c.env.http.URL)) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		return nil, resp, err
	}
	conn.SetReadLimit(1 << 20)
	c.env.t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: c.env.t, conn: conn}, resp, nil
}

func (ws *wsClient) send(frame any) {
	ws.t.Helper()
	b, err := json.Marshal(frame)
	if err != nil {
		ws.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ws.conn.Write(ctx, websocket.MessageText, b); err != nil {
		ws.t.Fatalf("ws write: %v", err)
	}
}

// next reads one frame, failing the test after 5 seconds.
func (ws *wsClient) next() map[string]any {
	ws.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := ws.conn.Read(ctx)
	if err != nil {
		ws.t.Fatalf("ws read: %v", err)
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		ws.t.Fatalf("ws frame %q: %v", b, err)
	}
	return f
}

// until reads frames until one has the given type, returning it.
func (ws *wsClient) until(typ string) map[string]any {
	ws.t.Helper()
	for i := 0; i < 100; i++ {
		if f := ws.next(); f["type"] == typ {
			return f
		}
	}
	ws.t.Fatalf("no %q frame in 100 frames", typ)
	return nil
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}
