package stats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// paraphrases are groups of questions a shop's FAQ does not answer yet:
// each group asks one thing in different words, and each comes with what
// agents replied to it.
var paraphrases = []struct {
	name    string
	asks    []string
	replies []string
}{
	{"invoice", []string{"可以开发票吗", "能开增值税专用发票吗", "发票怎么开", "我要开票", "开个电子发票可以吗", "需要发票怎么弄", "能不能开公司抬头的发票", "发票能开吗亲"},
		[]string{"可以开发票的，下单时在备注里填写抬头和税号即可", "亲，发票在订单备注写上抬头和税号，发货后开电子发票", "能开的，电子发票发货后发到您邮箱"}},
	{"gift", []string{"有赠品吗", "买这个送什么东西", "下单送小礼物吗", "赠品怎么领", "送不送赠品啊", "有什么赠送的", "买了有赠品拿吗"},
		[]string{"下单即送精美小礼品一份，随包裹一起寄出", "现在下单都有赠品，会和商品一起发出哦", "赠品是随机的小礼物，不用领，自动随单发"}},
	{"warranty", []string{"保修多久", "质保期是多长时间", "坏了能保修吗", "有没有保修服务", "保修期几年", "售后质保多久", "保修怎么申请"},
		[]string{"全国联保一年，非人为损坏免费维修", "质保一年，坏了联系我们寄回免费修", "保修期内拍照联系客服，我们安排维修"}},
	{"abroad", []string{"能寄到国外吗", "发不发海外", "可以邮寄到美国吗", "国外能收到吗", "海外能买吗", "能发到香港吗", "寄国外要多少运费"},
		[]string{"可以寄海外，运费按国家另算，下单前联系客服报价", "海外和港澳台都能发，国际运费单独计算", "国外地址也能下单，运费按重量收取"}},
	{"points", []string{"积分怎么用", "会员积分能抵钱吗", "我的积分可以兑换什么", "积分有什么用", "积分怎么兑换", "积分能当钱花吗"},
		[]string{"100积分可抵1元，结算页勾选积分抵扣即可", "积分在结算时可以抵现，100积分抵1元", "积分能在积分商城换优惠券"}},
	{"washing", []string{"这个衣服能机洗吗", "怎么洗比较好", "可以用洗衣机洗吗", "需要干洗吗", "洗的时候会掉色吗", "能不能手洗"},
		[]string{"建议冷水手洗，不要暴晒，机洗请用洗衣袋", "可以机洗，用洗衣袋冷水轻柔模式，不会掉色", "不用干洗，深色单独洗就行"}},
	{"restock", []string{"什么时候补货", "还会补货吗", "断货了什么时候有", "缺货的啥时候到", "补货大概要多久", "卖完了还补吗"},
		[]string{"预计下周补货，可以先收藏到货会提醒", "一般7天左右补货，收藏商品到货有通知", "厂家在赶工，月底前会补上"}},
	{"canada", []string{"do you ship to canada", "can i get it delivered to canada", "shipping to canada possible?", "canada delivery available?", "do you deliver to toronto canada"},
		[]string{"Yes, we ship to Canada; shipping is quoted at checkout", "We deliver to Canada, international shipping is charged separately", "Sure, Canadian addresses are fine, delivery takes about 10 days"}},
	{"store", []string{"你们有实体店吗", "线下门店在哪里", "有没有实体店可以试穿", "实体店地址是多少", "线下有店吗"},
		[]string{"我们只有网店，暂时没有线下实体店", "目前没有实体门店，只在网上销售哦", "暂时只做线上，不支持到店试穿"}},
}

