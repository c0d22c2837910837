package commerce

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Webhook headers. The signature is "sha256=" and the hex HMAC-SHA256, keyed
// with the key's signing secret, of the timestamp (Unix seconds), a dot and
// the raw body.
const (
	HeaderKeyID     = "X-Xiaoer-Key-Id"
	HeaderTimestamp = "X-Xiaoer-Timestamp"
	HeaderSignature = "X-Xiaoer-Signature"
)

// Sign computes the signature header value of a webhook body.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a delivery's key, signature and timestamp and returns
// the key (whose ShopID says whose data it is). It does not yet know if the
// delivery is a replay: Deliver checks that.
func (s *Service) VerifyWebhook(ctx context.Context, keyID, timestamp, signature string, body []byte) (model.APIKey, error) {
	id, err := strconv.ParseInt(keyID, 10, 64)
	if err != nil || id <= 0 {
		return model.APIKey{}, ErrBadKey
	}
	k, err := s.st.GetAPIKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return k, ErrBadKey
	}
	if err != nil {
		return k, err
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return k, ErrBadSignature
	}
	if !hmac.Equal([]byte(strings.ToLower(signature)), []byte(Sign(k.SigningSecret, ts, body))) {
		return k, ErrBadSignature
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d > s.window || d < -s.window {
		return k, ErrStaleRequest
	}
	return k, nil
}

// Delivery is a webhook body: a delivery id the sender makes unique, and
// events of any entities, each applied on its own.
type Delivery struct {
	ID     string          `json:"id"`
	Events []DeliveryEvent `json:"events"`
}

// DeliveryEvent is one record to upsert.
type DeliveryEvent struct {
	Entity Entity          `json:"entity"`
	Data   json.RawMessage `json:"data"`
}

// EventResult is what happened to one event of a delivery.
type EventResult struct {
	Index    int       `json:"index"`
	Entity   Entity    `json:"entity"`
	ID       string    `json:"id,omitempty"`
	Outcome  string    `json:"outcome"` // created, updated, unchanged, deleted or rejected
	Problems []Problem `json:"problems,omitempty"`
}

// Deliver applies a verified delivery: it refuses one whose id or signature
// was seen within the replay window, then applies each valid event and
// reports on every one.
func (s *Service) Deliver(ctx context.Context, shopID int64, signature string, d Delivery) ([]EventResult, error) {
	switch {
	case len(d.Events) == 0:
		return nil, ErrEmptyBatch
	case len(d.Events) > s.maxBatch:
		return nil, fmt.Errorf("%w: %d events, at most %d", ErrBatchTooLarge, len(d.Events), s.maxBatch)
	case len(d.ID) > 200:
		return nil, fmt.Errorf("%w: delivery id over 200 bytes", ErrBadFile)
	}
	nonces := []string{"sig:" + strings.ToLower(signature)}
	if d.ID != "" {
		nonces = append(nonces, "id:"+d.ID)
	}
	if err := s.st.RememberNonces(ctx, shopID, nonces, 2*s.window); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, ErrReplayed
		}
		return nil, err
	}
	out := make([]EventResult, len(d.Events))
	groups := map[Entity][]int{}
	for i, e := range d.Events {
		out[i] = EventResult{Index: i, Entity: e.Entity, Outcome: "rejected"}
		if _, ok := kinds[e.Entity]; !ok {
			out[i].Problems = []Problem{{Item: i, Field: "entity", Code: CodeInvalid, Message: fmt.Sprintf("unknown entity %q", e.Entity)}}
			continue
		}
		groups[e.Entity] = append(groups[e.Entity], i)
	}
	for _, e := range Entities() {
		idx := groups[e]
		if len(idx) == 0 {
			continue
		}
		b := Batch{Entity: e, ApplyValid: true}
		for _, i := range idx {
			b.Records = append(b.Records, d.Events[i].Data)
		}
		rep, err := s.Ingest(ctx, shopID, b)
		if err != nil {
			return nil, err
		}
		for _, r := range rep.Results {
			out[idx[r.Item]].ID, out[idx[r.Item]].Outcome = r.ID, r.Outcome
		}
		for _, p := range rep.Problems {
			p.Item = idx[p.Item]
			out[p.Item].Problems = append(out[p.Item].Problems, p)
		}
	}
	return out, nil
}
