package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
)

// ErrBadIdentity is returned for a visitor token or buyer signature that does
// not verify.
var ErrBadIdentity = errors.New("identity does not verify")

// Identities signs and checks visitor tokens with the server's secret key.
type Identities struct {
	key []byte
}

// NewIdentities makes an Identities with the server's secret key.
func NewIdentities(secretKey string) *Identities { return &Identities{key: []byte(secretKey)} }

// VisitorToken returns the token an anonymous visitor's widget keeps: it
// names the shop and the visitor and is signed, so a visitor cannot claim
// another's conversation by guessing an id.
func (ids *Identities) VisitorToken(shopID int64, visitorID string) string {
	payload := "v1." + strconv.FormatInt(shopID, 10) + "." + visitorID
	return payload + "." + ids.sign(payload)
}

// CheckVisitorToken returns the visitor id of a token issued for the shop.
func (ids *Identities) CheckVisitorToken(shopID int64, token string) (string, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", ErrBadIdentity
	}
	payload, sig := token[:i], token[i+1:]
	if !hmac.Equal([]byte(sig), []byte(ids.sign(payload))) {
		return "", ErrBadIdentity
	}
	parts := strings.SplitN(payload, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" || parts[1] != strconv.FormatInt(shopID, 10) || parts[2] == "" {
		return "", ErrBadIdentity
	}
	return parts[2], nil
}

func (ids *Identities) sign(payload string) string {
	mac := hmac.New(sha256.New, ids.key)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// BuyerSignature is what the merchant's site computes for a logged-in buyer:
// hex(HMAC-SHA256(shop identity secret, buyer id)), as Chatwoot's identity
// validation does. The widget passes the buyer id with it.
func BuyerSignature(shopSecret, buyerID string) string {
	mac := hmac.New(sha256.New, []byte(shopSecret))
	mac.Write([]byte(buyerID))
	return hex.EncodeToString(mac.Sum(nil))
}

// CheckBuyerSignature reports whether sig is the shop's signature of buyerID.
func CheckBuyerSignature(shopSecret, buyerID, sig string) error {
	if shopSecret == "" || buyerID == "" {
		return ErrBadIdentity
	}
	want := BuyerSignature(shopSecret, buyerID)
	if !hmac.Equal([]byte(strings.ToLower(sig)), []byte(want)) {
		return ErrBadIdentity
	}
	return nil
}
