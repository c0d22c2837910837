package auth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestDummyHashCost: a login naming no account spends the time of a
// password check at the accounts' own bcrypt cost, so how long the answer
// takes does not tell which logins exist.
func TestDummyHashCost(t *testing.T) {
	for _, tc := range []struct{ give, want int }{{4, 4}, {6, 6}, {0, bcrypt.MinCost}} {
		got, err := bcrypt.Cost(dummyHash(tc.give))
		if err != nil || got != tc.want {
			t.Errorf("dummyHash(%d) has cost %d (%v), want %d", tc.give, got, err, tc.want)
		}
	}
	if &dummyHash(5)[0] != &dummyHash(5)[0] {
		t.Error("the dummy hash of a cost is made again on every call")
	}
	hash, err := HashPassword("correct horse", 4)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(string(dummyHash(4)), "xiaoer-dummy-password") {
		t.Error("the dummy hash does not verify its own password: SpendPasswordTime would measure nothing")
	}
	if !CheckPassword(hash, "correct horse") || CheckPassword(hash, "wrong horse") || CheckPassword("", "") {
		t.Error("CheckPassword")
	}
	SpendPasswordTime("anything", 4)
}
