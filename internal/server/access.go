package server

import (
	"context"
	"net/http"
	"slices"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// requestState is what the middleware learned about the caller.
type requestState struct {
	session store.Session
	account model.Account
	// Set when the route names a shop the caller is a member of.
	shop   model.Shop
	member model.Member
	perms  auth.Set
	groups []int64
}

type stateKey struct{}

func stateOf(r *http.Request) *requestState {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	return st
}

func withState(r *http.Request, st *requestState) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
}

// canSee says whether a member may see a conversation: everything with
// read-all; otherwise what is assigned to them and what waits in the queue
// of one of their groups (or of no group).
func canSee(perms auth.Set, accountID int64, groups []int64, c model.Conversation) bool {
	if perms.Has(auth.ConversationsReadAll) {
		return true
	}
	if !perms.Has(auth.ConversationsReadAssigned) {
		return false
	}
	if c.AgentID == accountID && c.Owner == model.OwnerAgent {
		return true
	}
	return c.Owner == model.OwnerQueue && (c.GroupID == 0 || slices.Contains(groups, c.GroupID))
}

// permissionsOf resolves a member's role to its permissions: built-in roles
// from auth, custom roles from the shop's stored roles.
func permissionsOf(ctx context.Context, st store.Store, shopID int64, role string) (auth.Set, error) {
	if auth.IsBuiltinRole(role) {
		return auth.NewSet(auth.BuiltinPermissions(role)), nil
	}
	r, err := st.GetRole(ctx, shopID, role)
	if err != nil {
		return nil, err
	}
	perms := make([]auth.Permission, len(r.Permissions))
	for i, p := range r.Permissions {
		perms[i] = auth.Permission(p)
	}
	return auth.NewSet(perms), nil
}
