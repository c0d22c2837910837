package kb

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// syntheticFAQs writes n distinct FAQs the way a large catalogue shop has
// them: a product, one of its attributes, one of several question forms.
func syntheticFAQs(n int) []model.FAQ {
	products := []string{"羽绒服", "连衣裙", "牛仔裤", "卫衣", "衬衫", "运动鞋", "皮鞋", "帆布鞋", "双肩包", "手提包",
		"围巾", "帽子", "袜子", "睡衣", "风衣", "毛衣", "西装", "短裤", "凉鞋", "钱包"}
	attrs := []string{"面料", "尺码", "颜色", "厚度", "重量", "产地", "保修", "洗涤方式", "是否起球", "是否掉色",
		"适合季节", "版型", "弹性", "透气性", "防水", "价格", "库存", "发货时间", "包装", "赠品"}
	forms := []struct{ q, s1, s2 string }{
		{"%s%s是怎样的", "请问%s的%s", "%s%s介绍一下"},
		{"%s的%s有什么讲究", "%s%s怎么样", "想了解%s的%s"},
	}
	out := make([]model.FAQ, 0, n)
	for i := 0; len(out) < n; i++ {
		p := products[i%len(products)]
		a := attrs[(i/len(products))%len(attrs)]
		f := forms[(i/(len(products)*len(attrs)))%len(forms)]
		series := fmt.Sprintf("%d号款", i/(len(products)*len(attrs)*len(forms)))
		c := model.FAQContent{
			Question: fmt.Sprintf(f.q, series+p, a),
			Similar:  []string{fmt.Sprintf(f.s1, series+p, a), fmt.Sprintf(f.s2, series+p, a)},
			Answers:  []model.Answer{{Type: model.AnswerText, Lang: "zh-CN", Text: fmt.Sprintf("亲，%s%s的%s详见商品页", series, p, a)}},
		}
		out = append(out, model.FAQ{Key: fmt.Sprintf("syn-%d", i), Content: c, Live: &c, Status: model.FAQPublished})
	}
	return out
}

// newTopics are questions no synthetic FAQ is about, one per published FAQ.
var newTopics = [][]string{
	{"直播间抽奖规则是什么", "直播怎么抽奖", "抽奖怎么参加"},
	{"可以开企业团购发票吗", "团购能开票吗", "公司批量采购开票"},
	{"支持海外直邮吗", "能寄到国外吗", "国际运费多少"},
	{"会员生日有礼物吗", "生日当天有优惠吗", "会员生日礼怎么领"},
	{"可以定制刺绣名字吗", "能绣字吗", "定制刺绣多少钱"},
}

// paraphrases ask about synthetic FAQs in words none of their questions
// use, for the share a large templated shop answers directly.
var paraphrases = []struct{ q, answer string }{
	{"想问问3号款羽绒服的面料是什么样的", "亲，3号款羽绒服的面料详见商品页"},
	{"5号款连衣裙尺码能介绍下吗", "亲，5号款连衣裙的尺码详见商品页"},
	{"我想了解一下7号款卫衣的颜色", "亲，7号款卫衣的颜色详见商品页"},
	{"2号款运动鞋的重量有啥讲究", "亲，2号款运动鞋的重量详见商品页"},
	{"9号款双肩包防水咋样", "亲，9号款双肩包的防水详见商品页"},
	{"11号款围巾的价格是怎么样的", "亲，11号款围巾的价格详见商品页"},
}

// BenchmarkPublishToAnswer measures, in a shop with 10,000 live FAQs, the
// time from publishing one more FAQ to the shop's engine answering it (the
// publish updates the engine before it returns), the engine's memory, the
// full build's time (at start and in the background after the publishes)
// and how many held-out paraphrases of the catalogue's FAQs are answered.
func BenchmarkPublishToAnswer(b *testing.B) {
	k := newTestKB(&testing.T{})
	ctx := context.Background()
	const n = 10000
	err := k.db.KB(ctx, k.shop, 0, func(tx store.KBTx) error {
		for _, f := range syntheticFAQs(n) {
			if _, err := tx.CreateFAQ(ctx, f, "import"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	se, err := k.svc.Engines().Rebuild(ctx, k.shop)
	if err != nil {
		b.Fatal(err)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	metrics := map[string]float64{
		"engine_MB":  float64(se.MemoryBytes()) / (1 << 20),
		"heap_MB":    float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20),
		"rebuild_ms": float64(se.BuildTime.Milliseconds()),
	}
	answered := 0
	var total, worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		topic := newTopics[i%len(newTopics)]
		q := topic[0]
		draft, _, err := k.svc.Create(ctx, k.shop, 1, Input{Content: model.FAQContent{Question: q,
			Similar: topic[1:], Answers: text("亲，详见店铺公告", "")}})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := k.svc.Publish(ctx, k.shop, 1, draft.ID); err != nil {
			b.Fatal(err)
		}
		m := k.match(q)
		took := time.Since(start)
		if m.FAQ == nil || m.FAQ.ID != draft.ID {
			b.Fatalf("the published FAQ is not the engine's first candidate: %+v", m.Result)
		}
		if m.Decision == nlp.Answer {
			answered++
		}
		total, worst = total+took, max(worst, took)
	}
	b.StopTimer()
	metrics["publish_to_answer_ms"] = float64(total.Milliseconds()) / float64(b.N)
	metrics["publish_to_answer_max_ms"] = float64(worst.Milliseconds())
	metrics["answered_share"] = float64(answered) / float64(b.N)
	metrics["retrain_ms"] = float64(waitRetrained(b, k).Milliseconds())
	right := 0
	for _, p := range paraphrases {
		if m := k.match(p.q); m.Decision == nlp.Answer && m.Answer != nil && m.Answer.Text == p.answer {
			right++
		}
	}
	metrics["paraphrases_answered"] = float64(right) / float64(len(paraphrases))
	// Reported last: ResetTimer drops metrics reported before it.
	for name, v := range metrics {
		b.ReportMetric(v, name)
	}
}

// waitRetrained waits for the background full build that follows the
// publishes and returns how long it took.
func waitRetrained(b *testing.B, k *testKB) time.Duration {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		se, err := k.svc.Engines().Get(context.Background(), k.shop)
		if err != nil {
			b.Fatal(err)
		}
		if se.Engine.Incremental() == 0 {
			return se.BuildTime
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("the engine was not rebuilt after the publishes")
	return 0
}
