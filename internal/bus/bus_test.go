package bus

import (
	"context"
	"testing"
)

func TestLocalDeliversInOrderUntilCancelled(t *testing.T) {
	l := NewLocal()
	var got []int64
	cancel := l.Subscribe(func(e Event) { got = append(got, e.ConversationID) })
	for i := int64(1); i <= 3; i++ {
		if err := l.Publish(context.Background(), Event{Type: TypeMessage, ConversationID: i}); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	_ = l.Publish(context.Background(), Event{Type: TypeMessage, ConversationID: 4})
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("got %v, want [1 2 3]", got)
	}
}
