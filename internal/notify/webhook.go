package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Headers of every webhook xiaoer sends (to the merchant's systems and to
// plain webhook channels). Verify a call by computing
// hex(HMAC-SHA256(secret, timestamp + "." + body)) and comparing it with
// the signature after "v1=", and refuse timestamps more than five minutes
// away from your clock.
const (
	HeaderEvent     = "X-Xiaoer-Event"     // the event type
	HeaderEventID   = "X-Xiaoer-Event-Id"  // the event id (also "id" in the body): de-duplicate on it
	HeaderDelivery  = "X-Xiaoer-Delivery"  // the delivery's id in the console
	HeaderTimestamp = "X-Xiaoer-Timestamp" // Unix seconds when this try was signed
	HeaderSignature = "X-Xiaoer-Signature" // "v1=" and the hex signature
)

// WebhookSignature is the signature of a webhook body sent at ts (Unix
// seconds): hex of HMAC-SHA256 keyed by the secret over ts "." body.
func WebhookSignature(secret string, ts int64, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	h.Write(body)
	return "v1=" + hex.EncodeToString(h.Sum(nil))
}

// postSigned posts a signed webhook body; any 2xx answer accepts it.
func (s *Service) postSigned(ctx context.Context, url, secret, typ, eventID string, delivery int64, body []byte) outcome {
	ts := s.now().Unix()
	h := http.Header{}
	h.Set(HeaderEvent, typ)
	h.Set(HeaderEventID, eventID)
	if delivery != 0 {
		h.Set(HeaderDelivery, strconv.FormatInt(delivery, 10))
	}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	if secret != "" {
		h.Set(HeaderSignature, WebhookSignature(secret, ts, body))
	}
	a, err := s.client.postJSON(ctx, url, body, h)
	return httpOutcome(a, err)
}

// ChannelPayload is the JSON body a plain webhook channel gets: the
// message as people read it, and the notices it tells of.
type ChannelPayload struct {
	Version   int       `json:"version"`
	ID        string    `json:"id"`   // the event id; for a summary, the first notice's
	Type      string    `json:"type"` // "notice", "summary" or "test"
	Event     string    `json:"event,omitempty"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	Link      string    `json:"link,omitempty"`
	Notices   []Notice  `json:"notices,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// sendPlain posts a message to a plain webhook channel.
func (s *Service) sendPlain(ctx context.Context, url, secret string, delivery int64, m message) outcome {
	typ := "notice"
	if m.event == "summary" || m.event == "test" {
		typ = m.event
	}
	p := ChannelPayload{Version: PayloadVersion, ID: m.eventID, Type: typ, Title: m.title, Text: m.plain(), Link: m.link,
		Notices: m.notices, CreatedAt: s.now().UTC()}
	if typ == "notice" {
		p.Event = m.event
	}
	if len(m.notices) > 0 {
		p.CreatedAt = m.notices[0].At // the same body on every retry
	}
	body, _ := json.Marshal(p)
	return s.postSigned(ctx, url, secret, "notice."+m.event, m.eventID, delivery, body)
}
