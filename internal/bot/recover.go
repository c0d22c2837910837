package bot

import (
	"context"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// RecoverWindow is how old an unanswered buyer message may be for the bot
// to still answer it after a restart; older ones would read as a late reply
// to a buyer who has moved on.
const RecoverWindow = 10 * time.Minute

// Recover queues the buyer messages the bot had not answered when the
// process stopped: in each conversation the bot owns whose newest message
// is a buyer's, written within RecoverWindow, the buyer messages since the
// bot last spoke, answered together as one burst. Replies carry the buyer
// message's id as their client id, so one already sent is not sent again.
func (b *Bot) Recover(ctx context.Context) (int, error) {
	shops, err := b.st.ListShops(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, shop := range shops {
		var before int64
		for {
			cs, err := b.st.ListConversations(ctx, store.ConversationFilter{ShopID: shop.ID, Owners: []model.Owner{model.OwnerBot},
				Before: before, Limit: 200})
			if err != nil {
				return queued, err
			}
			for _, c := range cs {
				ok, err := b.recoverConversation(ctx, c)
				if err != nil {
					return queued, err
				}
				if ok {
					queued++
				}
			}
			if len(cs) < 200 {
				break
			}
			before = cs[len(cs)-1].ID
		}
	}
	return queued, nil
}

func (b *Bot) recoverConversation(ctx context.Context, c model.Conversation) (bool, error) {
	if b.now().Sub(c.UpdatedAt) > RecoverWindow {
		return false, nil
	}
	ms, err := b.st.ListMessages(ctx, store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, Newest: true, Limit: maxBurst})
	if err != nil || len(ms) == 0 {
		return false, err
	}
	m := ms[len(ms)-1] // oldest first
	if m.Sender != model.SenderBuyer || b.now().Sub(m.CreatedAt) > RecoverWindow {
		return false, nil
	}
	// The buyer messages since the bot last spoke are one burst, answered
	// together as they would have been.
	j := job{shopID: c.ShopID, msg: chat.NewMessageJSON(m), firstSeq: m.Seq, burst: 1}
	for i := len(ms) - 2; i >= 0 && ms[i].Sender == model.SenderBuyer; i-- {
		j.firstSeq, j.burst = ms[i].Seq, j.burst+1
	}
	outcome := b.enqueue(j)
	return outcome == accepted || outcome == overflowed, nil
}
