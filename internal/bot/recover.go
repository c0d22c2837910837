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
// process stopped: the newest message of each conversation the bot owns,
// when a buyer wrote it within RecoverWindow. Replies carry the buyer
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
	ms, err := b.st.ListMessages(ctx, store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, Newest: true, Limit: 1})
	if err != nil || len(ms) == 0 {
		return false, err
	}
	m := ms[0]
	if m.Sender != model.SenderBuyer || b.now().Sub(m.CreatedAt) > RecoverWindow {
		return false, nil
	}
	outcome := b.enqueue(job{shopID: c.ShopID, msg: chat.NewMessageJSON(m)})
	return outcome == accepted || outcome == overflowed, nil
}
