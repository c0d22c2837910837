package hub

import (
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
)

type recorder struct {
	got    []bus.Event
	closed string
}

func (r *recorder) Deliver(e bus.Event) { r.got = append(r.got, e) }
func (r *recorder) Close(reason string) { r.closed = reason }

func TestHandleRoutesByConversationAndShop(t *testing.T) {
	h := New()
	buyer1, buyer2, agentA, agentB, otherShop := &recorder{}, &recorder{}, &recorder{}, &recorder{}, &recorder{}
	h.WatchConversation(buyer1, 1)
	h.WatchConversation(buyer2, 2)
	h.JoinShop(agentA, 10, 100)
	h.JoinShop(agentB, 10, 101)
	h.JoinShop(otherShop, 11, 102)

	h.Handle(bus.Event{Type: bus.TypeMessage, ShopID: 10, ConversationID: 1})
	h.Handle(bus.Event{Type: bus.TypeMember, ShopID: 10, AccountID: 101})

	tests := []struct {
		name string
		r    *recorder
		want int
	}{
		{"buyer of the conversation", buyer1, 1},
		{"buyer of another conversation", buyer2, 0},
		{"agent of the shop hears message only", agentA, 1},
		{"agent named by member event hears both", agentB, 2},
		{"agent of another shop", otherShop, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.r.got) != tt.want {
				t.Errorf("got %d events, want %d", len(tt.r.got), tt.want)
			}
		})
	}

	h.UnwatchConversation(buyer1, 1)
	h.LeaveShop(agentA, 10)
	if convs, agents := h.Counts(); convs != 1 || agents != 2 {
		t.Errorf("counts %d %d, want 1 2", convs, agents)
	}
	h.CloseAll("reconnect")
	if buyer2.closed != "reconnect" || agentB.closed != "reconnect" || buyer1.closed != "" {
		t.Errorf("close: %q %q %q", buyer2.closed, agentB.closed, buyer1.closed)
	}
}
