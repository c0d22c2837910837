package server

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

type conversationPage struct {
	Items      []chat.ConversationJSON `json:"items"`
	NextCursor string                  `json:"next_cursor"`
}

func ids(cs []chat.ConversationJSON) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// newestFirst returns the ids of cs, largest first, as lists answer them.
func newestFirst(cs ...model.Conversation) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// TestConversationVisibility lists and reads conversations in every state
// as an agent, a member with read_assigned only, a supervisor and a custom
// role with read_all: an agent sees what is assigned to them and what waits
// in their groups' queue or in the queue of no group; read_all sees all.
func TestConversationVisibility(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agent := env.accts["alpha-agent"]
	other := f.member(t, "alpha", auth.RoleAgent)
	readerRole := f.role(t, "alpha", auth.ConversationsReadAssigned)
	reader := f.member(t, "alpha", readerRole) // read_assigned, in no group
	auditorRole := f.role(t, "alpha", auth.ConversationsReadAll)
	auditor := f.member(t, "alpha", auditorRole)
	g1 := f.group(t, "alpha", agent.ID)
	g2 := f.group(t, "alpha", other.ID)

	bot := f.conversation(t, "alpha", model.OwnerBot, 0, 0)
	queue := f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
	queueG1 := f.conversation(t, "alpha", model.OwnerQueue, 0, g1)
	queueG2 := f.conversation(t, "alpha", model.OwnerQueue, 0, g2)
	mine := f.conversation(t, "alpha", model.OwnerAgent, agent.ID, g1)
	others := f.conversation(t, "alpha", model.OwnerAgent, other.ID, 0)
	closed := f.conversation(t, "alpha", model.OwnerClosed, 0, 0)
	f.conversation(t, "beta", model.OwnerQueue, 0, 0) // never in alpha's lists
	every := []model.Conversation{bot, queue, queueG1, queueG2, mine, others, closed}

	tests := []struct {
		as                string
		all, queue, mine_ []int64
	}{
		{"alpha-agent", newestFirst(queue, queueG1, mine), newestFirst(queue, queueG1), newestFirst(mine)},
		{other.Username, newestFirst(queue, queueG2, others), newestFirst(queue, queueG2), newestFirst(others)},
		{reader.Username, newestFirst(queue), newestFirst(queue), newestFirst()},
		{"alpha-supervisor", newestFirst(every...), newestFirst(queue, queueG1, queueG2), newestFirst()},
		{auditor.Username, newestFirst(every...), newestFirst(queue, queueG1, queueG2), newestFirst()},
	}
	for _, tt := range tests {
		t.Run(tt.as, func(t *testing.T) {
			c := forT(t, env).login(tt.as)
			for view, want := range map[string][]int64{"": tt.all, "all": tt.all, "queue": tt.queue, "mine": tt.mine_} {
				var page conversationPage
				if status := c.do("GET", fmt.Sprintf("/api/v1/shops/%d/conversations?view=%s", alpha, view), nil, &page); status != 200 {
					t.Fatalf("view %q: %d", view, status)
				}
				if got := ids(page.Items); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("view %q: %v, want %v", view, got, want)
				}
			}
			// Reading one conversation, its messages or its events follows
			// the same rule: what is not listed is not found.
			for _, conv := range every {
				want := 404
				if slices.Contains(tt.all, conv.ID) {
					want = 200
				}
				for _, rest := range []string{"", "/messages", "/events"} {
					path := fmt.Sprintf("/api/v1/shops/%d/conversations/%d%s", alpha, conv.ID, rest)
					if status := c.do("GET", path, nil, nil); status != want {
						t.Fatalf("GET %s (owner %s, group %d): %d, want %d", path, conv.Owner, conv.GroupID, status, want)
					}
				}
			}
		})
	}

	agentClient := env.login("alpha-agent")
	if status, raw := agentClient.raw("GET", fmt.Sprintf("/api/v1/shops/%d/conversations?view=everything", alpha), nil); status != 400 || decodeError(t, raw).Field != "view" {
		t.Fatalf("unknown view: %d %s", status, raw)
	}
	// Joining a group shows its queue at once.
	if err := env.db.SetGroupMembers(t.Context(), alpha, g2, []int64{other.ID, agent.ID}); err != nil {
		t.Fatal(err)
	}
	var page conversationPage
	agentClient.do("GET", fmt.Sprintf("/api/v1/shops/%d/conversations?view=queue", alpha), nil, &page)
	if want := newestFirst(queue, queueG1, queueG2); fmt.Sprint(ids(page.Items)) != fmt.Sprint(want) {
		t.Fatalf("queue after joining g2: %v, want %v", ids(page.Items), want)
	}
}

