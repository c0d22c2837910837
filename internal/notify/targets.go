package notify

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Channel kinds.
const (
	KindDingTalk = "dingtalk" // DingTalk group robot (钉钉自定义机器人)
	KindWeCom    = "wecom"    // WeCom group robot (企业微信群机器人)
	KindFeishu   = "feishu"   // Feishu custom bot (飞书自定义机器人)
	KindEmail    = "email"    // email over SMTP with STARTTLS
	KindWebhook  = "webhook"  // a plain HTTP endpoint: the notice as signed JSON
)

// ChannelKinds lists the kinds of channels.
var ChannelKinds = []string{KindDingTalk, KindWeCom, KindFeishu, KindEmail, KindWebhook}

// Limits of the configuration the API accepts.
const (
	maxName    = 64
	maxURL     = 2048
	maxSecret  = 256
	maxTargets = 50 // per shop and purpose
	maxRcpt    = 20
)

// targetConfig is the JSON kept in a target's Config. The secret (signing
// secret or SMTP password) is kept apart, in NotifyTarget.Secret.
type targetConfig struct {
	URL   string       `json:"url,omitempty"`
	Email *EmailConfig `json:"email,omitempty"`
}

// EmailConfig is an email channel's server and addresses. The password is
// the channel's secret.
type EmailConfig struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"` // default 587
	Username string   `json:"username,omitempty"`
	From     string   `json:"from"`
	To       []string `json:"to"`
}

func decodeConfig(t store.NotifyTarget) targetConfig {
	var c targetConfig
	_ = json.Unmarshal([]byte(t.Config), &c)
	return c
}

func encodeConfig(c targetConfig) string {
	b, _ := json.Marshal(c)
	return string(b)
}

func decodeEvents(t store.NotifyTarget) []string {
	var out []string
	_ = json.Unmarshal([]byte(t.Events), &out)
	return out
}

// checkName validates a target's name.
func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return badInput("missing_field", "name", "name is required")
	}
	if utf8.RuneCountInString(name) > maxName {
		return badInput("too_long", "name", "name is longer than %d characters", maxName)
	}
	return nil
}

// checkURL validates an endpoint: http or https, a host, no credentials.
// Where it points is checked again when it is dialled.
func checkURL(raw string) error {
	if raw == "" {
		return badInput("missing_field", "url", "url is required")
	}
	if len(raw) > maxURL {
		return badInput("too_long", "url", "url is longer than %d bytes", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badInput("bad_url", "url", "url must be an http or https URL")
	}
	if u.User != nil {
		return badInput("bad_url", "url", "url must not carry a user name or password")
	}
	return nil
}

func checkSecret(s string) error {
	if len(s) > maxSecret {
		return badInput("too_long", "secret", "secret is longer than %d bytes", maxSecret)
	}
	return nil
}

// checkEmail validates an email channel's settings.
func checkEmail(c *EmailConfig) error {
	if c == nil {
		return badInput("missing_field", "email", "an email channel needs its email settings")
	}
	if c.Host == "" || strings.ContainsAny(c.Host, "/:@ ") {
		return badInput("bad_host", "email.host", "email.host must be a host name")
	}
	if c.Port == 0 {
		c.Port = 587
	}
	if c.Port < 1 || c.Port > 65535 {
		return badInput("bad_port", "email.port", "email.port must be 1-65535")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return badInput("bad_address", "email.from", "email.from is not an email address")
	}
	if len(c.To) == 0 || len(c.To) > maxRcpt {
		return badInput("bad_address", "email.to", "email.to needs 1-%d addresses", maxRcpt)
	}
	for i, a := range c.To {
		if _, err := mail.ParseAddress(a); err != nil || strings.ContainsAny(a, "\r\n") {
			return badInput("bad_address", fmt.Sprintf("email.to[%d]", i), "%q is not an email address", a)
		}
	}
	return nil
}

// maskURL shows where a URL points without the credential robots keep in
// it: query values and, for Feishu, the hook token at the end of the path
// keep only their last four characters.
func maskURL(kind, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	q := u.Query()
	for k, vs := range q {
		for i, v := range vs {
			vs[i] = mask(v)
		}
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	if kind == KindFeishu {
		if i := strings.LastIndex(u.Path, "/"); i >= 0 {
			u.Path = u.Path[:i+1] + mask(u.Path[i+1:])
		}
	}
	s, _ := url.PathUnescape(u.String())
	return s
}

func mask(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return "****" + s[len(s)-4:]
}

// WebhookEvents lists the events the merchant's systems can subscribe to.
var WebhookEvents = []string{
	"conversation.created", "conversation.handed_off", "conversation.assigned", "conversation.closed",
	"conversation.rated", "message.created", "buyer.tagged",
}

func checkEvents(events []string) error {
	if len(events) == 0 {
		return badInput("missing_field", "events", "choose at least one event: %v", WebhookEvents)
	}
	for i, e := range events {
		if !slices.Contains(WebhookEvents, e) {
			return badInput("unknown_event", fmt.Sprintf("events[%d]", i), "unknown event %q; events are %v", e, WebhookEvents)
		}
	}
	return nil
}
