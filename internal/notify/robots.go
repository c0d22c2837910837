package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// outcome is the result of one send: the remote status and answer, and
// whether (and how) it failed.
type outcome struct {
	status    int
	body      string // the remote answer, clipped
	err       error  // nil: the receiver accepted it
	permanent bool   // trying again cannot help (the channel is set up wrong)
	limited   bool   // the receiver said we send too fast
}

// maxShownAnswer bounds the remote answer kept with a delivery or shown by
// a test send.
const maxShownAnswer = 500

// httpOutcome classifies an HTTP exchange before the platform's own code
// is read: transport errors, timeouts, 408, 429 and 5xx are worth another
// try; any other 4xx is not.
func httpOutcome(a answer, err error) outcome {
	o := outcome{status: a.status, body: clip(strings.ToValidUTF8(string(a.body), ""), maxShownAnswer)}
	switch {
	case err != nil:
		o.err, o.permanent = err, errors.Is(err, ErrForbiddenAddress)
	case a.status == http.StatusTooManyRequests:
		o.err, o.limited = fmt.Errorf("HTTP %d", a.status), true
	case a.status == http.StatusRequestTimeout || a.status >= 500:
		o.err = fmt.Errorf("HTTP %d", a.status)
	case a.status >= 300:
		o.err, o.permanent = fmt.Errorf("HTTP %d", a.status), true
	}
	return o
}

// platformCode reads a robot's answer ({"errcode":0,"errmsg":"ok"} for
// DingTalk and WeCom; {"code":0,"msg":"success"}, or StatusCode in older
// answers, for Feishu) into the outcome: limited are the codes each
// platform gives for sending too fast, retry those worth another try.
func platformCode(o outcome, limited, retry []int) outcome {
	if o.err != nil {
		return o
	}
	var r struct {
		ErrCode    *int   `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
		Code       *int   `json:"code"`
		Msg        string `json:"msg"`
		StatusCode *int   `json:"StatusCode"`
	}
	if err := json.Unmarshal([]byte(o.body), &r); err != nil {
		o.err, o.permanent = fmt.Errorf("answer is not the platform's JSON"), true
		return o
	}
	code, msg := 0, ""
	switch {
	case r.ErrCode != nil:
		code, msg = *r.ErrCode, r.ErrMsg
	case r.Code != nil:
		code, msg = *r.Code, r.Msg
	case r.StatusCode != nil:
		code = *r.StatusCode
	default:
		o.err, o.permanent = fmt.Errorf("answer has no result code"), true
		return o
	}
	if code == 0 {
		return o
	}
	o.err = fmt.Errorf("code %d: %s", code, msg)
	switch {
	case containsInt(limited, code):
		o.limited = true
	case !containsInt(retry, code):
		o.permanent = true
	}
	return o
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Codes the robots answer with when called too often, or when busy.
var (
	dingTalkLimited = []int{130101}
	weComLimited    = []int{45009}
	weComRetry      = []int{-1}
	feishuLimited   = []int{11232, 99991400}
)

// DingTalkSign is the signature of a DingTalk robot call made at ts (Unix
// milliseconds): base64 of HMAC-SHA256 keyed by the secret over
// "ts\nsecret", URL-encoded, as DingTalk's custom robot documentation
// specifies.
func DingTalkSign(secret string, ts int64) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + secret))
	return url.QueryEscape(base64.StdEncoding.EncodeToString(h.Sum(nil)))
}

// FeishuSign is the signature of a Feishu custom bot call made at ts (Unix
// seconds): base64 of HMAC-SHA256 keyed by "ts\nsecret" over nothing, as
// Feishu's custom bot documentation specifies.
func FeishuSign(secret string, ts int64) string {
	h := hmac.New(sha256.New, []byte(strconv.FormatInt(ts, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// sendDingTalk posts a markdown message to a DingTalk group robot, signed
// with timestamp and sign in the query when the robot has a secret.
func (s *Service) sendDingTalk(ctx context.Context, rawURL, secret string, m message) outcome {
	target := rawURL
	if secret != "" {
		ts := s.now().UnixMilli()
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + DingTalkSign(secret, ts)
	}
	body, _ := json.Marshal(map[string]any{"msgtype": "markdown",
		"markdown": map[string]string{"title": m.title, "text": m.markdown("#### ")}})
	a, err := s.client.postJSON(ctx, target, body, nil)
	return platformCode(httpOutcome(a, err), dingTalkLimited, nil)
}

// sendWeCom posts a markdown message to a WeCom group robot (its key is in
// the URL; WeCom robots take no signature).
func (s *Service) sendWeCom(ctx context.Context, rawURL string, m message) outcome {
	body, _ := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": m.markdown("**")}})
	a, err := s.client.postJSON(ctx, rawURL, body, nil)
	return platformCode(httpOutcome(a, err), weComLimited, weComRetry)
}

// sendFeishu posts a rich-text message to a Feishu custom bot, with
// timestamp and sign in the body when the bot has a secret.
func (s *Service) sendFeishu(ctx context.Context, rawURL, secret string, m message) outcome {
	var rows [][]map[string]string
	for _, l := range m.lines {
		rows = append(rows, []map[string]string{{"tag": "text", "text": l}})
	}
	if m.link != "" {
		rows = append(rows, []map[string]string{{"tag": "a", "text": m.linkText, "href": m.link}})
	}
	lang := "zh_cn"
	if m.lang == "en" {
		lang = "en_us"
	}
	msg := map[string]any{"msg_type": "post",
		"content": map[string]any{"post": map[string]any{lang: map[string]any{"title": m.title, "content": rows}}}}
	if secret != "" {
		ts := s.now().Unix()
		msg["timestamp"] = strconv.FormatInt(ts, 10)
		msg["sign"] = FeishuSign(secret, ts)
	}
	body, _ := json.Marshal(msg)
	a, err := s.client.postJSON(ctx, rawURL, body, nil)
	return platformCode(httpOutcome(a, err), feishuLimited, nil)
}

// rateLimits are the messages a minute each kind of target takes: DingTalk
// and WeCom robots take 20, Feishu bots 100; email is held to 30 so a burst
// does not flood inboxes. Webhooks to the merchant's systems have none.
var rateLimits = map[string]int{KindDingTalk: 20, KindWeCom: 20, KindFeishu: 100, KindEmail: 30, KindWebhook: 60}

// rateWindow is the span a rate limit counts in.
const rateWindow = time.Minute
