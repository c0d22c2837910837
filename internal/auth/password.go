package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// ErrWeakPassword is returned for a password that is too short or too long.
var ErrWeakPassword = errors.New("password must be 8 to 72 bytes")

// HashPassword hashes a password with bcrypt at the given cost.
func HashPassword(password string, cost int) (string, error) {
	if utf8.RuneCountInString(password) < MinPasswordLength || len(password) > 72 {
		return "", ErrWeakPassword
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash. An empty hash (an
// account that never set a password) matches nothing.
func CheckPassword(hash, password string) bool {
	if hash == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHashes are compared against when a login names no account, one per
// bcrypt cost, so that the answer takes as long as for a wrong password and
// does not reveal which logins exist. A hash at a lower cost than the
// accounts' would answer a missing login hundreds of times faster.
var dummyHashes struct {
	mu sync.Mutex
	m  map[int][]byte
}

// dummyHash returns the dummy hash at cost, made on first use.
func dummyHash(cost int) []byte {
	cost = min(max(cost, bcrypt.MinCost), bcrypt.MaxCost)
	dummyHashes.mu.Lock()
	defer dummyHashes.mu.Unlock()
	if h, ok := dummyHashes.m[cost]; ok {
		return h
	}
	h, err := bcrypt.GenerateFromPassword([]byte("xiaoer-dummy-password"), cost)
	if err != nil {
		panic("auth: dummy hash: " + err.Error()) // only fails for a bad cost, clamped above
	}
	if dummyHashes.m == nil {
		dummyHashes.m = map[int][]byte{}
	}
	dummyHashes.m[cost] = h
	return h
}

// SpendPasswordTime does the work of a password check for a missing
// account, at the bcrypt cost the accounts' passwords are hashed with.
func SpendPasswordTime(password string, cost int) {
	_ = bcrypt.CompareHashAndPassword(dummyHash(cost), []byte(password))
}

// NewToken returns a random URL-safe token of 32 bytes of entropy.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the SHA-256 of a token, hex-encoded: what is stored for
// session, invitation and setup tokens.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
