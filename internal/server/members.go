package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	router "github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// invitationTTL is how long an invitation link stays valid.
const invitationTTL = 7 * 24 * time.Hour

type memberJSON struct {
	Account  accountJSON `json:"account"`
	Role     string      `json:"role"`
	Status   string      `json:"status"`
	MaxChats int         `json:"max_chats"`
	Since    time.Time   `json:"since"`
}

func newMemberJSON(m model.Member) memberJSON {
	return memberJSON{Account: newAccountJSON(m.Account), Role: m.Role, Status: string(m.Status), MaxChats: m.MaxChats, Since: m.CreatedAt.UTC()}
}

// memberList lists the shop's members (agents see it to pick a colleague
// to transfer to).
func (s *Server) memberList(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.store.ListMembers(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	// Colleagues' contact details are for those who manage people; an agent
	// picking someone to transfer to sees names and status only.
	private := !stateOf(r).perms.Has(auth.AgentsManage)
	out := make([]memberJSON, 0, len(ms))
	for _, m := range ms {
		mj := newMemberJSON(m)
		if private && m.AccountID != stateOf(r).account.ID {
			mj.Account.Email, mj.Account.Phone = "", ""
		}
		out = append(out, mj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type memberAddRequest struct {
	Login string `json:"login"` // username, phone or email
	Role  string `json:"role"`
}

// memberAdd binds an account to the shop: an existing account at once,
// otherwise through an invitation link for the person to set a password.
func (s *Server) memberAdd(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req memberAddRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	login := auth.NormalizeLogin(req.Login)
	if login == "" || len(login) > 200 {
		return badRequest("bad_field", "login", "enter a username, phone or email")
	}
	if err := s.checkGrantableRole(r, st, req.Role); err != nil {
		return err
	}
	acct, err := s.store.GetAccountByLogin(r.Context(), login)
	switch {
	case err == nil:
		err := s.store.AddMember(r.Context(), model.Membership{ShopID: st.shop.ID, AccountID: acct.ID, Role: req.Role})
		if errors.Is(err, store.ErrConflict) {
			return errConflict("already_member", "this account is already a member")
		}
		if err != nil {
			return err
		}
		s.audit(r, st.shop.ID, st.account.ID, "member.add", acct.Username, "role "+req.Role)
		m, err := s.store.GetMember(r.Context(), st.shop.ID, acct.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{"bound": true, "member": newMemberJSON(m)})
		return nil
	case errors.Is(err, store.ErrNotFound):
		token := auth.NewToken()
		now := s.now().Truncate(time.Millisecond) // as stored, so this answer and the list agree
		inv := store.Invitation{TokenHash: auth.HashToken(token), ShopID: st.shop.ID, Role: req.Role, Login: login,
			CreatedBy: st.account.ID, CreatedAt: now, ExpiresAt: now.Add(invitationTTL)}
		if err := s.store.CreateInvitation(r.Context(), inv); err != nil {
			return err
		}
		s.audit(r, st.shop.ID, st.account.ID, "invitation.create", login, "role "+req.Role)
		writeJSON(w, http.StatusCreated, map[string]any{"bound": false, "invitation": newInvitationJSON(inv),
			"invitation_url": s.opts.BaseURL + "/invite#" + token})
		return nil
	default:
		return err
	}
}

// checkGrantableRole refuses unknown roles and roles granting a permission
// the caller does not hold, and lets only an owner make owners.
func (s *Server) checkGrantableRole(r *http.Request, st *requestState, role string) error {
	if role == auth.RoleOwner && st.member.Role != auth.RoleOwner {
		return errForbidden("only an owner can make an owner")
	}
	ps, err := permissionsOf(r.Context(), s.store, st.shop.ID, role)
	if errors.Is(err, store.ErrNotFound) {
		return badRequest("bad_role", "role", fmt.Sprintf("no role named %q", role))
	}
	if err != nil {
		return err
	}
	// Nobody grants what they do not hold themselves: a member who manages
	// agents with a custom role cannot make anyone (or themselves) an admin.
	for _, p := range ps.List() {
		if !st.perms.Has(p) {
			return errForbidden(fmt.Sprintf("you cannot grant %s", p))
		}
	}
	return nil
}

type memberUpdateRequest struct {
	Role     *string `json:"role"`
	MaxChats *int    `json:"max_chats"`
}

// memberUpdate changes a member's role or conversation cap. Only an owner
// touches an owner, and the last owner stays an owner.
func (s *Server) memberUpdate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	target, err := s.targetMember(r, st)
	if err != nil {
		return err
	}
	var req memberUpdateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Role != nil && *req.Role != target.Role {
		if err := s.checkGrantableRole(r, st, *req.Role); err != nil {
			return err
		}
		if err := s.keepAnOwner(r, st.shop.ID, target); err != nil {
			return err
		}
		target.Role = *req.Role
	}
	if req.MaxChats != nil {
		if *req.MaxChats < 1 || *req.MaxChats > 200 {
			return badRequest("bad_field", "max_chats", "max_chats must be between 1 and 200")
		}
		target.MaxChats = *req.MaxChats
	}
	if err := s.store.UpdateMember(r.Context(), target.Membership); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "member.update", target.Account.Username,
		fmt.Sprintf("role %s, max_chats %d", target.Role, target.MaxChats))
	s.chat.PublishMember(r.Context(), st.shop.ID, target.AccountID)
	writeJSON(w, http.StatusOK, newMemberJSON(target))
	return nil
}

// memberRemove ends a membership at once: the person's requests and sockets
// for this shop stop working, and their conversations go back to the queue.
func (s *Server) memberRemove(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	target, err := s.targetMember(r, st)
	if err != nil {
		return err
	}
	if err := s.keepAnOwner(r, st.shop.ID, target); err != nil {
		return err
	}
	if err := s.store.RemoveMember(r.Context(), st.shop.ID, target.AccountID); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "member.remove", target.Account.Username, "")
	s.chat.PublishMember(r.Context(), st.shop.ID, target.AccountID)
	if err := s.requeueAgent(r, st.shop.ID, target.AccountID, st.account.ID, "agent_removed"); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// targetMember reads the {account} member of the path; an admin may not act
// on an owner.
func (s *Server) targetMember(r *http.Request, st *requestState) (model.Member, error) {
	id, err := pathID(r, "account")
	if err != nil {
		return model.Member{}, err
	}
	target, err := s.store.GetMember(r.Context(), st.shop.ID, id)
	if err != nil {
		return target, err
	}
	if target.Role == auth.RoleOwner && st.member.Role != auth.RoleOwner {
		return target, errForbidden("only an owner can change an owner")
	}
	// Nor may anyone change or remove a member whose role grants more than
	// their own.
	ps, err := permissionsOf(r.Context(), s.store, st.shop.ID, target.Role)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return target, err
	}
	for _, p := range ps.List() {
		if !st.perms.Has(p) {
			return target, errForbidden("this member's role grants more than yours")
		}
	}
	return target, nil
}

// keepAnOwner refuses to take the owner role from the shop's last owner.
func (s *Server) keepAnOwner(r *http.Request, shopID int64, target model.Member) error {
	if target.Role != auth.RoleOwner {
		return nil
	}
	n, err := s.store.CountMembersWithRole(r.Context(), shopID, auth.RoleOwner)
	if err != nil {
		return err
	}
	if n <= 1 {
		return errConflict("last_owner", "a shop needs at least one owner")
	}
	return nil
}

// requeueAgent puts every conversation an agent holds back in the queue.
func (s *Server) requeueAgent(r *http.Request, shopID, agentID, actorID int64, reason string) error {
	for {
		cs, err := s.store.ListConversations(r.Context(), store.ConversationFilter{ShopID: shopID, AgentID: agentID,
			Owners: []model.Owner{model.OwnerAgent}, Limit: 100})
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			return nil
		}
		for _, c := range cs {
			_, _, err := s.chat.ChangeOwner(r.Context(), store.OwnerChange{ShopID: shopID, ConversationID: c.ID,
				From: model.OwnerAgent, FromAgentID: agentID, To: model.OwnerQueue, GroupID: c.GroupID, ActorID: actorID, Reason: reason})
			if err != nil && !errors.Is(err, store.ErrStale) {
				return err
			}
		}
	}
}

