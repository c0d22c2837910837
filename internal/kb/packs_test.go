package kb

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func TestMerge3(t *testing.T) {
	base := model.FAQContent{Question: "Q", Similar: []string{"a", "b"}, Answers: text("A", ""), Tags: []string{"t"}}
	tests := []struct {
		name      string
		mine      func(*model.FAQContent)
		theirs    func(*model.FAQContent)
		want      func(*model.FAQContent)
		conflicts []string
	}{
		{"only pack changed answer", func(*model.FAQContent) {}, func(c *model.FAQContent) { c.Answers = text("B", "") },
			func(c *model.FAQContent) { c.Answers = text("B", "") }, nil},
		{"only merchant changed answer", func(c *model.FAQContent) { c.Answers = text("M", "") }, func(*model.FAQContent) {},
			func(c *model.FAQContent) { c.Answers = text("M", "") }, nil},
		{"both changed answer differently", func(c *model.FAQContent) { c.Answers = text("M", "") }, func(c *model.FAQContent) { c.Answers = text("B", "") },
			func(c *model.FAQContent) { c.Answers = text("M", "") }, []string{"answers"}},
		{"both changed answer the same", func(c *model.FAQContent) { c.Answers = text("B", "") }, func(c *model.FAQContent) { c.Answers = text("B", "") },
			func(c *model.FAQContent) { c.Answers = text("B", "") }, nil},
		{"similar merge as sets", func(c *model.FAQContent) { c.Similar = []string{"a", "b", "mine"} }, func(c *model.FAQContent) { c.Similar = []string{"b", "new"} },
			func(c *model.FAQContent) { c.Similar = []string{"b", "mine", "new"} }, nil},
		{"question conflict", func(c *model.FAQContent) { c.Question = "M" }, func(c *model.FAQContent) { c.Question = "P" },
			func(c *model.FAQContent) { c.Question = "M" }, []string{"question"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mine, theirs, want := clone(base), clone(base), clone(base)
			tt.mine(&mine)
			tt.theirs(&theirs)
			tt.want(&want)
			got, _, conflicts := merge3(base, mine, theirs)
			if !equalJSON(got, want) {
				t.Errorf("merged %s, want %s", toJSON(got), toJSON(want))
			}
			var fields []string
			for _, c := range conflicts {
				fields = append(fields, c.Field)
			}
			if !slices.Equal(fields, tt.conflicts) {
				t.Errorf("conflicts %v, want %v", fields, tt.conflicts)
			}
		})
	}
}

func clone(c model.FAQContent) model.FAQContent {
	c.Similar = slices.Clone(c.Similar)
	c.Answers = slices.Clone(c.Answers)
	c.Tags = slices.Clone(c.Tags)
	return c
}