// TestConversationOwnerChanges takes one conversation through take, take
// over, assign, release and close, checking each answer and the events
// recorded with their reasons.
func TestConversationOwnerChanges(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agent, sup := env.accts["alpha-agent"].ID, env.accts["alpha-supervisor"].ID
	other := f.member(t, "alpha", auth.RoleAgent)
	conv := f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
	path := fmt.Sprintf("/api/v1/shops/%d/conversations/%d", alpha, conv.ID)

	steps := []struct {
		name, as, action string
		body             any
		status           int
		code             string
		owner            string // the owner afterwards, for successes
		agentID          int64
	}{
		{"agent takes from the queue", "alpha-agent", "/take", nil, 200, "", "agent", agent},
		{"taking again changes nothing", "alpha-agent", "/take", nil, 200, "", "agent", agent},
		{"another agent no longer sees it", other.Username, "/take", nil, 404, "not_found", "", 0},
		{"supervisor takes over", "alpha-supervisor", "/take", nil, 200, "", "agent", sup},
		{"the first agent lost it", "alpha-agent", "", nil, 404, "not_found", "", 0},
		{"supervisor assigns it back", "alpha-supervisor", "/assign", assignRequest{AgentID: agent, Note: "  VIP 客户 "}, 200, "", "agent", agent},
		{"agent replies", "alpha-agent", "/messages", messageCreateRequest{ClientID: "r1", Body: "您好"}, 201, "", "", 0},
		{"another agent cannot release it", other.Username, "/release", nil, 404, "not_found", "", 0},
		{"agent releases to the bot", "alpha-agent", "/release", nil, 200, "", "bot", 0},
		{"agent cannot see the bot's", "alpha-agent", "", nil, 404, "not_found", "", 0},
		{"agent cannot take from the bot", "alpha-agent", "/take", nil, 404, "not_found", "", 0},
		{"supervisor takes over from the bot", "alpha-supervisor", "/take", nil, 200, "", "agent", sup},
		{"supervisor closes", "alpha-supervisor", "/close", nil, 200, "", "closed", 0},
		{"close again", "alpha-supervisor", "/close", nil, 409, "conversation_closed", "", 0},
		{"take a closed one", "alpha-supervisor", "/take", nil, 409, "conversation_closed", "", 0},
		{"assign a closed one", "alpha-supervisor", "/assign", assignRequest{AgentID: agent}, 409, "conversation_closed", "", 0},
		{"release a closed one", "alpha-supervisor", "/release", nil, 409, "conversation_closed", "", 0},
		{"write in a closed one", "alpha-supervisor", "/messages", messageCreateRequest{ClientID: "r2", Body: "还在吗"}, 409, "conversation_closed", "", 0},
	}
	watcher := env.login("alpha-owner") // reads the conversation after each step
	for _, s := range steps {
		c := env.login(s.as)
		method := "POST"
		if s.action == "" {
			method = "GET"
		}
		status, raw := c.raw(method, path+s.action, s.body)
		if status != s.status {
			t.Fatalf("%s: %d %s, want %d", s.name, status, raw, s.status)
		}
		if s.code != "" {
			if e := decodeError(t, raw); e.Code != s.code {
				t.Fatalf("%s: code %q, want %q", s.name, e.Code, s.code)
			}
		}
		if s.owner != "" {
			var got chat.ConversationJSON
			watcher.do("GET", path, nil, &struct {
				Conversation *chat.ConversationJSON `json:"conversation"`
			}{&got})
			if got.Owner != s.owner || got.AgentID != s.agentID || (s.owner == "closed") != (got.ClosedAt != nil) {
				t.Fatalf("%s: conversation %+v, want owner %s agent %d", s.name, got, s.owner, s.agentID)
			}
		}
	}

	type ev struct {
		Kind, From, To string
		Agent, Actor   int64
		Reason         string
	}
	want := []ev{
		{"opened", "", "bot", 0, 0, "buyer"},
		{"owner", "bot", "queue", 0, 0, "handoff"},
		{"owner", "queue", "agent", agent, agent, "taken"},
		{"owner", "agent", "agent", sup, sup, "taken_over"},
		{"owner", "agent", "agent", agent, sup, "assigned: VIP 客户"},
		{"owner", "agent", "bot", 0, agent, "released_to_bot"},
		{"owner", "bot", "agent", sup, sup, "taken_over"},
		{"owner", "agent", "closed", 0, sup, "closed_by_agent"},
	}
	var events struct{ Items []chat.EventJSON }
	if status := env.login("alpha-supervisor").do("GET", path+"/events", nil, &events); status != 200 {
		t.Fatalf("events: %d", status)
	}
	var got []ev
	for _, e := range events.Items {
		got = append(got, ev{e.Kind, e.From, e.To, e.AgentID, e.ActorID, e.Reason})
		if e.CreatedAt.IsZero() {
			t.Fatalf("event without a time: %+v", e)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}
}

// TestConversationActionRules covers who may act on a conversation that is
// visible but not theirs, and what assign accepts.
func TestConversationActionRules(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	auditorRole := f.role(t, "alpha", auth.ConversationsReadAll)
	auditor := f.member(t, "alpha", auditorRole)
	url := func(c model.Conversation, action string) string {
		return fmt.Sprintf("/api/v1/shops/%d/conversations/%d%s", alpha, c.ID, action)
	}
	queued := f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
	tests := []struct {
		name, as, action, body string
		status                 int
		code, field            string
	}{
		{"agent releases a queued one", "alpha-agent", "/release", "", 403, "forbidden", ""},
		{"agent closes a queued one", "alpha-agent", "/close", "", 403, "forbidden", ""},
		{"agent writes in a queued one", "alpha-agent", "/messages", `{"client_id":"x","body":"hi"}`, 403, "not_assigned", ""},
		{"assign to another shop's agent", "alpha-supervisor", "/assign", fmt.Sprintf(`{"agent_id":%d}`, env.accts["beta-agent"].ID), 400, "bad_member", "agent_id"},
		{"assign to someone who cannot reply", "alpha-supervisor", "/assign", fmt.Sprintf(`{"agent_id":%d}`, auditor.ID), 400, "bad_member", "agent_id"},
		{"assign to nobody", "alpha-supervisor", "/assign", `{}`, 400, "bad_member", "agent_id"},
		{"assign with a text id", "alpha-supervisor", "/assign", `{"agent_id":"alpha-agent"}`, 400, "bad_field", "agent_id"},
		{"assign without a body", "alpha-supervisor", "/assign", ``, 400, "bad_json", ""},
		{"conversation id not a number", "alpha-supervisor", "x", "", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := url(queued, tt.action)
			if tt.action == "x" {
				path = fmt.Sprintf("/api/v1/shops/%d/conversations/abc/take", alpha)
			}
			resp, raw := forT(t, env).login(tt.as).send("POST", path, tt.body, nil)
			if e := decodeError(t, raw); resp.StatusCode != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s, want %d %s field %q", resp.StatusCode, raw, tt.status, tt.code, tt.field)
			}
		})
	}
	c, _ := env.db.GetConversation(t.Context(), alpha, queued.ID)
	if c.Owner != model.OwnerQueue {
		t.Fatalf("refused actions changed the owner to %s", c.Owner)
	}
	// A supervisor may release or close anyone's conversation.
	held := f.conversation(t, "alpha", model.OwnerAgent, env.accts["alpha-agent"].ID, 0)
	sup := env.login("alpha-supervisor")
	if status := sup.do("POST", url(held, "/release"), nil, nil); status != 200 {
		t.Fatalf("supervisor releases an agent's conversation: %d", status)
	}
	held = f.conversation(t, "alpha", model.OwnerAgent, env.accts["alpha-agent"].ID, 0)
	if status := sup.do("POST", url(held, "/close"), nil, nil); status != 200 {
		t.Fatalf("supervisor closes an agent's conversation: %d", status)
	}
	// The assigned agent closes their own.
	held = f.conversation(t, "alpha", model.OwnerAgent, env.accts["alpha-agent"].ID, 0)
	var got chat.ConversationJSON
	if status := env.login("alpha-agent").do("POST", url(held, "/close"), nil, &got); status != 200 || got.Owner != "closed" || got.ClosedAt == nil {
		t.Fatalf("agent closes own: %d %+v", status, got)
	}
}

