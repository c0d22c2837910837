package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func testMembers(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	ann, bob, cat := e.account("ann"), e.account("bob"), e.account("cat")

	checkErr(t, "AddMember defaults", e.s.AddMember(e.ctx, model.Membership{ShopID: a.ID, AccountID: ann.ID, Role: "owner"}), nil)
	checkErr(t, "AddMember", e.s.AddMember(e.ctx, model.Membership{ShopID: a.ID, AccountID: bob.ID, Role: "agent",
		Status: model.StatusOnline, MaxChats: 3}), nil)
	checkErr(t, "AddMember other shop", e.s.AddMember(e.ctx, model.Membership{ShopID: b.ID, AccountID: ann.ID, Role: "agent"}), nil)

	annA := model.Member{Membership: model.Membership{ShopID: a.ID, AccountID: ann.ID, Role: "owner",
		Status: model.StatusOffline, MaxChats: 10, CreatedAt: e.now()}, Account: ann}
	bobA := model.Member{Membership: model.Membership{ShopID: a.ID, AccountID: bob.ID, Role: "agent",
		Status: model.StatusOnline, MaxChats: 3, CreatedAt: e.now()}, Account: bob}
	annB := model.Member{Membership: model.Membership{ShopID: b.ID, AccountID: ann.ID, Role: "agent",
		Status: model.StatusOffline, MaxChats: 10, CreatedAt: e.now()}, Account: ann}

	add := []struct {
		name string
		m    model.Membership
		want error
	}{
		{"again", model.Membership{ShopID: a.ID, AccountID: ann.ID, Role: "agent"}, store.ErrConflict},
		{"missing account", model.Membership{ShopID: a.ID, AccountID: cat.ID + 100, Role: "agent"}, store.ErrNotFound},
		{"missing shop", model.Membership{ShopID: b.ID + 100, AccountID: cat.ID, Role: "agent"}, store.ErrNotFound},
	}
	for _, tt := range add {
		t.Run("AddMember/"+tt.name, func(t *testing.T) { checkErr(t, "AddMember", e.s.AddMember(e.ctx, tt.m), tt.want) })
	}

	got, err := e.s.GetMember(e.ctx, a.ID, ann.ID)
	checkErr(t, "GetMember", err, nil)
	diff(t, "GetMember", annA, got)
	_, err = e.s.GetMember(e.ctx, a.ID, cat.ID)
	checkErr(t, "GetMember of a non-member", err, store.ErrNotFound)

	list, err := e.s.ListMembers(e.ctx, a.ID)
	checkErr(t, "ListMembers", err, nil)
	diff(t, "ListMembers(a)", []model.Member{annA, bobA}, list)
	list, err = e.s.ListMembers(e.ctx, b.ID)
	checkErr(t, "ListMembers", err, nil)
	diff(t, "ListMembers(b)", []model.Member{annB}, list)

	list, err = e.s.ListMemberships(e.ctx, ann.ID)
	checkErr(t, "ListMemberships", err, nil)
	diff(t, "ListMemberships(ann)", []model.Member{annA, annB}, list)
	list, err = e.s.ListMemberships(e.ctx, cat.ID)
	checkErr(t, "ListMemberships", err, nil)
	if len(list) != 0 {
		t.Errorf("ListMemberships(cat) = %v, want none", list)
	}

	t.Run("UpdateMember", func(t *testing.T) {
		checkErr(t, "UpdateMember", e.s.UpdateMember(e.ctx, model.Membership{ShopID: a.ID, AccountID: bob.ID,
			Role: "supervisor", MaxChats: 5}), nil)
		got, err := e.s.GetMember(e.ctx, a.ID, bob.ID)
		checkErr(t, "GetMember", err, nil)
		want := bobA
		want.Role, want.MaxChats = "supervisor", 5
		diff(t, "member after UpdateMember", want, got)
		checkErr(t, "UpdateMember non-member", e.s.UpdateMember(e.ctx, model.Membership{ShopID: a.ID,
			AccountID: cat.ID, Role: "agent"}), store.ErrNotFound)
	})

	t.Run("SetAgentStatus", func(t *testing.T) {
		for _, st := range []model.AgentStatus{model.StatusBusy, model.StatusAway, model.StatusOnline} {
			checkErr(t, "SetAgentStatus", e.s.SetAgentStatus(e.ctx, a.ID, ann.ID, st), nil)
			got, err := e.s.GetMember(e.ctx, a.ID, ann.ID)
			checkErr(t, "GetMember", err, nil)
			if got.Status != st {
				t.Errorf("status = %s, want %s", got.Status, st)
			}
		}
		// The status belongs to the membership, not the account.
		other, err := e.s.GetMember(e.ctx, b.ID, ann.ID)
		checkErr(t, "GetMember", err, nil)
		if other.Status != model.StatusOffline {
			t.Errorf("status in the other shop = %s, want offline", other.Status)
		}
		checkErr(t, "SetAgentStatus non-member", e.s.SetAgentStatus(e.ctx, a.ID, cat.ID, model.StatusOnline), store.ErrNotFound)
	})

	t.Run("CountMembersWithRole", func(t *testing.T) {
		tests := []struct {
			shop int64
			role string
			want int
		}{
			{a.ID, "owner", 1}, {a.ID, "supervisor", 1}, {a.ID, "agent", 0}, {b.ID, "agent", 1}, {b.ID, "owner", 0},
		}
		for _, tt := range tests {
			n, err := e.s.CountMembersWithRole(e.ctx, tt.shop, tt.role)
			checkErr(t, "CountMembersWithRole", err, nil)
			if n != tt.want {
				t.Errorf("CountMembersWithRole(%d, %s) = %d, want %d", tt.shop, tt.role, n, tt.want)
			}
		}
	})

	t.Run("RemoveMember", func(t *testing.T) {
		e := e.in(t)
		e.member(b.ID, bob.ID, "agent")
		ga, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: a.ID, Name: "pre-sales"})
		checkErr(t, "CreateGroup", err, nil)
		gb, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: b.ID, Name: "pre-sales"})
		checkErr(t, "CreateGroup", err, nil)
		checkErr(t, "SetGroupMembers", e.s.SetGroupMembers(e.ctx, a.ID, ga.ID, []int64{bob.ID}), nil)
		checkErr(t, "SetGroupMembers", e.s.SetGroupMembers(e.ctx, b.ID, gb.ID, []int64{bob.ID}), nil)

		checkErr(t, "RemoveMember", e.s.RemoveMember(e.ctx, a.ID, bob.ID), nil)
		_, err = e.s.GetMember(e.ctx, a.ID, bob.ID)
		checkErr(t, "GetMember after RemoveMember", err, store.ErrNotFound)
		checkErr(t, "RemoveMember again", e.s.RemoveMember(e.ctx, a.ID, bob.ID), store.ErrNotFound)
		groups, err := e.s.MemberGroups(e.ctx, a.ID, bob.ID)
		checkErr(t, "MemberGroups", err, nil)
		if len(groups) != 0 {
			t.Errorf("groups in the shop left = %v, want none", groups)
		}
		groups, err = e.s.MemberGroups(e.ctx, b.ID, bob.ID)
		checkErr(t, "MemberGroups", err, nil)
		diff(t, "groups in the other shop", []int64{gb.ID}, groups)
		if _, err := e.s.GetAccount(e.ctx, bob.ID); err != nil {
			t.Errorf("the account must outlive its membership: %v", err)
		}
	})
}

