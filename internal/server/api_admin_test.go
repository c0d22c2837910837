package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// step is one request of a scenario whose steps depend on each other and
// so run in order.
type step struct {
	name   string
	as     string // the account making the request
	method string
	path   string
	body   any
	status int
	code   string // the error code, for refusals
}

func runSteps(t *testing.T, env *testEnv, steps []step) {
	t.Helper()
	for _, s := range steps {
		c := env.login(s.as)
		status, raw := c.raw(s.method, s.path, s.body)
		if status != s.status {
			t.Fatalf("%s: %s %s as %s: %d %s, want %d", s.name, s.method, s.path, s.as, status, raw, s.status)
		}
		if s.code != "" {
			if e := decodeError(t, raw); e.Code != s.code {
				t.Fatalf("%s: code %q, want %q (%s)", s.name, e.Code, s.code, raw)
			}
		}
	}
}

func TestOwnerRules(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	member := func(name string) string {
		return fmt.Sprintf("/api/v1/shops/%d/members/%d", alpha, env.accts[name].ID)
	}
	runSteps(t, env, []step{
		{"admin demotes the owner", "alpha-admin", "PATCH", member("alpha-owner"), map[string]any{"role": "admin"}, 403, "forbidden"},
		{"admin changes the owner's cap", "alpha-admin", "PATCH", member("alpha-owner"), map[string]any{"max_chats": 3}, 403, "forbidden"},
		{"admin removes the owner", "alpha-admin", "DELETE", member("alpha-owner"), nil, 403, "forbidden"},
		{"admin makes an owner", "alpha-admin", "PATCH", member("alpha-agent"), map[string]any{"role": "owner"}, 403, "forbidden"},
		{"admin makes themselves owner", "alpha-admin", "PATCH", member("alpha-admin"), map[string]any{"role": "owner"}, 403, "forbidden"},
		{"last owner steps down", "alpha-owner", "PATCH", member("alpha-owner"), map[string]any{"role": "admin"}, 409, "last_owner"},
		{"last owner leaves", "alpha-owner", "DELETE", member("alpha-owner"), nil, 409, "last_owner"},
		{"owner makes a second owner", "alpha-owner", "PATCH", member("alpha-admin"), map[string]any{"role": "owner"}, 200, ""},
		{"first owner steps down", "alpha-owner", "PATCH", member("alpha-owner"), map[string]any{"role": "admin"}, 200, ""},
		// The change applies at once: the former owner is an admin now.
		{"former owner touches the owner", "alpha-owner", "PATCH", member("alpha-admin"), map[string]any{"max_chats": 3}, 403, "forbidden"},
		{"new last owner leaves", "alpha-admin", "DELETE", member("alpha-admin"), nil, 409, "last_owner"},
		{"owner changes own cap", "alpha-admin", "PATCH", member("alpha-admin"), map[string]any{"max_chats": 3}, 200, ""},
	})
	n, err := env.db.CountMembersWithRole(t.Context(), alpha, auth.RoleOwner)
	if err != nil || n != 1 {
		t.Fatalf("owners: %d %v", n, err)
	}
}