func TestMessages(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agent := env.login("alpha-agent")
	conv := f.conversation(t, "alpha", model.OwnerAgent, env.accts["alpha-agent"].ID, 0)
	path := fmt.Sprintf("/api/v1/shops/%d/conversations/%d/messages", alpha, conv.ID)

	refusals := []struct {
		name, body  string
		code, field string
	}{
		{"empty body", `{"client_id":"e1","body":"  "}`, "empty_message", "body"},
		{"over 5000 characters", `{"client_id":"e2","body":"` + strings.Repeat("长", 5001) + `"}`, "too_long", "body"},
		{"card from an agent", `{"client_id":"e3","kind":"card","body":"x"}`, "bad_kind", "kind"},
		{"unknown kind", `{"client_id":"e4","kind":"video","body":"x"}`, "bad_kind", "kind"},
		{"long client id", `{"client_id":"` + strings.Repeat("c", 65) + `","body":"x"}`, "bad_client_id", "client_id"},
		{"unknown field", `{"client_id":"e5","body":"x","sender":"bot"}`, "unknown_field", "sender"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := forT(t, env).login("alpha-agent").send("POST", path, tt.body, nil)
			if e := decodeError(t, raw); resp.StatusCode != 400 || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s, want 400 %s field %q", resp.StatusCode, raw, tt.code, tt.field)
			}
		})
	}
	var first, again chat.MessageJSON
	if status := agent.do("POST", path, messageCreateRequest{ClientID: "m-1", Body: strings.Repeat("长", 5000)}, &first); status != 201 ||
		first.Seq != 2 || first.Sender != "agent" || first.SenderID != env.accts["alpha-agent"].ID || first.Kind != "text" {
		t.Fatalf("send: %d %+v", status, first)
	}
	if status := agent.do("POST", path, messageCreateRequest{ClientID: "m-1", Body: "different"}, &again); status != 200 || again.ID != first.ID || again.Seq != first.Seq {
		t.Fatalf("resend with the same client id: %d %+v", status, again)
	}
	for i := 2; i <= 4; i++ {
		agent.do("POST", path, messageCreateRequest{ClientID: fmt.Sprintf("m-%d", i), Body: fmt.Sprint(i)}, nil)
	}
	// The conversation has seq 1 (the buyer) to 5.
	pages := []struct {
		query string
		want  string
	}{
		{"", "[1 2 3 4 5]"},
		{"?limit=2", "[4 5]"}, // the newest
		{"?after_seq=0", "[1 2 3 4 5]"},
		{"?after_seq=2&limit=2", "[3 4]"},
		{"?after_seq=5", "[]"},
		{"?before_seq=3", "[1 2]"},
		{"?before_seq=5&limit=2", "[3 4]"},
	}
	for _, p := range pages {
		var page struct {
			Items   []chat.MessageJSON `json:"items"`
			LastSeq int64              `json:"last_seq"`
		}
		if status := agent.do("GET", path+p.query, nil, &page); status != 200 || page.LastSeq != 5 {
			t.Fatalf("GET %s: %d last_seq %d", p.query, status, page.LastSeq)
		}
		seqs := []int64{}
		for _, m := range page.Items {
			seqs = append(seqs, m.Seq)
		}
		if fmt.Sprint(seqs) != p.want {
			t.Fatalf("GET messages%s: seqs %v, want %s", p.query, seqs, p.want)
		}
	}
	for _, q := range []string{"?after_seq=x", "?after_seq=-1", "?before_seq=x", "?limit=0", "?limit=501", "?limit=x"} {
		if status, raw := agent.raw("GET", path+q, nil); status != 400 || decodeError(t, raw).Code != "bad_field" {
			t.Fatalf("GET messages%s: %d %s", q, status, raw)
		}
	}
}

