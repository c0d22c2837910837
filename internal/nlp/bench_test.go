package nlp

import (
	"fmt"
	"testing"
)

// syntheticFAQ makes n distinct FAQs from product names and question
// patterns, like a large shop's catalogue questions.
func syntheticFAQ(n int) []FAQ {
	aspects := []struct{ q, s1, s2 string }{
		{"%s什么时候发货", "%s多久能发", "%s几天发货"},
		{"%s是什么材质", "%s用的什么面料", "%s是纯棉的吗"},
		{"%s有现货吗", "%s还有货吗", "%s什么时候补货"},
		{"%s怎么选尺码", "%s穿多大码", "%s偏大还是偏小"},
		{"%s能便宜点吗", "%s有优惠吗", "%s最低多少钱"},
		{"%s保修多久", "%s坏了怎么保修", "%s有质保吗"},
		{"%s怎么清洗", "%s能机洗吗", "%s洗了会缩水吗"},
		{"%s有几种颜色", "%s还有别的颜色吗", "%s黑色好看吗"},
		{"how long is the warranty for %s", "is %s covered by warranty", "%s warranty"},
		{"what size is %s", "how big is %s", "dimensions of %s"},
	}
	faqs := make([]FAQ, 0, n)
	for i := 0; len(faqs) < n; i++ {
		name := fmt.Sprintf("型号%c%d", 'A'+rune(i%26), i)
		for _, a := range aspects {
			if len(faqs) == n {
				break
			}
			faqs = append(faqs, FAQ{
				ID:       fmt.Sprintf("faq%d", len(faqs)),
				Question: fmt.Sprintf(a.q, name),
				Similar:  []string{fmt.Sprintf(a.s1, name), fmt.Sprintf(a.s2, name)},
				Answer:   "answer",
			})
		}
	}
	return faqs
}

// catalogueFAQ makes n FAQs the way a large catalogue is written from
// templates: a series number, a product, one of its attributes, one of two
// question forms; the answer names series, product and attribute, so the two
// forms of one product attribute are twins with the same answer.
func catalogueFAQ(n int) []FAQ {
	forms := []struct{ q, s1, s2 string }{
		{"%s%s是怎样的", "请问%s的%s", "%s%s介绍一下"},
		{"%s的%s有什么讲究", "%s%s怎么样", "想了解%s的%s"},
	}
	faqs := make([]FAQ, 0, n)
	for i := 0; len(faqs) < n; i++ {
		p, a := catalogueProducts[i%20], catalogueAttrs[(i/20)%20]
		f := forms[(i/400)%2]
		series := fmt.Sprintf("%d号款", i/800)
		faqs = append(faqs, FAQ{
			ID:       fmt.Sprint(i),
			Question: fmt.Sprintf(f.q, series+p, a),
			Similar:  []string{fmt.Sprintf(f.s1, series+p, a), fmt.Sprintf(f.s2, series+p, a)},
			Answer:   catalogueAnswer(series, p, a),
		})
	}
	return faqs
}

var (
	catalogueProducts = []string{"羽绒服", "连衣裙", "牛仔裤", "卫衣", "衬衫", "运动鞋", "皮鞋", "帆布鞋", "双肩包", "手提包",
		"围巾", "帽子", "袜子", "睡衣", "风衣", "毛衣", "西装", "短裤", "凉鞋", "钱包"}
	catalogueAttrs = []string{"面料", "尺码", "颜色", "厚度", "重量", "产地", "保修", "洗涤方式", "是否起球", "是否掉色",
		"适合季节", "版型", "弹性", "透气性", "防水", "价格", "库存", "发货时间", "包装", "赠品"}
)

func catalogueAnswer(series, product, attr string) string {
	return fmt.Sprintf("亲，%s%s的%s详见商品页", series, product, attr)
}

func TestSyntheticFAQMatches(t *testing.T) {
	e, err := Build(syntheticFAQ(500), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Match("型号C2还有货吗").Candidates; len(got) == 0 || got[0].Question != "型号C2还有货吗" {
		t.Errorf("top = %+v", got)
	}
}

func BenchmarkBuild(b *testing.B) {
	if _, err := Build(syntheticFAQ(10), Options{}); err != nil { // load the dictionary, train intents
		b.Fatal(err)
	}
	for _, n := range []int{100, 1000, 2000, 10000} {
		for _, set := range []struct {
			name string
			faqs []FAQ
		}{{"faqs", syntheticFAQ(n)}, {"catalogue", catalogueFAQ(n)}} {
			if n == 100 && set.name == "catalogue" {
				continue
			}
			b.Run(fmt.Sprintf("%s=%d", set.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := Build(set.faqs, Options{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkWith(b *testing.B) {
	faq := FAQ{ID: "new", Question: "可以开发票吗", Similar: []string{"能开专票吗"}}
	for _, n := range []int{1000, 10000} {
		e, err := Build(catalogueFAQ(n), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("catalogue=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := e.With(faq); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	queries := []string{"型号B1什么时候能发货", "is 型号D3 under warranty", "今天天气怎么样", "我要投诉，东西坏了！！"}
	for _, n := range []int{15, 1000, 10000} {
		var e *Engine
		var err error
		if n == 15 {
			e, err = Build(shopFAQ(b), Options{})
		} else {
			e, err = Build(syntheticFAQ(n), Options{})
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("faqs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				e.Match(queries[i%len(queries)])
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Normalize("亲，這件ＸＬ碼的衣服還有貨嗎？？？在吗吗吗😊")
	}
}