// testMemberIsolation checks that no member operation reaches an account
// through a shop it is not a member of.
func testMemberIsolation(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	bob := e.agent(a.ID, "bob")
	before, err := e.s.GetMember(e.ctx, a.ID, bob.ID)
	checkErr(t, "GetMember", err, nil)

	tests := []struct {
		name string
		err  func() error
	}{
		{"GetMember", func() error { _, err := e.s.GetMember(e.ctx, b.ID, bob.ID); return err }},
		{"UpdateMember", func() error {
			return e.s.UpdateMember(e.ctx, model.Membership{ShopID: b.ID, AccountID: bob.ID, Role: "owner", MaxChats: 1})
		}},
		{"SetAgentStatus", func() error { return e.s.SetAgentStatus(e.ctx, b.ID, bob.ID, model.StatusBusy) }},
		{"RemoveMember", func() error { return e.s.RemoveMember(e.ctx, b.ID, bob.ID) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.name+" through another shop", tt.err(), store.ErrNotFound) })
	}
	after, err := e.s.GetMember(e.ctx, a.ID, bob.ID)
	checkErr(t, "GetMember", err, nil)
	diff(t, "membership after refused calls", before, after)
}

func testRoles(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	presale := store.Role{ShopID: a.ID, Name: "presale-售前", Permissions: []string{"conversations.read_assigned", "kb.manage"}}
	checkErr(t, "PutRole", e.s.PutRole(e.ctx, presale), nil)
	got, err := e.s.GetRole(e.ctx, a.ID, "presale-售前")
	checkErr(t, "GetRole", err, nil)
	diff(t, "GetRole", presale, got)

	presale.Permissions = []string{"reports.read"}
	checkErr(t, "PutRole replace", e.s.PutRole(e.ctx, presale), nil)
	got, err = e.s.GetRole(e.ctx, a.ID, "presale-售前")
	checkErr(t, "GetRole", err, nil)
	diff(t, "GetRole after replace", presale, got)

	auditor := store.Role{ShopID: a.ID, Name: "auditor"}
	checkErr(t, "PutRole without permissions", e.s.PutRole(e.ctx, auditor), nil)
	other := store.Role{ShopID: b.ID, Name: "qa", Permissions: []string{"reports.read"}}
	checkErr(t, "PutRole other shop", e.s.PutRole(e.ctx, other), nil)
	checkErr(t, "PutRole missing shop", e.s.PutRole(e.ctx, store.Role{ShopID: b.ID + 100, Name: "x"}), store.ErrNotFound)

	list, err := e.s.ListRoles(e.ctx, a.ID)
	checkErr(t, "ListRoles", err, nil)
	diff(t, "ListRoles(a)", []store.Role{auditor, presale}, list, cmpopts.EquateEmpty())
	list, err = e.s.ListRoles(e.ctx, b.ID)
	checkErr(t, "ListRoles", err, nil)
	diff(t, "ListRoles(b)", []store.Role{other}, list)

	_, err = e.s.GetRole(e.ctx, b.ID, "presale-售前")
	checkErr(t, "GetRole of another shop", err, store.ErrNotFound)

	// (Names sort the same in every collation: ASCII first.) A member of
	// shop a holds presale-售前; a member of shop b holds a built-in
	// role that happens to share the name of a's custom role "auditor".
	bob := e.account("bob")
	e.member(a.ID, bob.ID, "presale-售前")
	e.member(b.ID, bob.ID, "auditor")

	del := []struct {
		name string
		shop int64
		role string
		want error
	}{
		{"held", a.ID, "presale-售前", store.ErrConflict},
		{"another shop's", b.ID, "presale-售前", store.ErrNotFound},
		{"missing", a.ID, "nobody", store.ErrNotFound},
		{"held only in another shop", a.ID, "auditor", nil},
		{"deleted already", a.ID, "auditor", store.ErrNotFound},
	}
	for _, tt := range del {
		t.Run("DeleteRole/"+tt.name, func(t *testing.T) {
			checkErr(t, "DeleteRole", e.s.DeleteRole(e.ctx, tt.shop, tt.role), tt.want)
		})
	}
	if _, err := e.s.GetRole(e.ctx, a.ID, "presale-售前"); err != nil {
		t.Fatalf("a refused DeleteRole removed the role: %v", err)
	}
	checkErr(t, "UpdateMember", e.s.UpdateMember(e.ctx, model.Membership{ShopID: a.ID, AccountID: bob.ID, Role: "agent", MaxChats: 10}), nil)
	checkErr(t, "DeleteRole once no one holds it", e.s.DeleteRole(e.ctx, a.ID, "presale-售前"), nil)
	_, err = e.s.GetRole(e.ctx, a.ID, "presale-售前")
	checkErr(t, "GetRole after DeleteRole", err, store.ErrNotFound)
	list, err = e.s.ListRoles(e.ctx, b.ID)
	checkErr(t, "ListRoles", err, nil)
	diff(t, "ListRoles(b) after a's deletes", []store.Role{other}, list)
}