// seedGaps writes one conversation for each ask (some phrasings asked by
// several buyers): the bot falls back, offers choices the buyer ignores,
// or hands over on a keyword, and an agent greets the buyer and answers
// with one of the group's replies.
func seedGaps(t *testing.T, w *world) map[int64]string {
	g := w.g
	label := map[int64]string{} // message id → group
	at := w.first.Add(9 * time.Hour)
	n := 0
	for _, p := range paraphrases {
		for i, ask := range p.asks {
			for r := 0; r < 1+i%3; r++ {
				n++
				b, err := g.db.EnsureVisitor(g.ctx, g.shop.ID, fmt.Sprintf("gap-%d", n))
				g.must(err)
				cv := g.open(b, at.Add(time.Duration(n)*7*time.Minute), "web")
				m := cv.buyerSays(ask)
				label[m.ID] = p.name
				cv.wait(time.Second)
				switch n % 3 {
				case 0:
					cv.botSays(m, 1, "text", reply{Explain: explain{Step: "fallback", Intent: intent{"other"}}})
					cv.wait(time.Minute)
					cv.buyerSays("转人工")
					cv.move(model.OwnerQueue, 0, 0, "human_request")
				case 1:
					cv.botSays(m, 1, "choices", reply{Choices: []choice{{101, choiceText(101)}},
						Explain: explain{Step: "choices", Intent: intent{"other"}, Candidates: []candidate{{"101"}}}})
					cv.wait(time.Minute)
					cv.move(model.OwnerQueue, 0, 0, "human_request")
				default:
					cv.move(model.OwnerQueue, 0, 0, "keyword:问")
					cv.botSays(m, 1, "text", reply{Explain: explain{Step: "handoff", Handoff: "keyword:问", Intent: intent{"other"}}})
				}
				cv.wait(time.Minute)
				if n%4 == 3 {
					// Nobody came: the buyer left the queue.
					cv.move(model.OwnerClosed, 0, 0, "buyer_left")
					continue
				}
				agent := g.agents[n%len(g.agents)]
				cv.move(model.OwnerAgent, agent, 0, "assigned")
				cv.wait(10 * time.Second)
				cv.post(model.SenderAgent, agent, fmt.Sprintf("g%d-1", n), "text", "您好，亲", nil)
				if n%3 == 1 {
					// A holding line every group gets now and then.
					cv.post(model.SenderAgent, agent, fmt.Sprintf("g%d-h", n), "text", "稍等，我帮您查一下", nil)
				}
				cv.wait(20 * time.Second)
				cv.post(model.SenderAgent, agent, fmt.Sprintf("g%d-2", n), "text", p.replies[n%len(p.replies)], nil)
				cv.wait(time.Minute)
				cv.move(model.OwnerClosed, 0, 0, "agent_closed")
			}
		}
	}
	return label
}

// gapWorld is a shop with unanswered questions and a knowledge base with
// one FAQ close to the invoice group.
func gapWorld(t *testing.T) (*world, *kb.Service, map[int64]string, model.FAQ) {
	w := build(t, "Asia/Shanghai", "2025-07-01", 1, 0, 3)
	know := kb.New(kb.Options{Store: w.g.db, Now: w.g.clk.Now})
	w.svc.kb = know
	faq, _, err := know.Create(context.Background(), w.g.shop.ID, 0, kb.Input{Publish: true, Content: model.FAQContent{
		Question: "怎么开发票", Similar: []string{"能开发票吗", "发票开具"},
		Answers: []model.Answer{{Type: model.AnswerText, Text: "下单备注抬头和税号，发货后开电子发票"}}}})
	must(t, err)
	label := seedGaps(t, w)
	w.settle(t)
	return w, know, label, faq
}

// purityRecall scores a grouping of questions (message id → group id)
// against their true groups: purity is the share of questions in the
// majority true group of their found group, recall the share in the found
// group holding most of their true group.
func purityRecall(found map[int64]int64, label map[int64]string) (float64, float64) {
	byFound := map[int64]map[string]int{}
	byLabel := map[string]map[int64]int{}
	for id, g := range found {
		l := label[id]
		if byFound[g] == nil {
			byFound[g] = map[string]int{}
		}
		if byLabel[l] == nil {
			byLabel[l] = map[int64]int{}
		}
		byFound[g][l]++
		byLabel[l][g]++
	}
	purity, recall := 0, 0
	for _, m := range byFound {
		purity += maxOf(m)
	}
	for _, m := range byLabel {
		recall += maxOf(m)
	}
	return float64(purity) / float64(len(found)), float64(recall) / float64(len(found))
}

