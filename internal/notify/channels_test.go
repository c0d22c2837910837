package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// hmacSHA256 is the tests' own HMAC, so that no signature is checked with
// the code that made it.
func hmacSHA256(key, msg string) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// TestChannelRequests hands a conversation over with each kind of channel
// set up to receive the handoff, and checks the exact request the
// channel's receiver gets: path, query, signature and body, with each
// signature computed here as the platform documents it.
func TestChannelRequests(t *testing.T) {
	t.Parallel()
	const secret = "SEC-0123456789abcdef"
	link := func(e *env, c int64) string {
		return fmt.Sprintf("https://cs.example.com/desk?shop=%d#conversation=%d", e.shop.ID, c)
	}
	for _, tt := range []struct {
		name, kind, path, secret, answer string
		check                            func(t *testing.T, e *env, r request, conv int64)
	}{
		{name: "dingtalk signed", kind: KindDingTalk, path: "/robot/send?access_token=tok123", secret: secret,
			answer: `{"errcode":0,"errmsg":"ok"}`,
			check: func(t *testing.T, e *env, r request, conv int64) {
				ts := strconv.FormatInt(epoch.UnixMilli(), 10)
				sign := base64.StdEncoding.EncodeToString(hmacSHA256(secret, ts+"\n"+secret))
				want := "access_token=tok123&timestamp=" + ts + "&sign=" + url.QueryEscape(sign)
				if r.Path != "/robot/send" || r.Raw != want {
					t.Errorf("request %s?%s, want /robot/send?%s", r.Path, r.Raw, want)
				}
				body(t, r, map[string]any{"msgtype": "markdown", "markdown": map[string]any{"title": "机器人转人工",
					"text": "#### 机器人转人工\n\n买家：小王\n\n原因：买家要求人工\n\n提醒：ann\n\n[打开会话](" + link(e, conv) + ")"}})
			}},
		{name: "dingtalk unsigned", kind: KindDingTalk, path: "/robot/send?access_token=tok123",
			answer: `{"errcode":0,"errmsg":"ok"}`,
			check: func(t *testing.T, e *env, r request, conv int64) {
				if r.Raw != "access_token=tok123" {
					t.Errorf("query %q: an unsigned robot gets no timestamp or sign", r.Raw)
				}
			}},
		{name: "wecom", kind: KindWeCom, path: "/cgi-bin/webhook/send?key=k-1", answer: `{"errcode":0,"errmsg":"ok"}`,
			check: func(t *testing.T, e *env, r request, conv int64) {
				if r.Path != "/cgi-bin/webhook/send" || r.Raw != "key=k-1" {
					t.Errorf("request %s?%s", r.Path, r.Raw)
				}
				body(t, r, map[string]any{"msgtype": "markdown", "markdown": map[string]any{
					"content": "**机器人转人工**\n\n买家：小王\n\n原因：买家要求人工\n\n提醒：ann\n\n[打开会话](" + link(e, conv) + ")"}})
			}},
		{name: "feishu signed", kind: KindFeishu, path: "/open-apis/bot/v2/hook/hook-uuid", secret: secret,
			answer: `{"code":0,"data":{},"msg":"success"}`,
			check: func(t *testing.T, e *env, r request, conv int64) {
				ts := strconv.FormatInt(epoch.Unix(), 10)
				// Feishu keys the HMAC with "timestamp\nsecret" and signs nothing.
				sign := base64.StdEncoding.EncodeToString(hmacSHA256(ts+"\n"+secret, ""))
				text := func(s string) []any { return []any{map[string]any{"tag": "text", "text": s}} }
				body(t, r, map[string]any{"timestamp": ts, "sign": sign, "msg_type": "post", "content": map[string]any{
					"post": map[string]any{"zh_cn": map[string]any{"title": "机器人转人工", "content": []any{
						text("买家：小王"), text("原因：买家要求人工"), text("提醒：ann"),
						[]any{map[string]any{"tag": "a", "text": "打开会话", "href": link(e, conv)}}}}}}})
			}},
		{name: "plain webhook signed", kind: KindWebhook, path: "/hooks/cs", secret: secret, answer: `ok`,
			check: func(t *testing.T, e *env, r request, conv int64) {
				ts := strconv.FormatInt(epoch.Unix(), 10)
				ds := e.deliveries()
				wantHeaders := map[string]string{HeaderEvent: "notice.handoff", HeaderEventID: ds[0].EventID,
					HeaderDelivery: strconv.FormatInt(ds[0].ID, 10), HeaderTimestamp: ts,
					HeaderSignature: "v1=" + hex.EncodeToString(hmacSHA256(secret, ts+"."+string(r.Body))),
					"Content-Type":  "application/json; charset=utf-8"}
				for k, v := range wantHeaders {
					if got := r.Header.Get(k); got != v {
						t.Errorf("header %s = %q, want %q", k, got, v)
					}
				}
				l := link(e, conv)
				body(t, r, map[string]any{"version": 1.0, "id": ds[0].EventID, "type": "notice", "event": "handoff",
					"title": "机器人转人工", "text": "机器人转人工\n买家：小王\n原因：买家要求人工\n提醒：ann\n打开会话: " + l, "link": l,
					"created_at": epoch.Format("2006-01-02T15:04:05Z"),
					"notices": []any{map[string]any{"event": "handoff", "conversation_id": float64(conv), "buyer_id": float64(buyerOf(t, e, conv)),
						"buyer": "小王", "reason": "human_request", "agents": []any{"ann"}, "lang": "zh-CN", "link": l,
						"at": epoch.Format("2006-01-02T15:04:05Z")}}})
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			rc := newReceiver(t, func(int, request) (int, string) { return 200, tt.answer })
			ch := e.channel(tt.kind, rc.URL+tt.path, tt.secret)
			e.prefs(0, pushOnly(EventHandoff, ch.ID))
			c := e.handoff(e.conversation("小王"))
			e.step()
			got := rc.requests()
			if len(got) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(got))
			}
			if got[0].Method != "POST" {
				t.Errorf("method %s", got[0].Method)
			}
			tt.check(t, e, got[0], c.ID)
			ds := e.deliveries()
			if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered || ds[0].Attempts != 1 || ds[0].LastStatus != 200 {
				t.Errorf("deliveries %+v, want one delivered at the first try", ds)
			}
		})
	}
}