func TestCustomRoles(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	roles := fmt.Sprintf("/api/v1/shops/%d/roles", alpha)

	var got roleJSON
	if status := admin.do("PUT", roles+"/qa", rolePutRequest{Permissions: []auth.Permission{auth.ConversationsReadAll, auth.ReportsRead}}, &got); status != 200 ||
		got.Name != "qa" || got.Builtin || len(got.Permissions) != 2 {
		t.Fatalf("create: %d %+v", status, got)
	}
	if status := admin.do("PUT", roles+"/qa", rolePutRequest{Permissions: []auth.Permission{auth.AuditRead}}, &got); status != 200 {
		t.Fatalf("replace: %d", status)
	}
	var list struct{ Items []roleJSON }
	admin.do("GET", roles, nil, &list)
	var names []string
	for _, r := range list.Items {
		names = append(names, fmt.Sprint(r.Name, r.Builtin, r.Permissions))
	}
	if len(list.Items) != 5 || list.Items[4].Name != "qa" || fmt.Sprint(list.Items[4].Permissions) != "[audit.read]" ||
		!list.Items[0].Builtin || list.Items[0].Name != auth.RoleOwner || list.Items[3].Name != auth.RoleAgent {
		t.Fatalf("roles: %v", names)
	}
	got = roleJSON{}
	if status := admin.do("PUT", roles+"/empty", rolePutRequest{}, &got); status != 200 || got.Permissions == nil {
		t.Fatalf("a role with no permissions: %d %+v (want permissions [])", status, got)
	}

	refusals := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"built-in name", "PUT", "/admin", `{"permissions":[]}`, 400, "bad_field", "name"},
		{"upper case name", "PUT", "/QA", `{"permissions":[]}`, 400, "bad_field", "name"},
		{"one letter", "PUT", "/q", `{"permissions":[]}`, 400, "bad_field", "name"},
		{"unknown permission", "PUT", "/qa", `{"permissions":["audit.read","fly"]}`, 400, "bad_permission", "permissions[1]"},
		{"permissions not a list", "PUT", "/qa", `{"permissions":"audit.read"}`, 400, "bad_field", "permissions"},
		{"delete a built-in role", "DELETE", "/agent", "", 400, "builtin_role", "name"},
		{"delete a missing role", "DELETE", "/nope", "", 404, "not_found", ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := forT(t, env).login("alpha-admin").send(tt.method, roles+tt.path, tt.body, nil)
			if e := decodeError(t, raw); resp.StatusCode != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s, want %d %s field %q", resp.StatusCode, raw, tt.status, tt.code, tt.field)
			}
		})
	}

	// A held role cannot be deleted; its permissions apply at once.
	var added inviteAnswer
	if status := admin.do("POST", fmt.Sprintf("/api/v1/shops/%d/members", alpha), memberAddRequest{Login: "beta-agent", Role: "qa"}, &added); status != 201 {
		t.Fatalf("add with custom role: %d", status)
	}
	qa := env.login("beta-agent")
	audit := fmt.Sprintf("/api/v1/shops/%d/audit", alpha)
	if status := qa.do("GET", audit, nil, nil); status != 200 {
		t.Fatalf("qa reads the audit log: %d", status)
	}
	if status, raw := admin.raw("DELETE", roles+"/qa", nil); status != 409 || decodeError(t, raw).Code != "role_in_use" {
		t.Fatalf("delete a held role: %d %s", status, raw)
	}
	admin.do("PUT", roles+"/qa", rolePutRequest{Permissions: []auth.Permission{auth.ReportsRead}}, nil)
	if status := qa.do("GET", audit, nil, nil); status != 403 {
		t.Fatalf("qa reads the audit log after losing audit.read: %d", status)
	}
	admin.do("PATCH", fmt.Sprintf("/api/v1/shops/%d/members/%d", alpha, env.accts["beta-agent"].ID), map[string]any{"role": "agent"}, nil)
	if status := admin.do("DELETE", roles+"/qa", nil, nil); status != 204 {
		t.Fatalf("delete a role nobody holds: %d", status)
	}
	admin.do("GET", roles, nil, &list)
	if slices.ContainsFunc(list.Items, func(r roleJSON) bool { return r.Name == "qa" }) {
		t.Fatal("deleted role still listed")
	}
}