type statusRequest struct {
	Status model.AgentStatus `json:"status"`
}

// memberSetStatus sets the caller's own status in the shop.
func (s *Server) memberSetStatus(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req statusRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if !req.Status.Valid() {
		return badRequest("bad_field", "status", "status must be online, busy, away or offline")
	}
	if err := s.store.SetAgentStatus(r.Context(), st.shop.ID, st.account.ID, req.Status); err != nil {
		return err
	}
	// The status is saved; what follows is its consequence, logged rather
	// than failing a change that has been made.
	if req.Status == model.StatusOffline {
		// What they got and have not answered goes to someone who is there.
		if _, err := s.route.AgentOffline(r.Context(), st.shop.ID, st.account.ID, st.account.ID, router.ReasonAgentOffline); err != nil {
			s.log.Error("requeue an agent's unanswered conversations", "shop", st.shop.ID, "agent", st.account.ID, "err", err)
		}
	} else if err := s.presence.Claim(r.Context(), st.shop.ID, st.account.ID); err != nil {
		// Available without a workbench open anywhere lasts the grace period.
		s.log.Error("agent presence: claim", "shop", st.shop.ID, "agent", st.account.ID, "err", err)
	}
	s.chat.PublishMember(r.Context(), st.shop.ID, st.account.ID)
	writeJSON(w, http.StatusOK, map[string]string{"status": string(req.Status)})
	return nil
}
