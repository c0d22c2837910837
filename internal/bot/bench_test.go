package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// benchQuestions are what the buyers ask, FAQ questions and not.
var benchQuestions = []string{"多久发货", "可以开发票吗", "能退货吗", "衣服怎么洗", "你好", "在吗", "什么时候发货", "when will you ship"}

// BenchmarkBotOverload: buyers in `convs` conversations write as fast as 16
// senders can store their messages, through the real bus into the running
// bot (`workers` pipeline workers, backlog bound `backlog`); the bot works
// through its backlog until it is empty. One op is one buyer message,
// stored and acknowledged; the time runs until the bot has dealt with all
// of them. Reported: buyer messages stored per second and handled per
// second (stored and dealt with by the bot), bot turns (replies to buyer
// messages: answers and overload handoff notices, one per burst), the
// share of messages coalesced into a later one's turn, conversations
// handed to people (bot_overload), buyer messages shed and suggestion jobs
// skipped, the most jobs that ever waited in the lanes and the overflow,
// and the delay from the newest buyer message of a turn to the bot's reply
// (p50, p99, max), from the stored times.
func BenchmarkBotOverload(b *testing.B) {
	for _, tc := range []struct {
		workers, backlog, convs int
	}{
		{4, DefaultBacklog, 200},
		{4, DefaultBacklog, 2000},
		{1, 50, 500},
		{1, 10, 500},
	} {
		b.Run(fmt.Sprintf("workers=%d/backlog=%d/convs=%d", tc.workers, tc.backlog, tc.convs), func(b *testing.B) {
			benchOverload(b, tc.workers, tc.backlog, tc.convs)
		})
	}
}

func benchOverload(b *testing.B, workers, backlog, convs int) {
	w := newWorld(b)
	bot := New(Options{Store: w.db, Chat: w.chat, KB: w.kb, Bus: w.bus, Workers: workers, Backlog: backlog})
	cfg := DefaultConfig()
	cfg.Welcome = nil
	cfg.Handoff.MaxMisses, cfg.Handoff.Frustration = 0, 0 // keep the conversations with the bot
	if err := bot.PutConfig(context.Background(), w.shop.ID, cfg, func(string) bool { return true }); err != nil {
		b.Fatal(err)
	}
	cs := make([]model.Conversation, convs)
	for i := range cs {
		cs[i] = w.open(fmt.Sprintf("bench-%d", i))
	}
	w.subscribeBot(bot)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { bot.Run(ctx); close(done) }()

	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				c := cs[i%int64(convs)]
				_, _, err := w.chat.Post(context.Background(), postOf(c, i))
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	posted := time.Since(start)
	for st := bot.Backlog(); st.Waiting+st.Overflow+st.Busy > 0; st = bot.Backlog() {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done

	st := bot.Backlog()
	if st.Peak > st.Limit+workers || st.OverflowPeak > st.OverflowLimit+1 {
		b.Fatalf("backlog over its bound: %+v", st)
	}
	turns, delays := replyDelays(b, w, cs)
	b.ReportMetric(float64(b.N)/posted.Seconds(), "stored/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "handled/s")
	b.ReportMetric(float64(turns), "turns")
	b.ReportMetric(float64(st.Coalesced)/float64(b.N)*100, "coalesced%")
	b.ReportMetric(float64(st.Overloaded), "overloaded")
	b.ReportMetric(float64(st.Shed), "shed")
	b.ReportMetric(float64(st.Skipped), "skipped")
	b.ReportMetric(float64(st.Peak), "peak_waiting")
	b.ReportMetric(float64(st.OverflowPeak), "peak_overflow")
	if len(delays) > 0 {
		b.ReportMetric(float64(delays[len(delays)/2].Milliseconds()), "p50_reply_ms")
		b.ReportMetric(float64(delays[len(delays)*99/100].Milliseconds()), "p99_reply_ms")
		b.ReportMetric(float64(delays[len(delays)-1].Milliseconds()), "max_reply_ms")
	}
}

// postOf is the i-th buyer message of the benchmark in c.
func postOf(c model.Conversation, i int64) chat.Post {
	return chat.Post{ShopID: c.ShopID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: c.BuyerID,
		ClientID: "m" + strconv.FormatInt(i, 10), Body: benchQuestions[i%int64(len(benchQuestions))]}
}

// replyDelays counts the bot's replies to buyer messages and returns, for
// each, the time from the newest buyer message it answers to it, sorted.
func replyDelays(b *testing.B, w *world, cs []model.Conversation) (int, []time.Duration) {
	var delays []time.Duration
	turns := 0
	for _, c := range cs {
		var after int64
		byID := map[int64]model.Message{}
		for {
			ms, err := w.db.ListMessages(context.Background(), store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, AfterSeq: after, Limit: 1000})
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range ms {
				switch {
				case m.Sender == model.SenderBuyer:
					byID[m.ID] = m
				case m.Sender == model.SenderBot && strings.HasPrefix(m.ClientID, "bot-") && !strings.Contains(m.ClientID[4:], "-"):
					id, _ := strconv.ParseInt(m.ClientID[4:], 10, 64)
					if q, ok := byID[id]; ok {
						turns++
						delays = append(delays, m.CreatedAt.Sub(q.CreatedAt))
					}
				}
			}
			if len(ms) < 1000 {
				break
			}
			after = ms[len(ms)-1].Seq
		}
	}
	slices.Sort(delays)
	return turns, delays
}