// TestCannotGrantWhatYouDoNotHold gives a member agents.manage alone: they
// manage people, but cannot hand out (to others or themselves) a role that
// grants more than they hold, nor change a member who holds more.
func TestCannotGrantWhatYouDoNotHold(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	hrRole := f.role(t, "alpha", auth.AgentsManage)
	hr := f.member(t, "alpha", hrRole)
	url := func(rest string) string { return fmt.Sprintf("/api/v1/shops/%d%s", alpha, rest) }
	member := func(id int64) string { return url(fmt.Sprintf("/members/%d", id)) }
	runSteps(t, env, []step{
		{"define a role with more", hr.Username, "PUT", url("/roles/helper"), rolePutRequest{Permissions: []auth.Permission{auth.SettingsManage}}, 403, "forbidden"},
		{"define a role with the same", hr.Username, "PUT", url("/roles/helper"), rolePutRequest{Permissions: []auth.Permission{auth.AgentsManage}}, 200, ""},
		{"make themselves admin", hr.Username, "PATCH", member(hr.ID), map[string]any{"role": "admin"}, 403, "forbidden"},
		{"bind someone as admin", hr.Username, "POST", url("/members"), memberAddRequest{Login: "beta-agent", Role: auth.RoleAdmin}, 403, "forbidden"},
		{"invite someone as supervisor", hr.Username, "POST", url("/members"), memberAddRequest{Login: "x@example.com", Role: auth.RoleSupervisor}, 403, "forbidden"},
		{"promote an agent", hr.Username, "PATCH", member(env.accts["alpha-agent"].ID), map[string]any{"role": "supervisor"}, 403, "forbidden"},
		{"demote an admin", hr.Username, "PATCH", member(env.accts["alpha-admin"].ID), map[string]any{"role": hrRole}, 403, "forbidden"},
		{"remove a supervisor", hr.Username, "DELETE", member(env.accts["alpha-supervisor"].ID), nil, 403, "forbidden"},
		{"bind someone with the same role", hr.Username, "POST", url("/members"), memberAddRequest{Login: "beta-agent", Role: "helper"}, 201, ""},
		{"change them", hr.Username, "PATCH", member(env.accts["beta-agent"].ID), map[string]any{"max_chats": 2}, 200, ""},
		{"remove them", hr.Username, "DELETE", member(env.accts["beta-agent"].ID), nil, 204, ""},
		// An admin holds everything but the owner role.
		{"admin makes an admin", "alpha-admin", "PATCH", member(env.accts["alpha-agent"].ID), map[string]any{"role": "admin"}, 200, ""},
	})
	m, err := env.db.GetMember(t.Context(), alpha, hr.ID)
	if err != nil || m.Role != hrRole {
		t.Fatalf("hr member now %+v %v", m.Membership, err)
	}
}

