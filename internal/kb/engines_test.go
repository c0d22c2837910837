package kb

import (
	"context"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
)

// incrementalKB is a test knowledge base whose engines update incrementally
// from the first FAQ and retrain only when the test says so.
func incrementalKB(t *testing.T) *testKB {
	k := newTestKB(t)
	es := k.svc.Engines()
	es.incrementalFrom, es.retrainAfter = 1, time.Hour
	return k
}

func (k *testKB) engine() *ShopEngine {
	k.t.Helper()
	se, err := k.svc.Engines().Get(context.Background(), k.shop)
	if err != nil {
		k.t.Fatal(err)
	}
	return se
}

// retrain runs the background full build now.
func (k *testKB) retrain() {
	es := k.svc.Engines()
	es.retrainNow(k.shop, es.slot(k.shop))
}

func TestPublishUpdatesTheEngineIncrementally(t *testing.T) {
	k := incrementalKB(t)
	ctx := context.Background()
	faqs := k.seed()
	if n := k.engine().Engine.Incremental(); n != len(faqs)-1 {
		t.Fatalf("after seeding: %d incremental changes, want %d (the first publish builds)", n, len(faqs)-1)
	}
	k.retrain()
	if se := k.engine(); se.Engine.Incremental() != 0 || se.Engine.FAQs() != len(faqs) {
		t.Fatalf("after retraining: %d FAQs, %d incremental", se.Engine.FAQs(), se.Engine.Incremental())
	}

	gift, _, err := k.svc.Create(ctx, k.shop, 1, Input{Publish: true, Content: model.FAQContent{
		Question: "可以包装成礼物吗", Similar: []string{"有礼品包装吗"}, Answers: text("可以免费礼盒包装", "")}})
	if err != nil {
		t.Fatal(err)
	}
	if se := k.engine(); se.Engine.Incremental() != 1 {
		t.Errorf("publish was not incremental: %d changes", se.Engine.Incremental())
	}
	if m := k.match("可以包装成礼物吗"); m.Decision != nlp.Answer || m.FAQ == nil || m.FAQ.ID != gift.ID {
		t.Fatalf("published FAQ not answered: %+v", m.Result)
	}

	// An edit replaces the FAQ, questions or answer.
	gift.Content.Similar = []string{"礼盒要钱吗"}
	if gift, _, err = k.svc.Update(ctx, k.shop, 1, gift.ID, gift.Revision, Input{Content: gift.Content, Publish: true}); err != nil {
		t.Fatal(err)
	}
	if m := k.match("礼盒要钱吗"); m.FAQ == nil || m.FAQ.ID != gift.ID || m.Decision != nlp.Answer {
		t.Errorf("edited similar question not answered: %+v", m.Result)
	}
	gift.Content.Answers = text("礼盒另收5元", "")
	if gift, _, err = k.svc.Update(ctx, k.shop, 1, gift.ID, gift.Revision, Input{Content: gift.Content, Publish: true}); err != nil {
		t.Fatal(err)
	}
	if m := k.match("礼盒要钱吗"); m.Answer == nil || m.Answer.Text != "礼盒另收5元" || m.Candidates[0].Answer != "礼盒另收5元" {
		t.Errorf("new answer not sent: %+v %+v", m.Answer, m.Candidates)
	}

	if _, err := k.svc.Unpublish(ctx, k.shop, 1, gift.ID); err != nil {
		t.Fatal(err)
	}
	if m := k.match("礼盒要钱吗"); m.FAQ != nil && m.FAQ.ID == gift.ID {
		t.Errorf("unpublished FAQ matched: %+v", m.Result)
	}
	k.retrain()
	se := k.engine()
	if se.Engine.Incremental() != 0 || se.Engine.FAQs() != len(faqs) {
		t.Errorf("after retraining: %d FAQs, %d incremental", se.Engine.FAQs(), se.Engine.Incremental())
	}
	if m := k.match("可以开发票吗"); m.FAQKey != "invoice" || m.Decision != nlp.Answer {
		t.Errorf("retrained engine does not answer: %+v", m.Result)
	}
}

// A publish made while the background build runs is applied on top of it.
func TestRetrainKeepsLaterPublishes(t *testing.T) {
	k := incrementalKB(t)
	ctx := context.Background()
	k.seed()
	es := k.svc.Engines()
	s := es.slot(k.shop)
	snap := s.cur.Load()
	var faqs []nlp.FAQ
	for _, id := range sortedIDs(snap.engFAQs) {
		faqs = append(faqs, snap.engFAQs[id])
	}
	full, err := nlp.Build(faqs, snap.opts)
	if err != nil {
		t.Fatal(err)
	}
	late, _, err := k.svc.Create(ctx, k.shop, 1, Input{Publish: true, Content: model.FAQContent{
		Question: "有没有会员折扣", Answers: text("会员95折", "")}})
	if err != nil {
		t.Fatal(err)
	}
	es.swapRetrained(k.shop, s, snap, full, time.Millisecond)
	se := k.engine()
	if se.Engine.FAQs() != len(faqs)+1 || se.Engine.Incremental() != 1 {
		t.Errorf("after the swap: %d FAQs, %d incremental; want %d and 1", se.Engine.FAQs(), se.Engine.Incremental(), len(faqs)+1)
	}
	if m := k.match("有没有会员折扣"); m.FAQ == nil || m.FAQ.ID != late.ID {
		t.Errorf("the later publish was lost: %+v", m.Result)
	}
	if s.retrain == nil {
		t.Error("no retrain scheduled for the later publish")
	}
}

// A change of the shop's options (synonyms) rebuilds from scratch.
func TestOptionChangeRebuilds(t *testing.T) {
	k := incrementalKB(t)
	ctx := context.Background()
	k.seed()
	if err := k.db.PutSynonyms(ctx, k.shop, [][]string{{"发票", "票据"}}); err != nil {
		t.Fatal(err)
	}
	se, err := k.svc.Engines().Rebuild(ctx, k.shop)
	if err != nil {
		t.Fatal(err)
	}
	if se.Engine.Incremental() != 0 {
		t.Errorf("options changed, engine updated instead of rebuilt (%d changes)", se.Engine.Incremental())
	}
}