func TestPackEnableUpgradeRollback(t *testing.T) {
	k := newTestKB(t)
	ctx := context.Background()
	// The test library ships only v1 first: enabling picks the latest, so
	// enable on a library cut to v1, then upgrade on the full one.
	full := k.svc.packs
	k.svc.packs = &PackLibrary{versions: map[string][]Pack{"shoes": full.versions["shoes"][:1]}}
	added, err := k.svc.EnablePack(ctx, k.shop, 1, "shoes")
	if err != nil || added != 4 {
		t.Fatalf("enable: %d %v", added, err)
	}
	if m := k.match("鞋子尺码怎么选"); m.FAQKey != "shoes/size" {
		t.Fatalf("pack FAQ not answered: %+v", m)
	}
	if _, err := k.svc.EnablePack(ctx, k.shop, 1, "shoes"); !errors.Is(err, ErrNothingToDo) {
		t.Fatalf("enable twice: %v", err)
	}
	k.svc.packs = full

	// The merchant edits three pack FAQs.
	edit := func(key string, change func(*model.FAQContent)) {
		f := k.faqByKey(key)
		c := f.Content
		change(&c)
		if _, _, err := k.svc.Update(ctx, k.shop, 1, f.ID, f.Revision, Input{Content: c, Publish: true}); err != nil {
			t.Fatal(err)
		}
	}
	edit("shoes/size", func(c *model.FAQContent) { c.Answers = text("亲，我们的鞋偏小一码", "Runs one size small.") })
	edit("shoes/care", func(c *model.FAQContent) { c.Similar = append(c.Similar, "鞋子怎么护理") })
	edit("shoes/smell", func(c *model.FAQContent) { c.Answers = text("我们的鞋用环保胶，几乎无味", "") })

	plan, err := k.svc.PlanUpgrade(ctx, k.shop, "shoes")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, ch := range plan.Changes {
		kinds[ch.Key] = ch.Kind
	}
	want := map[string]string{"size": "conflict", "care": "updated", "insole": "added", "smell": "detached"}
	if !equalJSON(kinds, want) || plan.From != 1 || plan.To != 2 {
		t.Fatalf("plan %v (v%d→v%d), want %v", kinds, plan.From, plan.To, want)
	}
	if _, err := k.svc.Upgrade(ctx, k.shop, 1, "shoes"); err != nil {
		t.Fatal(err)
	}
	// The conflict is shown and the merchant's answer kept live.
	size := k.faqByKey("shoes/size")
	if len(size.Conflicts) != 1 || size.Conflicts[0].Field != "answers" || size.Live.Answers[0].Text != "亲，我们的鞋偏小一码" {
		t.Fatalf("size after upgrade: %+v live %+v", size.Conflicts, size.Live)
	}
	// The pack's new answer arrived and the merchant's similar question stayed.
	care := k.faqByKey("shoes/care")
	if care.Live.Answers[0].Text != "用软布擦拭，每月上一次鞋油" || !slices.Contains(care.Content.Similar, "鞋子怎么护理") {
		t.Fatalf("care after upgrade: %+v", care.Content)
	}
	// The edited FAQ the pack dropped is kept, detached; the new one is live.
	if smell := k.faqByKey("shoes/smell"); smell.PackID != "" {
		t.Fatalf("smell still tied to the pack: %+v", smell)
	}
	if m := k.match("鞋垫可以拿出来吗"); m.FAQKey != "shoes/insole" {
		t.Fatalf("added FAQ not answered: %+v", m)
	}

	if err := k.svc.Rollback(ctx, k.shop, 1, "shoes"); err != nil {
		t.Fatal(err)
	}
	if size := k.faqByKey("shoes/size"); len(size.Conflicts) != 0 || size.PackVersion != 1 {
		t.Fatalf("size after rollback: %+v", size)
	}
	if care := k.faqByKey("shoes/care"); care.Live.Answers[0].Text != "用软布擦拭，定期上鞋油" {
		t.Fatalf("care after rollback: %+v", care.Live)
	}
	if _, err := k.getByKey("shoes/insole"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("added FAQ survived rollback: %v", err)
	}
	if smell := k.faqByKey("shoes/smell"); smell.PackID != "shoes" {
		t.Fatalf("smell not re-attached: %+v", smell)
	}
	statuses, err := k.svc.PackStatuses(ctx, k.shop)
	if err != nil || len(statuses) != 1 || statuses[0].Version != 1 || !statuses[0].CanUpgrade || statuses[0].CanRollback {
		t.Fatalf("status after rollback: %+v %v", statuses, err)
	}
}

func (k *testKB) getByKey(key string) (model.FAQ, error) {
	var f model.FAQ
	err := k.db.KB(context.Background(), k.shop, 0, func(tx store.KBTx) error {
		var err error
		f, err = tx.GetFAQByKey(context.Background(), key)
		return err
	})
	return f, err
}

func (k *testKB) faqByKey(key string) model.FAQ {
	k.t.Helper()
	f, err := k.getByKey(key)
	if err != nil {
		k.t.Fatalf("faq %s: %v", key, err)
	}
	return f
}