func TestMemberUpdateAndRemove(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	target := f.member(t, "alpha", auth.RoleAgent)
	group := f.group(t, "alpha", target.ID, env.accts["alpha-agent"].ID)
	held := f.conversation(t, "alpha", model.OwnerAgent, target.ID, group)
	admin := env.login("alpha-admin")
	path := fmt.Sprintf("/api/v1/shops/%d/members/%d", alpha, target.ID)

	refusals := []struct {
		name, body  string
		code, field string
	}{
		{"cap zero", `{"max_chats":0}`, "bad_field", "max_chats"},
		{"cap over 200", `{"max_chats":201}`, "bad_field", "max_chats"},
		{"cap as text", `{"max_chats":"5"}`, "bad_field", "max_chats"},
		{"unknown role", `{"role":"wizard"}`, "bad_role", "role"},
		{"unknown field", `{"status":"online"}`, "unknown_field", "status"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := forT(t, env).login("alpha-admin").send("PATCH", path, tt.body, nil)
			if e := decodeError(t, raw); resp.StatusCode != 400 || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s", resp.StatusCode, raw)
			}
		})
	}
	var m memberJSON
	if status := admin.do("PATCH", path, map[string]any{"role": "supervisor", "max_chats": 3}, &m); status != 200 ||
		m.Role != auth.RoleSupervisor || m.MaxChats != 3 || m.Account.ID != target.ID {
		t.Fatalf("update: %d %+v", status, m)
	}
	for _, p := range []string{
		fmt.Sprintf("/api/v1/shops/%d/members/%d", alpha, env.accts["beta-agent"].ID), // not a member of alpha
		fmt.Sprintf("/api/v1/shops/%d/members/abc", alpha),
		fmt.Sprintf("/api/v1/shops/%d/members/0", alpha),
	} {
		if status, raw := admin.raw("PATCH", p, map[string]any{"max_chats": 3}); status != 404 || decodeError(t, raw).Code != "not_found" {
			t.Fatalf("PATCH %s: %d %s", p, status, raw)
		}
	}

	removed := env.login(target.Username)
	if status := admin.do("DELETE", path, nil, nil); status != 204 {
		t.Fatalf("remove: %d", status)
	}
	// Access ends at once; the account itself lives on.
	if status := removed.do("GET", fmt.Sprintf("/api/v1/shops/%d", alpha), nil, nil); status != 404 {
		t.Fatalf("removed member reads the shop: %d", status)
	}
	var me meJSON
	if status := removed.do("GET", "/api/v1/me", nil, &me); status != 200 || len(me.Shops) != 0 {
		t.Fatalf("removed member's /me: %d %+v", status, me.Shops)
	}
	// Their conversation went back to the queue, with the reason recorded.
	c, err := env.db.GetConversation(t.Context(), alpha, held.ID)
	if err != nil || c.Owner != model.OwnerQueue || c.AgentID != 0 || c.GroupID != group {
		t.Fatalf("held conversation after removal: %+v %v", c, err)
	}
	evs, _ := env.db.ListEvents(t.Context(), alpha, held.ID)
	last := evs[len(evs)-1]
	if last.Reason != "agent_removed" || last.FromOwner != model.OwnerAgent || last.ToOwner != model.OwnerQueue || last.ActorID != env.accts["alpha-admin"].ID {
		t.Fatalf("event %+v", last)
	}
	var groups struct{ Items []groupJSON }
	admin.do("GET", fmt.Sprintf("/api/v1/shops/%d/groups", alpha), nil, &groups)
	if len(groups.Items) != 1 || fmt.Sprint(groups.Items[0].Members) != fmt.Sprint([]int64{env.accts["alpha-agent"].ID}) {
		t.Fatalf("groups after removal: %+v", groups.Items)
	}
	if status := admin.do("DELETE", path, nil, nil); status != 404 {
		t.Fatalf("remove twice: %d", status)
	}
}

func TestMemberStatus(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	agent := env.login("alpha-agent")
	path := fmt.Sprintf("/api/v1/shops/%d/status", alpha)
	for _, bad := range []string{`{"status":"sleeping"}`, `{"status":""}`, `{}`} {
		if resp, raw := agent.send("PUT", path, bad, nil); resp.StatusCode != 400 || decodeError(t, raw).Field != "status" {
			t.Fatalf("status %s: %d %s", bad, resp.StatusCode, raw)
		}
	}
	var got map[string]string
	if status := agent.do("PUT", path, statusRequest{Status: model.StatusBusy}, &got); status != 200 || got["status"] != "busy" {
		t.Fatalf("set busy: %d %v", status, got)
	}
	var me meJSON
	agent.do("GET", "/api/v1/me", nil, &me)
	if me.Shops[0].Status != "busy" {
		t.Fatalf("/me status %q", me.Shops[0].Status)
	}
	var list struct{ Items []memberJSON }
	env.login("alpha-supervisor").do("GET", fmt.Sprintf("/api/v1/shops/%d/members", alpha), nil, &list)
	for _, m := range list.Items {
		want := "offline"
		if m.Account.ID == env.accts["alpha-agent"].ID {
			want = "busy"
		}
		if m.Status != want {
			t.Fatalf("%s is %s, want %s", m.Account.Username, m.Status, want)
		}
	}
}

