package auth

import (
	"errors"
	"regexp"
	"strings"
)

var (
	usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,31}$`)
	slugPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	rolePattern     = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,31}$`)
)

// Errors for names a person chose.
var (
	ErrBadUsername = errors.New("username must be 2-32 letters, digits, '.', '_' or '-', starting with a letter or digit")
	ErrBadSlug     = errors.New("shop slug must be 2-40 lowercase letters, digits or '-'")
	ErrBadRoleName = errors.New("role name must be 2-32 lowercase letters, digits, '_' or '-', starting with a letter")
)

// CheckUsername validates a username.
func CheckUsername(s string) error {
	if !usernamePattern.MatchString(s) {
		return ErrBadUsername
	}
	return nil
}

// CheckSlug validates a shop slug.
func CheckSlug(s string) error {
	if !slugPattern.MatchString(s) {
		return ErrBadSlug
	}
	return nil
}

// CheckRoleName validates a custom role name; built-in names are refused.
func CheckRoleName(s string) error {
	if !rolePattern.MatchString(s) || IsBuiltinRole(s) {
		return ErrBadRoleName
	}
	return nil
}

// NormalizeLogin trims a login (username, email or phone) and lower-cases
// emails, so the same person is found however they type it.
func NormalizeLogin(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		return strings.ToLower(s)
	}
	return s
}