// TestGroupingRecovers seeds unanswered questions made of paraphrase
// groups and checks that mining recovers the groups, printing purity (how
// much of each draft is one group) and recall (how much of each group
// lands in one draft): by the questions' words alone, and as mined (with
// what agents replied). It checks that every draft's answer is one of what
// agents replied to its group (never the greeting), and that the group
// close to an existing FAQ becomes that FAQ's similar questions.
func TestGroupingRecovers(t *testing.T) {
	ctx := context.Background()
	w, _, label, faq := gapWorld(t)
	qs, err := w.g.db.ListUnanswered(ctx, w.g.shop.ID, time.Time{}, 10000)
	must(t, err)
	if len(qs) != len(label) {
		t.Fatalf("%d unanswered questions collected, want %d", len(qs), len(label))
	}
	var texts []string
	for _, q := range qs {
		texts = append(texts, q.Text)
	}
	phr, groups := GroupQuestions(qs, nlp.NewVectorizer(texts, nil), 0)
	words := map[int64]int64{}
	for g, members := range groups {
		for _, p := range members {
			for _, m := range phr[p].members {
				words[qs[m].MessageID] = int64(g)
			}
		}
	}
	wp, wr := purityRecall(words, label)

	gaps, err := w.svc.Mine(ctx, w.g.shop.ID)
	must(t, err)
	qs, err = w.g.db.ListUnanswered(ctx, w.g.shop.ID, time.Time{}, 10000)
	must(t, err)
	mined := map[int64]int64{}
	for _, q := range qs {
		mined[q.MessageID] = q.GapID
	}
	p, r := purityRecall(mined, label)
	t.Logf("grouping %d questions of %d groups: by words alone %d groups, purity %.3f, recall %.3f; as mined %d drafts, purity %.3f, recall %.3f",
		len(qs), len(paraphrases), len(groups), wp, wr, len(gaps), p, r)
	if wp < 0.85 || wr < 0.6 {
		t.Errorf("by words alone: purity %.3f (want ≥ 0.85), recall %.3f (want ≥ 0.6)", wp, wr)
	}
	if p < 0.9 || r < 0.85 {
		t.Errorf("as mined: purity %.3f (want ≥ 0.9), recall %.3f (want ≥ 0.85)", p, r)
	}
	checkDrafts(t, gaps, qs, label, faq)
}

func maxOf[K comparable](m map[K]int) int {
	best := 0
	for _, n := range m {
		best = max(best, n)
	}
	return best
}

// checkDrafts checks each draft against the group most of its questions
// belong to.
func checkDrafts(t *testing.T, gaps []Gap, qs []store.Unanswered, label map[int64]string, faq model.FAQ) {
	t.Helper()
	major := map[int64]string{}
	votes := map[int64]map[string]int{}
	for _, q := range qs {
		if votes[q.GapID] == nil {
			votes[q.GapID] = map[string]int{}
		}
		votes[q.GapID][label[q.MessageID]]++
	}
	for id, v := range votes {
		for l, n := range v {
			if n == maxOf(v) {
				major[id] = l
			}
		}
	}
	similar := 0
	for i, g := range gaps {
		if i > 0 && g.Buyers > gaps[i-1].Buyers {
			t.Errorf("drafts not ranked by buyers: %d after %d", g.Buyers, gaps[i-1].Buyers)
		}
		group := paraphrases[slices.IndexFunc(paraphrases, func(p struct {
			name    string
			asks    []string
			replies []string
		}) bool {
			return p.name == major[g.ID]
		})]
		if g.Kind == store.GapSimilar {
			similar++
			if group.name != "invoice" || g.FAQID != faq.ID || len(g.Draft.Similar) == 0 {
				t.Errorf("draft %d (%s) extends FAQ %d with %v", g.ID, group.name, g.FAQID, g.Draft.Similar)
			}
			continue
		}
		if g.Asks >= 3 && !slices.Contains(group.replies, g.Draft.Answer) {
			t.Errorf("draft %d (%s): answer %q is not one of the agents' replies %q", g.ID, group.name, g.Draft.Answer, group.replies)
		}
		for _, a := range g.Draft.Answers {
			if a == "您好，亲" {
				t.Errorf("draft %d offers the greeting as an answer", g.ID)
			}
		}
	}
	if similar != 1 {
		t.Errorf("%d drafts extend an existing FAQ, want 1 (the invoice group)", similar)
	}
}