func TestGroups(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	groups := fmt.Sprintf("/api/v1/shops/%d/groups", alpha)
	agent, sup := env.accts["alpha-agent"].ID, env.accts["alpha-supervisor"].ID

	var g groupJSON
	if status := admin.do("POST", groups, groupCreateRequest{Name: " 售前 "}, &g); status != 201 || g.Name != "售前" || g.ID == 0 || g.Members == nil {
		t.Fatalf("create: %d %+v", status, g)
	}
	members := fmt.Sprintf("%s/%d/members", groups, g.ID)
	refusals := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"empty name", "POST", groups, `{"name":"  "}`, 400, "bad_field", "name"},
		{"long name", "POST", groups, `{"name":"` + strings.Repeat("组", 51) + `"}`, 400, "bad_field", "name"},
		{"taken name", "POST", groups, `{"name":"售前"}`, 409, "conflict", ""},
		{"member of another shop", "PUT", members, fmt.Sprintf(`{"members":[%d,%d]}`, agent, env.accts["beta-agent"].ID), 400, "bad_member", "members[1]"},
		{"no such account", "PUT", members, `{"members":[999999]}`, 400, "bad_member", "members[0]"},
		{"members not numbers", "PUT", members, `{"members":["alpha-agent"]}`, 400, "bad_field", "members"},
		{"group of another shop", "PUT", fmt.Sprintf("/api/v1/shops/%d/groups/%d/members", alpha, newFixtures(env).group(t, "beta")), fmt.Sprintf(`{"members":[%d]}`, agent), 404, "not_found", ""},
		{"no such group", "DELETE", groups + "/999999", "", 404, "not_found", ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := forT(t, env).login("alpha-admin").send(tt.method, tt.path, tt.body, nil)
			if e := decodeError(t, raw); resp.StatusCode != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s, want %d %s field %q", resp.StatusCode, raw, tt.status, tt.code, tt.field)
			}
		})
	}
	// A refused change leaves the group as it was.
	var list struct{ Items []groupJSON }
	admin.do("GET", groups, nil, &list)
	if len(list.Items) != 1 || len(list.Items[0].Members) != 0 {
		t.Fatalf("groups after refusals: %+v", list.Items)
	}
	if status := admin.do("PUT", members, groupMembersRequest{Members: []int64{sup, agent, agent}}, nil); status != 204 {
		t.Fatalf("set members: %d", status)
	}
	admin.do("GET", groups, nil, &list)
	want := []int64{agent, sup}
	slices.Sort(want)
	if fmt.Sprint(list.Items[0].Members) != fmt.Sprint(want) {
		t.Fatalf("members %v, want %v: once each, by id", list.Items[0].Members, want)
	}
	if status := admin.do("PUT", members, groupMembersRequest{Members: []int64{}}, nil); status != 204 {
		t.Fatalf("empty the group: %d", status)
	}
	admin.do("GET", groups, nil, &list)
	if len(list.Items[0].Members) != 0 {
		t.Fatalf("emptied group has %v", list.Items[0].Members)
	}
	if status := admin.do("DELETE", fmt.Sprintf("%s/%d", groups, g.ID), nil, nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	admin.do("GET", groups, nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("deleted group listed: %+v", list.Items)
	}
}

