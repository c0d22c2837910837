package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// setCap sets a member's max_chats.
func setCap(t *testing.T, env *testEnv, shop string, accountID int64, maxChats int) {
	t.Helper()
	m, err := env.db.GetMember(t.Context(), env.shops[shop].ID, accountID)
	if err != nil {
		t.Fatal(err)
	}
	m.Membership.MaxChats = maxChats
	if err := env.db.UpdateMember(t.Context(), m.Membership); err != nil {
		t.Fatal(err)
	}
}

// TestTakeAtCapacity: a manual take from the queue respects the taker's
// cap (409 at_capacity, the conversation stays in the queue); a
// supervisor's explicit assign, or take-over of a conversation that is not
// waiting, is an override and does not.
func TestTakeAtCapacity(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agent, sup := env.accts["alpha-agent"].ID, env.accts["alpha-supervisor"].ID
	setCap(t, env, "alpha", agent, 1)
	setCap(t, env, "alpha", sup, 1)
	f.conversation(t, "alpha", model.OwnerAgent, agent, 0) // the agent is at their cap
	f.conversation(t, "alpha", model.OwnerAgent, sup, 0)   // and so is the supervisor
	waiting := f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
	botOwned := f.conversation(t, "alpha", model.OwnerBot, 0, 0)
	url := func(c model.Conversation, action string) string {
		return fmt.Sprintf("/api/v1/shops/%d/conversations/%d/%s", alpha, c.ID, action)
	}
	owner := func(c model.Conversation) (model.Owner, int64) {
		t.Helper()
		got, err := env.db.GetConversation(t.Context(), alpha, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Owner, got.AgentID
	}

	steps := []struct {
		name, as, path string
		body           any
		status         int
		code           string
		owner          model.Owner // of conv afterwards
		agentID        int64
		conv           model.Conversation
	}{
		{"agent at the cap takes from the queue", "alpha-agent", url(waiting, "take"), nil, 409, "at_capacity", model.OwnerQueue, 0, waiting},
		{"supervisor at the cap takes from the queue", "alpha-supervisor", url(waiting, "take"), nil, 409, "at_capacity", model.OwnerQueue, 0, waiting},
		{"supervisor at the cap takes over from the bot", "alpha-supervisor", url(botOwned, "take"), nil, 200, "", model.OwnerAgent, sup, botOwned},
		{"supervisor assigns to the full agent", "alpha-supervisor", url(waiting, "assign"), assignRequest{AgentID: agent}, 200, "", model.OwnerAgent, agent, waiting},
	}
	for _, s := range steps {
		status, raw := env.login(s.as).raw("POST", s.path, s.body)
		if status != s.status || (s.code != "" && decodeError(t, raw).Code != s.code) {
			t.Fatalf("%s: %d %s, want %d %s", s.name, status, raw, s.status, s.code)
		}
		if o, a := owner(s.conv); o != s.owner || a != s.agentID {
			t.Fatalf("%s: conversation is %s/%d, want %s/%d", s.name, o, a, s.owner, s.agentID)
		}
	}

	// Room again: the agent closes both and takes a new one.
	agentClient := env.login("alpha-agent")
	mine, err := env.db.AgentLoads(t.Context(), alpha)
	if err != nil || mine[agent] != 2 {
		t.Fatalf("agent's load %d (%v), want 2 after the override", mine[agent], err)
	}
	setCap(t, env, "alpha", agent, 3)
	next := f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
	if status, raw := agentClient.raw("POST", url(next, "take"), nil); status != 200 {
		t.Fatalf("take under the cap: %d %s", status, raw)
	}
}

// TestTakeCapRace: an agent with room for one more takes two queued
// conversations at once, from two sessions; exactly one take succeeds and
// the other is at_capacity, so the cap holds under concurrency.
func TestTakeCapRace(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	a := f.member(t, "alpha", auth.RoleAgent)
	setCap(t, env, "alpha", a.ID, 1)
	const n = 6
	var paths []string
	var clients []*client
	for range n {
		c := f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
		paths = append(paths, fmt.Sprintf("/api/v1/shops/%d/conversations/%d/take", alpha, c.ID))
		clients = append(clients, env.login(a.Username))
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	codes := make([]string, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest("POST", env.http.URL+paths[i], nil)
			req.Header.Set("X-CSRF-Token", clients[i].csrf)
			resp, err := clients[i].http.Do(req)
			if err != nil {
				statuses[i] = -1
				return
			}
			defer resp.Body.Close()
			statuses[i] = resp.StatusCode
			var e errorJSON
			if json.NewDecoder(resp.Body).Decode(&e) == nil {
				codes[i] = e.Code
			}
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, s := range statuses {
		switch {
		case s == 200:
			won++
		case s == 409 && codes[i] == "at_capacity":
		default:
			t.Fatalf("take %d: %d %s", i, s, codes[i])
		}
	}
	loads, err := env.db.AgentLoads(t.Context(), alpha)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || loads[a.ID] != 1 {
		t.Fatalf("%d takes succeeded and the agent holds %d; want 1 and 1", won, loads[a.ID])
	}
}