// TestApproveAndDismiss follows drafts to their end: an approved draft goes
// live at once (a new FAQ the engine answers with, or new similar
// questions of the FAQ it extends), a dismissed one leaves the miner's
// input, and a decided draft cannot be decided again.
func TestApproveAndDismiss(t *testing.T) {
	ctx := context.Background()
	w, know, _, faq := gapWorld(t)
	shop := w.g.shop.ID
	gaps, err := w.svc.Mine(ctx, shop)
	must(t, err)
	var similar, fresh, other Gap
	for _, g := range gaps {
		switch {
		case g.Kind == store.GapSimilar:
			similar = g
		case fresh.ID == 0:
			fresh = g
		case other.ID == 0:
			other = g
		}
	}
	if similar.ID == 0 || fresh.ID == 0 || other.ID == 0 {
		t.Fatalf("drafts %+v: want a similar one and two new ones", gaps)
	}
	top := func(text string) string {
		se, err := know.Engines().Get(ctx, shop)
		must(t, err)
		m := se.Match(text, nil, w.g.clk.Now(), "zh-CN")
		if len(m.Candidates) == 0 {
			return ""
		}
		return m.Candidates[0].FAQID
	}

	t.Run("similar questions go live", func(t *testing.T) {
		_, f, err := w.svc.Approve(ctx, shop, similar.ID, 7, Edit{})
		must(t, err)
		if f.ID != faq.ID || f.Live == nil || len(f.Live.Similar) != 2+len(similar.Draft.Similar) {
			t.Fatalf("FAQ after approval: %+v", f.Live)
		}
		q := similar.Draft.Similar[0]
		if got := top(q); got != fmt.Sprint(faq.ID) {
			t.Errorf("the engine's best FAQ for %q is %q, want %d", q, got, faq.ID)
		}
	})
	t.Run("a new FAQ goes live with the edited answer", func(t *testing.T) {
		answer := "编辑后的答案"
		g, f, err := w.svc.Approve(ctx, shop, fresh.ID, 7, Edit{Answer: &answer})
		must(t, err)
		if g.Status != store.GapApproved || g.FAQID != f.ID || g.DecidedBy != 7 || g.Draft.Answer != answer {
			t.Errorf("decided draft %+v", g)
		}
		if f.Live == nil || f.Live.Answers[0].Text != answer || f.Live.Question != fresh.Draft.Question {
			t.Fatalf("new FAQ %+v", f)
		}
		if got := top(fresh.Draft.Question); got != fmt.Sprint(f.ID) {
			t.Errorf("the engine's best FAQ for %q is %q, want the new %d", fresh.Draft.Question, got, f.ID)
		}
	})
	t.Run("dismissed and decided drafts stay out", func(t *testing.T) {
		d, err := w.svc.Dismiss(ctx, shop, other.ID, 8)
		must(t, err)
		if d.Status != store.GapDismissed {
			t.Fatalf("dismissed draft %+v", d)
		}
		if _, err := w.svc.Dismiss(ctx, shop, other.ID, 8); err != ErrNotOpen {
			t.Errorf("dismissing again: %v, want ErrNotOpen", err)
		}
		if _, _, err := w.svc.Approve(ctx, shop, fresh.ID, 7, Edit{}); err != ErrNotOpen {
			t.Errorf("approving again: %v, want ErrNotOpen", err)
		}
		again, err := w.svc.Mine(ctx, shop)
		must(t, err)
		for _, g := range again {
			for _, ex := range g.Draft.Examples {
				for _, gone := range append(append([]Example{}, other.Draft.Examples...), similar.Draft.Examples...) {
					if ex.Text == gone.Text {
						t.Errorf("%q came back in draft %d after its draft was decided", ex.Text, g.ID)
					}
				}
			}
		}
		if len(again) != len(gaps)-3 {
			t.Errorf("%d open drafts after deciding 3 of %d", len(again), len(gaps))
		}
		dismissed, err := w.svc.Gaps(ctx, shop, store.GapDismissed, 10)
		must(t, err)
		if len(dismissed) != 1 || dismissed[0].ID != other.ID {
			t.Errorf("dismissed drafts %+v", dismissed)
		}
	})
	t.Run("a draft without an answer needs one", func(t *testing.T) {
		open, err := w.svc.Gaps(ctx, shop, store.GapOpen, 10)
		must(t, err)
		empty := ""
		var fe *FieldError
		if _, _, err := w.svc.Approve(ctx, shop, open[0].ID, 7, Edit{Answer: &empty}); !errors.As(err, &fe) || fe.Field != "answer" {
			t.Errorf("approving without an answer: %v", err)
		}
	})
}