// TestTakeRace lets several agents take one queued conversation at once:
// exactly one gets it, the others are told it is gone (404: no longer
// visible to them) or stale (409), and one "taken" event is recorded.
func TestTakeRace(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	conv := f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
	path := fmt.Sprintf("/api/v1/shops/%d/conversations/%d/take", alpha, conv.ID)
	const n = 8
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = env.login(f.member(t, "alpha", auth.RoleAgent).Username)
	}
	type answer struct {
		status int
		raw    []byte
	}
	answers := make(chan answer, n)
	start := make(chan struct{})
	for _, c := range clients {
		go func() {
			<-start
			req, _ := http.NewRequest("POST", env.http.URL+path, nil)
			req.Header.Set("X-CSRF-Token", c.csrf)
			resp, err := c.http.Do(req)
			if err != nil {
				answers <- answer{status: -1, raw: []byte(err.Error())}
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			answers <- answer{resp.StatusCode, raw}
		}()
	}
	close(start)
	won := 0
	for range n {
		a := <-answers
		switch a.status {
		case 200:
			won++
		case 404, 409:
			if code := decodeError(t, a.raw).Code; code != "not_found" && code != "stale" {
				t.Fatalf("loser got %d %s", a.status, a.raw)
			}
		default:
			t.Fatalf("take: %d %s", a.status, a.raw)
		}
	}
	if won != 1 {
		t.Fatalf("%d agents took the conversation, want exactly 1", won)
	}
	evs, err := env.db.ListEvents(t.Context(), alpha, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	taken := 0
	for _, e := range evs {
		if e.Reason == "taken" {
			taken++
		}
	}
	if taken != 1 {
		t.Fatalf("%d taken events, want 1", taken)
	}
}

// TestAgentSocketNeedsReadPermission: the workbench socket answers 403
// before the upgrade to a member who may read no conversations, and closes
// (4003) when a member's role stops allowing it.
func TestAgentSocketNeedsReadPermission(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	noRead := f.role(t, "alpha", auth.ReportsRead)
	reporter := env.login(f.member(t, "alpha", noRead).Username)
	status, raw := reporter.dialStatus(fmt.Sprintf("/ws/agent?shop=%d", alpha))
	if status != 403 || decodeError(t, raw).Code != "forbidden" {
		t.Fatalf("socket without read permission: %d %s", status, raw)
	}
	for _, q := range []string{"", "?shop=abc", fmt.Sprintf("?shop=%d", env.shops["beta"].ID)} {
		if status, raw := reporter.dialStatus("/ws/agent" + q); status != 404 {
			t.Fatalf("socket for shop %q: %d %s", q, status, raw)
		}
	}

	agent := f.member(t, "alpha", auth.RoleAgent)
	ws, _, err := env.login(agent.Username).dialAgent(alpha)
	if err != nil {
		t.Fatal(err)
	}
	ws.until("welcome")
	admin := env.login("alpha-admin")
	member := fmt.Sprintf("/api/v1/shops/%d/members/%d", alpha, agent.ID)
	// A role that still reads: the socket stays and learns its new rights.
	if status := admin.do("PATCH", member, map[string]any{"role": "supervisor"}, nil); status != 200 {
		t.Fatalf("promote: %d", status)
	}
	if f := ws.until("permissions"); f["role"] != "supervisor" {
		t.Fatalf("permissions frame %v", f)
	}
	if status := admin.do("PATCH", member, map[string]any{"role": noRead}, nil); status != 200 {
		t.Fatalf("demote: %d", status)
	}
	if err := closedWith(t, ws); !strings.Contains(err.Error(), "4003") {
		t.Fatalf("socket closed with %v, want 4003", err)
	}
}