// body compares a request's JSON body with want.
func body(t *testing.T, r request, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("body mismatch (-want +got):\n%s", d)
	}
}

func buyerOf(t *testing.T, e *env, conv int64) int64 {
	c, err := e.db.GetConversation(e.ctx, e.shop.ID, conv)
	if err != nil {
		t.Fatal(err)
	}
	return c.BuyerID
}

// TestRobotErrors checks how each robot's answer is read: its own code for
// "too fast" keeps the delivery for later, a wrong signature or keyword
// fails it at once, and the console sees the answer without the URL's
// credential.
func TestRobotErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, kind, answer string
		status             int
		want               string // delivery status after one try
	}{
		{"dingtalk too fast", KindDingTalk, `{"errcode":130101,"errmsg":"send too fast"}`, 200, store.DeliveryPending},
		{"dingtalk bad sign", KindDingTalk, `{"errcode":310000,"errmsg":"sign not match"}`, 200, store.DeliveryFailed},
		{"wecom too fast", KindWeCom, `{"errcode":45009,"errmsg":"api freq out of limit"}`, 200, store.DeliveryPending},
		{"wecom busy", KindWeCom, `{"errcode":-1,"errmsg":"system busy"}`, 200, store.DeliveryPending},
		{"wecom bad key", KindWeCom, `{"errcode":93000,"errmsg":"invalid webhook url"}`, 200, store.DeliveryFailed},
		{"feishu too fast", KindFeishu, `{"code":11232,"msg":"frequency limited"}`, 200, store.DeliveryPending},
		{"feishu old answer", KindFeishu, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`, 200, store.DeliveryDelivered},
		{"feishu bad sign", KindFeishu, `{"code":19021,"msg":"sign match fail"}`, 200, store.DeliveryFailed},
		{"http 429", KindWeCom, `slow down`, 429, store.DeliveryPending},
		{"http 404", KindDingTalk, `not found`, 404, store.DeliveryFailed},
		{"not json", KindDingTalk, `<html>`, 200, store.DeliveryFailed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			rc := newReceiver(t, func(int, request) (int, string) { return tt.status, tt.answer })
			ch := e.channel(tt.kind, rc.URL+"/hook/secret-token?access_token=secret-token", "")
			e.prefs(0, pushOnly(EventHandoff, ch.ID))
			e.handoff(e.conversation("小王"))
			e.step()
			ds := e.deliveries()
			if len(ds) != 1 || ds[0].Status != tt.want {
				t.Fatalf("deliveries %+v, want one %s", ds, tt.want)
			}
			if tt.want != store.DeliveryDelivered && !strings.Contains(ds[0].LastError, strings.TrimSpace(tt.answer)) {
				t.Errorf("last error %q does not show the answer %q", ds[0].LastError, tt.answer)
			}
			if strings.Contains(ds[0].LastError, "secret-token") {
				t.Errorf("last error %q shows the URL's credential", ds[0].LastError)
			}
		})
	}
}

// TestMaskedURL: the API never shows a robot's credential.
func TestMaskedURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ kind, in, want string }{
		{KindDingTalk, "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456", "https://oapi.dingtalk.com/robot/send?access_token=****3456"},
		{KindWeCom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****7xxx"},
		{KindFeishu, "https://open.feishu.cn/open-apis/bot/v2/hook/db264cc8-856d", "https://open.feishu.cn/open-apis/bot/v2/hook/****856d"},
		{KindWebhook, "https://erp.example.com/in?t=ab", "https://erp.example.com/in?t=****"},
	} {
		if got := maskURL(tt.kind, tt.in); got != tt.want {
			t.Errorf("maskURL(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
