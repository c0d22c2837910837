package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/demo"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// agentSession is a demo agent logged in over HTTP.
type agentSession struct {
	t      *testing.T
	base   string
	http   *http.Client
	csrf   string
	shopID int64
}

func loginAgent(t *testing.T, base, login string) *agentSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &agentSession{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var session struct {
		CSRFToken string `json:"csrf_token"`
		Shops     []struct {
			ID int64 `json:"id"`
		} `json:"shops"`
	}
	post(t, a.http, base+"/api/v1/auth/login", "", map[string]string{"login": login, "password": demo.Password}, &session)
	if len(session.Shops) == 0 {
		t.Fatalf("%s is in no shop", login)
	}
	a.csrf, a.shopID = session.CSRFToken, session.Shops[0].ID
	return a
}

// setStatus sets the agent's own status.
func (a *agentSession) setStatus(s model.AgentStatus) {
	a.t.Helper()
	b, _ := json.Marshal(map[string]string{"status": string(s)})
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/shops/%d/status", a.base, a.shopID), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", a.csrf)
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		a.t.Fatalf("set status %s: %d", s, resp.StatusCode)
	}
}

// status is the agent's status in the shop as the server says, or "" when
// it does not answer.
func (a *agentSession) status() string {
	resp, err := a.http.Get(a.base + "/api/v1/me")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var me struct {
		Shops []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"shops"`
	}
	if json.NewDecoder(resp.Body).Decode(&me) != nil {
		return ""
	}
	for _, s := range me.Shops {
		if s.ID == a.shopID {
			return s.Status
		}
	}
	return ""
}

// dial opens the agent's workbench socket and reads its welcome.
func (a *agentSession) dial(ctx context.Context) *websocket.Conn {
	a.t.Helper()
	hdr := http.Header{}
	for _, ck := range a.http.Jar.Cookies(mustParse(a.base)) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	u := "ws" + strings.TrimPrefix(a.base, "http") + fmt.Sprintf("/ws/agent?shop=%d", a.shopID)
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		a.t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	if _, _, err := conn.Read(ctx); err != nil {
		a.t.Fatalf("welcome: %v", err)
	}
	return conn
}

// TestKillNodeAgentOffline kills, without warning, the node an agent is
// online on with the workbench open: nothing closes the socket properly and
// nothing says goodbye. A new node on the same data (another process, so
// another node name) must not keep the agent online forever: once the dead
// node's lease has run out, its sweep sets the agent offline.
func TestKillNodeAgentOffline(t *testing.T) {
	bin := xiaoerBinary(t)
	dir, addr := t.TempDir(), mustFreeAddr(t)
	flags := []string{"--presence-grace", "1s", "--presence-lease", "3s"}
	srv := startServer(t, bin, dir, addr, flags...)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	mei := loginAgent(t, srv.url, "xiaomei")
	mei.setStatus(model.StatusOnline)
	conn := mei.dial(ctx)
	defer conn.CloseNow()
	if got := mei.status(); got != "online" {
		t.Fatalf("before the kill the agent is %q, want online", got)
	}
	if err := srv.stop(syscall.SIGKILL); err == nil {
		t.Fatal("the server exited cleanly after SIGKILL")
	}

	// The dead node left the agent online, with a lease that nobody will
	// renew or cut.
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.GetMember(ctx, mei.shopID, meiID(t, db, mei.shopID))
	if err != nil {
		t.Fatal(err)
	}
	leases, err := db.ListLeases(ctx, mei.shopID, m.AccountID)
	db.Close()
	if err != nil || m.Status != model.StatusOnline || len(leases) != 1 {
		t.Fatalf("after the kill: status %s, leases %+v (%v); want online with the dead node's lease", m.Status, leases, err)
	}

	srv = startServer(t, bin, dir, addr, flags...)
	for mei.status() != "offline" {
		if ctx.Err() != nil {
			t.Fatalf("the agent is still %q on the new node: the dead node's lease was never swept", mei.status())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, srv.log.String())
	}
	db, err = store.Open(ctx, store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if leases, err := db.ListLeases(ctx, mei.shopID, m.AccountID); err != nil || len(leases) != 0 {
		t.Fatalf("leases after the sweep: %+v (%v), want none", leases, err)
	}
}

// meiID is the demo agent xiaomei's account id.
func meiID(t *testing.T, db *store.DB, shopID int64) int64 {
	t.Helper()
	ms, err := db.ListMembers(t.Context(), shopID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Account.Username == "xiaomei" {
			return m.AccountID
		}
	}
	t.Fatal("no xiaomei in the demo shop")
	return 0
}

func mustParse(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}
