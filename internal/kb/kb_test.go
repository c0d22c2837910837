package kb

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testKB is a knowledge base on a fresh SQLite database with one shop and a
// clock the test moves.
type testKB struct {
	t    *testing.T
	svc  *Service
	db   *store.DB
	shop int64
	now  time.Time
}

func newTestKB(t *testing.T) *testKB {
	t.Helper()
	ctx := context.Background()
	k := &testKB{t: t, now: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return k.now }
	db, err := store.Open(ctx, store.Options{DSN: t.TempDir() + "/kb.db", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	packs, err := LoadPacks(os.DirFS("testdata/packs"))
	if err != nil {
		t.Fatal(err)
	}
	k.db, k.shop = db, shop.ID
	k.svc = New(Options{Store: db, Packs: packs, Engines: NewEngines(db, nil, clock), Now: clock})
	return k
}

func text(zh, en string) []model.Answer {
	out := []model.Answer{{Type: model.AnswerText, Lang: "zh-CN", Text: zh}}
	if en != "" {
		out = append(out, model.Answer{Type: model.AnswerText, Lang: "en", Text: en})
	}
	return out
}

// seed adds FAQs about distinct topics, published.
func (k *testKB) seed() map[string]model.FAQ {
	k.t.Helper()
	faqs := map[string]model.FAQ{}
	for key, c := range map[string]model.FAQContent{
		"ship":    {Question: "多久发货", Similar: []string{"什么时候发货", "几天能发出", "when will you ship"}, Answers: text("48小时内发货", "Within 48 hours.")},
		"invoice": {Question: "可以开发票吗", Similar: []string{"怎么开发票", "能开专票吗", "can I get an invoice"}, Answers: text("可以开电子发票", "Yes, e-invoices.")},
		"return":  {Question: "支持七天无理由退货吗", Similar: []string{"能退货吗", "不喜欢可以退吗", "can I return it"}, Answers: text("支持七天无理由", "7-day returns.")},
		"wash":    {Question: "衣服怎么洗", Similar: []string{"可以机洗吗", "洗涤方式", "how to wash it"}, Answers: text("建议手洗冷水", "Hand wash cold.")},
	} {
		f, _, err := k.svc.Create(context.Background(), k.shop, 1, Input{Key: key, Content: c, Publish: true})
		if err != nil {
			k.t.Fatal(err)
		}
		faqs[key] = f
	}
	return faqs
}

func (k *testKB) match(q string) Match {
	k.t.Helper()
	m, err := k.svc.Test(context.Background(), k.shop, q, "zh-CN")
	if err != nil {
		k.t.Fatal(err)
	}
	return m
}

func TestCRUDAndSearch(t *testing.T) {
	k := newTestKB(t)
	ctx := context.Background()
	faqs := k.seed()
	tests := []struct {
		name   string
		filter store.FAQFilter
		want   []string
	}{
		{"text in question", store.FAQFilter{Text: "发票"}, []string{"invoice"}},
		{"text in answer, any case", store.FAQFilter{Text: "HAND WASH"}, []string{"wash"}},
		{"status", store.FAQFilter{Status: model.FAQPublished}, []string{"ship", "invoice", "return", "wash"}},
		{"percent is literal", store.FAQFilter{Text: "%"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.ShopID = k.shop
			got, err := k.db.ListFAQs(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, f := range got {
				keys = append(keys, f.Key)
			}
			if !sameSet(keys, tt.want) {
				t.Fatalf("got %v, want %v", keys, tt.want)
			}
		})
	}
	// Update at a stale revision is refused.
	f := faqs["wash"]
	c := f.Content
	c.Tags = []string{"care"}
	if _, _, err := k.svc.Update(ctx, k.shop, 1, f.ID, f.Revision+5, Input{Content: c}); !errors.Is(err, store.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	upd, _, err := k.svc.Update(ctx, k.shop, 1, f.ID, f.Revision, Input{Content: c})
	if err != nil || upd.Status != model.FAQModified {
		t.Fatalf("update: %v %v", err, upd.Status)
	}
	got, err := k.db.ListFAQs(ctx, store.FAQFilter{ShopID: k.shop, Tag: "care"})
	if err != nil || len(got) != 1 || got[0].Key != "wash" {
		t.Fatalf("tag search: %v %v", got, err)
	}
	// Delete keeps the history.
	if err := k.svc.Delete(ctx, k.shop, 1, f.ID); err != nil {
		t.Fatal(err)
	}
	revs, err := k.db.FAQRevisions(ctx, k.shop, f.ID)
	if err != nil || len(revs) != 3 || revs[0].Action != "delete" {
		t.Fatalf("history after delete: %+v %v", revs, err)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	k := newTestKB(t)
	tests := []struct {
		name  string
		c     model.FAQContent
		field string
	}{
		{"empty question", model.FAQContent{Question: " ", Answers: text("a", "")}, "question"},
		{"no answer", model.FAQContent{Question: "q"}, "answers"},
		{"bad lang", model.FAQContent{Question: "q", Answers: []model.Answer{{Type: "text", Lang: "fr", Text: "x"}}}, "answers[0].lang"},
		{"image without url", model.FAQContent{Question: "q", Answers: []model.Answer{{Type: "image"}}}, "answers[0].url"},
		{"bad tag", model.FAQContent{Question: "q", Answers: text("a", ""), Tags: []string{"a b"}}, "tags[0]"},
		{"validity reversed", model.FAQContent{Question: "q", Answers: text("a", ""), ValidFrom: k.now, ValidUntil: k.now.Add(-time.Hour)}, "valid_until"},
		{"unknown category", model.FAQContent{Question: "q", Answers: text("a", ""), CategoryID: 99}, "category_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := k.svc.Create(context.Background(), k.shop, 1, Input{Content: tt.c})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("error %v, want one on %s", err, tt.field)
			}
		})
	}
	if n, _ := k.db.CountFAQs(context.Background(), k.shop); len(n) != 0 {
		t.Fatalf("bad input stored FAQs: %v", n)
	}
}

func TestPublishUnpublishAndExpiry(t *testing.T) {
	k := newTestKB(t)
	ctx := context.Background()
	k.seed()
	draft, _, err := k.svc.Create(ctx, k.shop, 1, Input{Key: "gift", Content: model.FAQContent{Question: "可以礼品包装吗",
		Similar: []string{"能包装成礼物吗", "有礼盒吗", "gift wrapping"}, Answers: text("可以免费礼品包装", "Free gift wrap.")}})
	if err != nil {
		t.Fatal(err)
	}
	if m := k.match("可以礼品包装吗"); m.FAQKey == "gift" && m.Decision == nlp.Answer {
		t.Fatal("a draft was answered")
	}
	if _, err := k.svc.Publish(ctx, k.shop, 1, draft.ID); err != nil {
		t.Fatal(err)
	}
	m := k.match("可以礼品包装吗")
	if m.Decision != nlp.Answer || m.FAQKey != "gift" || m.Answer.Text != "可以免费礼品包装" {
		t.Fatalf("published FAQ not answered: %+v", m)
	}
	if m := k.match("do you do gift wrapping"); m.FAQKey != "gift" || (m.Answer != nil && m.Answer.Lang != "en") {
		t.Fatalf("english: %+v", m)
	}
	// An edit stays a draft: the live answer is unchanged until published.
	c := draft.Content
	c.Answers = text("礼品包装收费5元", "")
	cur, _ := k.db.GetFAQ(ctx, k.shop, draft.ID)
	if _, _, err := k.svc.Update(ctx, k.shop, 1, draft.ID, cur.Revision, Input{Content: c}); err != nil {
		t.Fatal(err)
	}
	if m := k.match("可以礼品包装吗"); m.Answer == nil || m.Answer.Text != "可以免费礼品包装" {
		t.Fatalf("unpublished edit went live: %+v", m.Answer)
	}
	if _, err := k.svc.Unpublish(ctx, k.shop, 1, draft.ID); err != nil {
		t.Fatal(err)
	}
	if m := k.match("可以礼品包装吗"); m.FAQKey == "gift" {
		t.Fatalf("unpublished FAQ still matched: %+v", m)
	}

	// Expiry: valid for one hour from now, then never answered again.
	promo, _, err := k.svc.Create(ctx, k.shop, 1, Input{Key: "promo", Publish: true, Content: model.FAQContent{
		Question: "双十一有什么活动", Similar: []string{"双11优惠", "双十一打折吗"}, Answers: text("全场8折", ""),
		ValidUntil: k.now.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if m := k.match("双十一有什么活动"); m.FAQKey != "promo" || m.Decision != nlp.Answer {
		t.Fatalf("valid promo not answered: %+v", m)
	}
	k.now = k.now.Add(2 * time.Hour) // the engine still holds it: the answer-time check must refuse
	if m := k.match("双十一有什么活动"); m.FAQKey == "promo" {
		t.Fatalf("expired FAQ %d answered: %+v", promo.ID, m)
	}
	se, err := k.svc.Engines().Rebuild(ctx, k.shop)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := se.FAQs[itoa64(promo.ID)]; ok {
		t.Fatal("rebuild kept the expired FAQ")
	}
}

func TestWarnings(t *testing.T) {
	k := newTestKB(t)
	ctx := context.Background()
	faqs := k.seed()
	_, warns, err := k.svc.Create(ctx, k.shop, 1, Input{Content: model.FAQContent{Question: "多久发货呢",
		Similar: []string{"可以开发票吗"}, Answers: text("尽快", "")}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"duplicate": faqs["ship"].ID, "similar_conflict": faqs["invoice"].ID}
	got := map[string]int64{}
	for _, w := range warns {
		got[w.Code] = w.OtherFAQID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("warnings (-want +got):\n%s\n%+v", diff, warns)
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	for _, format := range []string{FormatCSV, FormatXLSX, FormatJSONL} {
		t.Run(format, func(t *testing.T) {
			src := newTestKB(t)
			ctx := context.Background()
			src.seed()
			cat, err := src.db.CreateCategory(ctx, model.Category{ShopID: src.shop, Name: "售后 After-sales"})
			if err != nil {
				t.Fatal(err)
			}
			sub, err := src.db.CreateCategory(ctx, model.Category{ShopID: src.shop, ParentID: cat.ID, Name: "退货"})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = src.svc.Create(ctx, src.shop, 1, Input{Key: "rich", Content: model.FAQContent{
				Question: "退货地址是哪里", Similar: []string{"寄回地址", "return address, please"}, CategoryID: sub.ID,
				Answers: append(text("浙江省杭州市…", "Hangzhou, Zhejiang…"), model.Answer{Type: "image", URL: "https://example.com/a.png"},
					model.Answer{Type: "text", Text: "第二种说法"}), Tags: []string{"return", "address"},
				ValidFrom: src.now, ValidUntil: src.now.Add(72 * time.Hour)}})
			if err != nil {
				t.Fatal(err)
			}
			var first bytes.Buffer
			if err := src.svc.Export(ctx, src.shop, &first, format); err != nil {
				t.Fatal(err)
			}
			dst := newTestKB(t)
			rep, err := dst.svc.Import(ctx, dst.shop, 1, bytes.NewReader(first.Bytes()), ImportOptions{Format: format})
			if err != nil || !rep.Applied || rep.Created != 5 || len(rep.Errors) != 0 {
				t.Fatalf("import: %+v %v", rep, err)
			}
			var second bytes.Buffer
			if err := dst.svc.Export(ctx, dst.shop, &second, format); err != nil {
				t.Fatal(err)
			}
			if format == FormatXLSX {
				// xlsx files carry timestamps; compare what they hold.
				assertSameKnowledge(t, src, dst)
				return
			}
			if diff := cmp.Diff(first.String(), second.String()); diff != "" {
				t.Fatalf("export after import differs (-first +second):\n%s", diff)
			}
			assertSameKnowledge(t, src, dst)
			// Importing the same file again updates, never duplicates.
			rep, err = dst.svc.Import(ctx, dst.shop, 1, bytes.NewReader(first.Bytes()), ImportOptions{Format: format})
			if err != nil || rep.Created != 0 || rep.Updated != 5 {
				t.Fatalf("re-import: %+v %v", rep, err)
			}
		})
	}
}

// assertSameKnowledge compares two shops' FAQs by key: content (category by
// path) and whether live.
func assertSameKnowledge(t *testing.T, a, b *testKB) {
	t.Helper()
	dump := func(k *testKB) map[string]string {
		fs, err := k.db.ListFAQs(context.Background(), store.FAQFilter{ShopID: k.shop, Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		cats, _ := k.db.ListCategories(context.Background(), k.shop)
		out := map[string]string{}
		for _, f := range fs {
			c := f.Content
			path := categoryPath(cats, c.CategoryID)
			c.CategoryID = 0
			c.Answers = canonicalAnswers(c.Answers)
			out[f.Key] = toJSON(c) + " cat=" + path + " live=" + boolStr(f.Live != nil)
		}
		return out
	}
	if diff := cmp.Diff(dump(a), dump(b)); diff != "" {
		t.Fatalf("knowledge differs (-a +b):\n%s", diff)
	}
}

func TestImportBadRowRejectsBatch(t *testing.T) {
	k := newTestKB(t)
	ctx := context.Background()
	csvFile := "id,question,similar,answer_zh,status,valid_from\n" +
		"a,多久发货,什么时候发,48小时,published,\n" +
		"b,,没有问题,答案,,\n" +
		"c,能开发票吗,,可以,maybe,\n" +
		"a,重复的id,,x,,\n" +
		"d,包邮吗,,满99包邮,,2026-13-40\n"
	rep, err := k.svc.Import(ctx, k.shop, 1, strings.NewReader(csvFile), ImportOptions{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	want := []rowError{
		{Row: 3, Field: "question", Code: "invalid"},
		{Row: 4, Field: "status", Code: "invalid"},
		{Row: 5, Field: "id", Code: "duplicate"},
		{Row: 6, Field: "valid_from", Code: "bad_time"},
	}
	if diff := cmp.Diff(want, rep.Errors, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Message" }, cmp.Ignore())); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}
	if rep.Applied {
		t.Fatal("a batch with bad rows was applied")
	}
	if n, _ := k.db.CountFAQs(ctx, k.shop); len(n) != 0 {
		t.Fatalf("bad batch stored FAQs: %v", n)
	}
	// Asked to, the valid row is applied and the rest reported.
	rep, err = k.svc.Import(ctx, k.shop, 1, strings.NewReader(csvFile), ImportOptions{Format: FormatCSV, ApplyValid: true})
	if err != nil || !rep.Applied || rep.Created != 1 || len(rep.Errors) != 4 {
		t.Fatalf("apply valid: %+v %v", rep, err)
	}
	// A file that is not the format is one clear error.
	if _, err := k.svc.Import(ctx, k.shop, 1, strings.NewReader("not a spreadsheet"), ImportOptions{Format: FormatXLSX}); err == nil {
		t.Fatal("garbage xlsx accepted")
	}
	rep, err = k.svc.Import(ctx, k.shop, 1, strings.NewReader("{\"id\":\"x\",\"question\":\"q\",\"answer\":\"a\",\"nope\":1}\n"), ImportOptions{Format: FormatJSONL})
	if err != nil || len(rep.Errors) != 1 || rep.Errors[0].Row != 1 || rep.Errors[0].Code != "bad_json" {
		t.Fatalf("jsonl unknown field: %+v %v", rep, err)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