func TestShopSettings(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	path := fmt.Sprintf("/api/v1/shops/%d", alpha)
	refusals := []struct{ name, body, code, field string }{
		{"empty name", `{"name":" "}`, "bad_field", "name"},
		{"long name", `{"name":"` + strings.Repeat("店", 101) + `"}`, "bad_field", "name"},
		{"language", `{"language":"de"}`, "bad_field", "language"},
		{"unknown time zone", `{"timezone":"Mars/Olympus"}`, "bad_field", "timezone"},
		{"empty time zone", `{"timezone":""}`, "bad_field", "timezone"},
		{"slug is not editable", `{"slug":"omega"}`, "unknown_field", "slug"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := forT(t, env).login("alpha-admin").send("PATCH", path, tt.body, nil)
			if e := decodeError(t, raw); resp.StatusCode != 400 || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s", resp.StatusCode, raw)
			}
		})
	}
	var shop shopJSON
	if status := admin.do("PATCH", path, map[string]any{"name": strings.Repeat("店", 100), "language": "en", "timezone": "Europe/Berlin"}, &shop); status != 200 {
		t.Fatalf("update: %d", status)
	}
	var got shopJSON
	env.login("alpha-agent").do("GET", path, nil, &got)
	if got != shop || got.Language != "en" || got.Timezone != "Europe/Berlin" || got.Slug != "alpha" {
		t.Fatalf("after update %+v, answered %+v", got, shop)
	}
	// Fields left out stay as they are.
	admin.do("PATCH", path, map[string]any{"language": "zh-CN"}, &got)
	if got.Timezone != "Europe/Berlin" || got.Language != "zh-CN" {
		t.Fatalf("partial update %+v", got)
	}
}

func TestIdentitySecretRotation(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	var got map[string]string
	if status := admin.do("POST", fmt.Sprintf("/api/v1/shops/%d/identity-secret", alpha), nil, &got); status != 200 ||
		len(got["identity_secret"]) < 32 || got["identity_secret"] == "alpha-secret" {
		t.Fatalf("rotate: %d %v", status, got)
	}
	secret := got["identity_secret"]
	// The secret is shown once: never to members reading the shop, never in the audit log.
	for _, who := range []string{"alpha-agent", "alpha-admin"} {
		_, raw := env.login(who).raw("GET", fmt.Sprintf("/api/v1/shops/%d", alpha), nil)
		if strings.Contains(string(raw), secret) {
			t.Fatalf("%s sees the secret in the shop", who)
		}
	}
	_, raw := admin.raw("GET", fmt.Sprintf("/api/v1/shops/%d/audit", alpha), nil)
	if strings.Contains(string(raw), secret) || !strings.Contains(string(raw), "shop.identity_secret.rotate") {
		t.Fatalf("audit after rotation: %s", raw)
	}
	// Buyers signed with the new secret verify; with the old one they do not.
	b := env.dialBuyer(map[string]any{"shop": "alpha", "buyer": map[string]any{"id": "u1", "signature": auth.BuyerSignature(secret, "u1")}})
	if w := b.until("welcome"); w["buyer"].(map[string]any)["verified"] != true {
		t.Fatalf("new secret: %v", w)
	}
	old := env.dialBuyer(map[string]any{"shop": "alpha", "buyer": map[string]any{"id": "u1", "signature": auth.BuyerSignature("alpha-secret", "u1")}})
	if f := old.until("error"); f["code"] != "bad_identity" {
		t.Fatalf("old secret: %v", f)
	}
}