func testGroups(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	ann, bob := e.agent(a.ID, "ann"), e.agent(a.ID, "bob")
	stranger := e.agent(b.ID, "stranger")

	pre, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: a.ID, Name: "售前"})
	checkErr(t, "CreateGroup", err, nil)
	after, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: a.ID, Name: "售后"})
	checkErr(t, "CreateGroup", err, nil)
	if pre.ID == 0 || after.ID == 0 || pre.ID == after.ID {
		t.Fatalf("group ids %d and %d, want two different non-zero ids", pre.ID, after.ID)
	}
	bpre, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: b.ID, Name: "售前"})
	checkErr(t, "CreateGroup with another shop's name", err, nil)
	_, err = e.s.CreateGroup(e.ctx, store.Group{ShopID: a.ID, Name: "售前"})
	checkErr(t, "CreateGroup with a taken name", err, store.ErrConflict)
	_, err = e.s.CreateGroup(e.ctx, store.Group{ShopID: b.ID + 100, Name: "x"})
	checkErr(t, "CreateGroup in a missing shop", err, store.ErrNotFound)

	set := []struct {
		name    string
		shop    int64
		group   int64
		members []int64
		want    error
	}{
		// The stranger is no member of a; bob twice is bob once.
		{"members", a.ID, pre.ID, []int64{bob.ID, ann.ID, stranger.ID, bob.ID}, nil},
		{"another shop's group", b.ID, pre.ID, []int64{stranger.ID}, store.ErrNotFound},
		{"missing group", a.ID, bpre.ID + 100, []int64{ann.ID}, store.ErrNotFound},
		{"other group", a.ID, after.ID, []int64{bob.ID}, nil},
	}
	for _, tt := range set {
		t.Run("SetGroupMembers/"+tt.name, func(t *testing.T) {
			checkErr(t, "SetGroupMembers", e.s.SetGroupMembers(e.ctx, tt.shop, tt.group, tt.members), tt.want)
		})
	}
	groups, err := e.s.ListGroups(e.ctx, a.ID)
	checkErr(t, "ListGroups", err, nil)
	diff(t, "ListGroups(a)", []store.Group{
		{ID: pre.ID, ShopID: a.ID, Name: "售前", Members: []int64{ann.ID, bob.ID}},
		{ID: after.ID, ShopID: a.ID, Name: "售后", Members: []int64{bob.ID}},
	}, groups)
	groups, err = e.s.ListGroups(e.ctx, b.ID)
	checkErr(t, "ListGroups", err, nil)
	diff(t, "ListGroups(b)", []store.Group{{ID: bpre.ID, ShopID: b.ID, Name: "售前"}}, groups, cmpopts.EquateEmpty())

	mg := []struct {
		name    string
		shop    int64
		account int64
		want    []int64
	}{
		{"ann", a.ID, ann.ID, []int64{pre.ID}},
		{"bob", a.ID, bob.ID, []int64{pre.ID, after.ID}},
		{"stranger in a", a.ID, stranger.ID, nil},
		{"bob in b", b.ID, bob.ID, nil},
	}
	for _, tt := range mg {
		t.Run("MemberGroups/"+tt.name, func(t *testing.T) {
			got, err := e.s.MemberGroups(e.ctx, tt.shop, tt.account)
			checkErr(t, "MemberGroups", err, nil)
			diff(t, "MemberGroups", tt.want, got, cmpopts.EquateEmpty())
		})
	}

	t.Run("replace with none", func(t *testing.T) {
		checkErr(t, "SetGroupMembers", e.s.SetGroupMembers(e.ctx, a.ID, after.ID, nil), nil)
		got, err := e.s.MemberGroups(e.ctx, a.ID, bob.ID)
		checkErr(t, "MemberGroups", err, nil)
		diff(t, "bob's groups", []int64{pre.ID}, got)
	})

	t.Run("DeleteGroup", func(t *testing.T) {
		e := e.in(t)
		buyer := e.buyer(a.ID, "v1")
		queued := e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, pre.ID)
		taken := e.move(e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, pre.ID), model.OwnerAgent, ann.ID, pre.ID)

		checkErr(t, "DeleteGroup of another shop", e.s.DeleteGroup(e.ctx, b.ID, pre.ID), store.ErrNotFound)
		checkErr(t, "DeleteGroup", e.s.DeleteGroup(e.ctx, a.ID, pre.ID), nil)
		checkErr(t, "DeleteGroup again", e.s.DeleteGroup(e.ctx, a.ID, pre.ID), store.ErrNotFound)
		groups, err := e.s.ListGroups(e.ctx, a.ID)
		checkErr(t, "ListGroups", err, nil)
		diff(t, "groups left", []int64{after.ID}, mapped(groups, func(g store.Group) int64 { return g.ID }))
		got, err := e.s.MemberGroups(e.ctx, a.ID, bob.ID)
		checkErr(t, "MemberGroups", err, nil)
		diff(t, "bob's groups", []int64(nil), got, cmpopts.EquateEmpty())

		// Waiting conversations move to the general queue, where every
		// agent sees them; an agent's conversation keeps its history.
		c, err := e.s.GetConversation(e.ctx, a.ID, queued.ID)
		checkErr(t, "GetConversation", err, nil)
		if c.Owner != model.OwnerQueue || c.GroupID != 0 {
			t.Errorf("queued conversation after DeleteGroup: owner %s group %d, want queue group 0", c.Owner, c.GroupID)
		}
		c, err = e.s.GetConversation(e.ctx, a.ID, taken.ID)
		checkErr(t, "GetConversation", err, nil)
		if c.Owner != model.OwnerAgent || c.AgentID != ann.ID {
			t.Errorf("agent's conversation after DeleteGroup: owner %s agent %d, want agent %d", c.Owner, c.AgentID, ann.ID)
		}
	})
}
