package commerce

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// API keys look like xk_<43 characters>; webhook signing secrets like
// xws_<43 characters>. The prefixes make a leaked key easy to recognise
// (and to search for in code).
const (
	keyPrefix    = "xk_"
	secretPrefix = "xws_"
)

// NewKey is a key just made: Key and SigningSecret are shown once and never
// again (only the key's hash is kept).
type NewKey struct {
	APIKey        model.APIKey `json:"-"`
	Key           string       `json:"key"`
	SigningSecret string       `json:"signing_secret"`
}

func randomToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("commerce: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashKey is what is stored of an API key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CreateAPIKey makes a key for the shop's own systems.
func (s *Service) CreateAPIKey(ctx context.Context, shopID int64, name string, createdBy int64) (NewKey, error) {
	return s.InstallAPIKey(ctx, shopID, name, randomToken(keyPrefix), randomToken(secretPrefix), createdBy)
}

// InstallAPIKey stores a given key and signing secret; the demo uses it to
// keep a key it can print at every start.
func (s *Service) InstallAPIKey(ctx context.Context, shopID int64, name, key, signingSecret string, createdBy int64) (NewKey, error) {
	k, err := s.st.CreateAPIKey(ctx, model.APIKey{ShopID: shopID, Name: name, Prefix: key[:min(len(key), 11)],
		Hash: HashKey(key), SigningSecret: signingSecret, CreatedBy: createdBy})
	if err != nil {
		return NewKey{}, err
	}
	return NewKey{APIKey: k, Key: key, SigningSecret: signingSecret}, nil
}

// Authenticate finds the working key a request presents.
func (s *Service) Authenticate(ctx context.Context, key string) (model.APIKey, error) {
	if !strings.HasPrefix(key, keyPrefix) || len(key) > 200 {
		return model.APIKey{}, ErrBadKey
	}
	k, err := s.st.APIKeyByHash(ctx, HashKey(key))
	if errors.Is(err, store.ErrNotFound) {
		return k, ErrBadKey
	}
	if err != nil {
		return k, err
	}
	// Best effort: a failed touch must not fail the request.
	if err := s.st.TouchAPIKey(ctx, k.ID, time.Minute); err != nil {
		s.log.Warn("api key touch failed", "key", k.ID, "err", err)
	}
	return k, nil
}