// TestAuditEntries performs every administrative action and finds each in
// the audit log with its actor and target, exactly once.
func TestAuditEntries(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	url := func(format string, args ...any) string {
		return fmt.Sprintf("/api/v1/shops/%d", alpha) + fmt.Sprintf(format, args...)
	}
	adminID := env.accts["alpha-admin"].ID
	betaAgent := env.accts["beta-agent"].ID
	var invited inviteAnswer
	group := f.group(t, "alpha")
	steps := []struct {
		action, target string
		actor          int64
		do             func() int
	}{
		{"shop.update", "alpha", adminID, func() int { return admin.do("PATCH", url(""), map[string]any{"name": "阿尔法"}, nil) }},
		{"shop.identity_secret.rotate", "alpha", adminID, func() int { return admin.do("POST", url("/identity-secret"), nil, nil) }},
		{"member.add", "beta-agent", adminID, func() int {
			return admin.do("POST", url("/members"), memberAddRequest{Login: "beta-agent", Role: auth.RoleAgent}, nil)
		}},
		{"member.update", "beta-agent", adminID, func() int {
			return admin.do("PATCH", url("/members/%d", betaAgent), map[string]any{"role": "supervisor"}, nil)
		}},
		{"member.remove", "beta-agent", adminID, func() int { return admin.do("DELETE", url("/members/%d", betaAgent), nil, nil) }},
		{"invitation.create", "new@example.com", adminID, func() int {
			return admin.do("POST", url("/members"), memberAddRequest{Login: "new@example.com", Role: auth.RoleAgent}, &invited)
		}},
		{"invitation.delete", "", adminID, func() int {
			return admin.do("DELETE", url("/invitations/%s", invited.Invitation.ID), nil, nil)
		}},
		{"invitation.create", "later@example.com", adminID, func() int {
			return admin.do("POST", url("/members"), memberAddRequest{Login: "later@example.com", Role: auth.RoleAgent}, &invited)
		}},
		{"invitation.accept", "later", 0, func() int {
			token := strings.TrimPrefix(invited.InvitationURL, "http://xiaoer.test/invite#")
			return env.anon().do("POST", "/api/v1/invitations/"+token+"/accept", acceptRequest{Username: "later", Password: "later-password"}, nil)
		}},
		{"role.put", "qa", adminID, func() int {
			return admin.do("PUT", url("/roles/qa"), rolePutRequest{Permissions: []auth.Permission{auth.ReportsRead}}, nil)
		}},
		{"role.delete", "qa", adminID, func() int { return admin.do("DELETE", url("/roles/qa"), nil, nil) }},
		{"group.create", "售前", adminID, func() int { return admin.do("POST", url("/groups"), groupCreateRequest{Name: "售前"}, nil) }},
		{"group.members", fmt.Sprint(group), adminID, func() int {
			return admin.do("PUT", url("/groups/%d/members", group), groupMembersRequest{Members: []int64{env.accts["alpha-agent"].ID}}, nil)
		}},
		{"group.delete", fmt.Sprint(group), adminID, func() int { return admin.do("DELETE", url("/groups/%d", group), nil, nil) }},
	}
	entries := func() []auditJSON {
		t.Helper()
		var page struct{ Items []auditJSON }
		if status := admin.do("GET", url("/audit?limit=200"), nil, &page); status != 200 {
			t.Fatalf("audit: %d", status)
		}
		return page.Items
	}
	for _, s := range steps {
		before := entries()
		if status := s.do(); status < 200 || status > 299 {
			t.Fatalf("%s: status %d", s.action, status)
		}
		after := entries()
		if len(after) != len(before)+1 {
			t.Fatalf("%s: %d new audit entries, want 1", s.action, len(after)-len(before))
		}
		e := after[0]
		actor := s.actor
		if actor == 0 { // the invited person accepted: they are the actor
			a, err := env.db.GetAccountByLogin(t.Context(), s.target)
			if err != nil {
				t.Fatal(err)
			}
			actor = a.ID
		}
		if e.Action != s.action || (s.target != "" && e.Target != s.target) || e.ActorID != actor || e.CreatedAt.IsZero() {
			t.Fatalf("%s: entry %+v, want target %q actor %d", s.action, e, s.target, actor)
		}
	}
	// Refused actions leave no entry.
	before := entries()
	env.login("alpha-supervisor").do("POST", url("/groups"), groupCreateRequest{Name: "x"}, nil)
	admin.do("POST", url("/groups"), groupCreateRequest{Name: ""}, nil)
	admin.do("PATCH", url("/members/%d", env.accts["alpha-owner"].ID), map[string]any{"max_chats": 2}, nil)
	if after := entries(); len(after) != len(before) {
		t.Fatalf("refused actions added %d audit entries", len(after)-len(before))
	}
	// Each shop sees only its own log.
	var beta struct{ Items []auditJSON }
	env.login("beta-admin").do("GET", fmt.Sprintf("/api/v1/shops/%d/audit", env.shops["beta"].ID), nil, &beta)
	if len(beta.Items) != 0 {
		t.Fatalf("beta's audit log has alpha's entries: %+v", beta.Items)
	}
}
